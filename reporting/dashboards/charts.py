"""A dashboard chart: its table (the same numbers, for the page's table toggle and the .xlsx) and
its ECharts option, built here as plain JSON (the page's static JS only draws it: no inline script).

A column says how its cells read: a count, a rate in percent with one decimal ("—" when its
denominator is empty, never 0) or text. A count column may name the statistics figure it shows:
the page links each such cell to the list behind it (reporting:stat_trace), in the viewer's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reporting.statistics.definitions import format_rate

COUNT, RATE, TEXT = "count", "rate", "text"
PALETTE = ["#0b4ea2", "#c8a24a", "#198754", "#dc3545", "#6f42c1", "#fd7e14", "#20c997", "#6c8ebf", "#adb5bd"]
TOOLTIP = {"trigger": "axis", "axisPointer": {"type": "shadow"}, "renderMode": "richText"}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = COUNT
    figure: str = ""  # a QuarterlyStat count key: its cells link to the trace of that figure


@dataclass
class Row:
    cells: list[Any]
    stat_pk: int | None = None  # the QuarterlyStat the counts come from (for the trace links)
    kinds: list[str] | None = None  # a row read otherwise than its columns (a count among rates)

    def kind_of(self, index: int, column: Column) -> str:
        return self.kinds[index] if self.kinds else column.kind


@dataclass
class Chart:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row]
    option: dict[str, Any]
    note: str = ""
    # Horizontal bars over many categories grow the chart's height (data-rows on the page).
    categories: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return bool(self.rows)


def shown(value: Any, kind: str) -> str:
    """A cell as the page's table shows it."""
    if kind == RATE:
        return format_rate(value)
    if kind == COUNT:
        return "—" if value is None else f"{value:,}"
    return "" if value is None else str(value)


def toolbox() -> dict[str, Any]:
    """No toolbox on the canvas: the card's 图片 button saves the chart (getDataURL, static/js/dashboards.js),
    reachable by keyboard and named by the page."""
    return {"show": False}


def ranked_bars(names: list[str], values: list[Any], *, rate: bool, average: Any = None,
                average_label: str = "", colour: str = PALETTE[0], lines: bool = False) -> dict[str, Any]:
    """Horizontal bars, largest first, with the national average drawn as a line when given."""
    series: dict[str, Any] = {
        "type": "bar", "data": values, "itemStyle": {"color": colour},
        "label": {"show": True, "position": "right", "formatter": "{c}%" if rate else "{c}"},
    }
    if average is not None:
        series["markLine"] = {"symbol": "none", "silent": True, "lineStyle": {"color": PALETTE[3], "type": "dashed"},
                              "label": {"formatter": average_label, "position": "start"},
                              "data": [{"xAxis": average}]}
    return {
        "toolbox": toolbox(), "tooltip": TOOLTIP,
        "grid": {"left": 8, "right": 48, "top": 64 if average is not None or lines else 16, "bottom": 8,
                 "containLabel": True},
        "xAxis": {"type": "value", **({"max": 100, "axisLabel": {"formatter": "{value}%"}} if rate else
                                      {"minInterval": 1})},
        "yAxis": {"type": "category", "inverse": True, "data": names,
                  "axisLabel": {"width": 150, "overflow": "truncate"}},
        "series": [series],
    }


def category_bars(categories: list[str], series: list[tuple[str, list[Any]]], *, stack: bool = False,
                  lines: list[tuple[str, list[Any]]] = ()) -> dict[str, Any]:
    """Vertical bars per category (quarters), with rates as lines on a second axis."""
    option_series: list[dict[str, Any]] = [
        {"name": name, "type": "bar", "data": data, "itemStyle": {"color": PALETTE[i % len(PALETTE)]},
         **({"stack": "total"} if stack else {})}
        for i, (name, data) in enumerate(series)]
    option_series += [
        {"name": name, "type": "line", "yAxisIndex": 1, "data": data, "connectNulls": False,
         "itemStyle": {"color": PALETTE[(len(series) + i) % len(PALETTE)]}}
        for i, (name, data) in enumerate(lines)]
    y_axes: list[dict[str, Any]] = [{"type": "value", "minInterval": 1}]
    if lines:
        y_axes.append({"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}})
    return {
        "toolbox": toolbox(), "tooltip": TOOLTIP, "legend": {"top": 0, "left": 0, "right": 40, "type": "scroll"},
        "grid": {"left": 8, "right": 16, "top": 56, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories}, "yAxis": y_axes, "series": option_series,
    }


def pie(items: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "toolbox": toolbox(), "tooltip": {"trigger": "item", "renderMode": "richText"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "center": ["50%", "45%"],
                    "label": {"formatter": "{b}\n{c} ({d}%)"},
                    "data": [{"name": name, "value": value} for name, value in items]}],
        "color": PALETTE,
    }
