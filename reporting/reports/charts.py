"""The PDF report's charts, drawn with matplotlib: the coverage ranking, the resource library's
composition, the conversions by unit, and the trends over quarters. Chinese labels use Debian's Noto
Sans CJK (fonts-noto-cjk). PNG at print resolution: as SVG, WeasyPrint lays out the glyph outlines
more slowly (10 s against 8.5 s for a ministry of 100 institutions, bench/bench_report_xlsx.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path

import matplotlib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib import font_manager
from matplotlib.figure import Figure

from reporting.reports.data import ReportData, breakdown_labels

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_NAME = "Noto Sans CJK SC"
# The most units a ranking draws (the table beside it lists every one).
RANKED = 30
PANEL_TITLES = {"library_by_intent": gettext_lazy("入库专利:转化意愿"),
                "library_by_maturity": gettext_lazy("入库专利:技术成熟度"),
                "library_by_industry": gettext_lazy("入库专利:所属产业")}
# Printed sharp at A4 (a chart is at most the page wide, 27 cm: 9 in at 150 dpi is 1,350 px).
DPI = 150
COLOURS = ["#1f4e79", "#2e75b6", "#9dc3e6", "#c55a11", "#f4b183", "#70ad47", "#a9d18e", "#7f7f7f"]


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the Noto CJK face with matplotlib once; its family name (matplotlib's default sans
    if the font is missing, which draws Chinese as boxes: the tests look at the rendered pages)."""
    for folder in FONT_DIRS:
        path = folder / FONT_FILE
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    return "DejaVu Sans"


def _style() -> dict:
    """matplotlib's settings while a chart is drawn (a Figure without pyplot: no global figure state)."""
    return {"font.family": [cjk_font(), "DejaVu Sans"], "axes.unicode_minus": False}


def _styled(draw: Callable[[ReportData], bytes]) -> Callable[[ReportData], bytes]:
    """Draw under the CJK style: a text's font is settled when the text is made, not when saved."""
    @wraps(draw)
    def drawn(data: ReportData) -> bytes:
        with matplotlib.rc_context(_style()):
            return draw(data)
    return drawn


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, transparent=True)
    return buffer.getvalue()


@_styled
def coverage_ranking(data: ReportData) -> bytes:
    """Horizontal bars of the units' coverage (highest on top), the nation's as a dashed line."""
    coverage = data.figure("coverage")
    rows = [row for row in data.ranking("coverage") if row.value(coverage) is not None][:RANKED]
    figure = _figure(9.0, max(2.4, 0.2 * len(rows) + 1.0))
    axes = figure.add_subplot()
    names = [row.name for row in rows][::-1]
    values = [100 * row.value(coverage) for row in rows][::-1]
    axes.barh(names, values, color=COLOURS[1])
    for y, value in enumerate(values):
        axes.text(value + 1, y, f"{value:.1f}%", va="center", fontsize=8)
    national = data.national.value(coverage)
    if national is not None:
        axes.axvline(100 * national, color=COLOURS[3], linestyle="--", linewidth=1.2,
                     label=_("全国 %(value)s") % {"value": f"{100 * national:.1f}%"})
        axes.legend(loc="lower right", fontsize=8)
    axes.set_xlim(0, 110)
    axes.set_xlabel(_("盘点覆盖率(%)"))
    axes.set_title(_("盘点覆盖率排名(前 %(n)d 位)") % {"n": RANKED}, fontsize=11)
    axes.tick_params(axis="y", labelsize=8)
    if not rows:
        axes.text(50, 0, _("暂无数据"), ha="center")
    return _png(figure)


@_styled
def library_composition(data: ReportData) -> bytes:
    """The scope's resource library by intent, by maturity and by industry, as three bar panels."""
    keys = ["library_by_intent", "library_by_maturity", "library_by_industry"]
    figure = _figure(7.2, 2.8)
    for index, key in enumerate(keys, start=1):
        axes = figure.add_subplot(1, 3, index)
        counts = data.own.breakdown.get(key) or {}
        named = breakdown_labels(key, list(counts))
        items = sorted(counts.items(), key=lambda item: -item[1])[:8]
        axes.bar([named[code][:8] for code, _n in items], [n for _c, n in items],
                 color=COLOURS[(index - 1) * 2 % len(COLOURS)])
        axes.set_title(str(PANEL_TITLES[key]), fontsize=10)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)
        axes.tick_params(axis="y", labelsize=7)
        if not items:
            axes.text(0.5, 0.5, _("暂无数据"), ha="center", transform=axes.transAxes, fontsize=9)
    return _png(figure)


@_styled
def conversions(data: ReportData) -> bytes:
    """Transfers, licences and product filings of the quarter by unit (the busiest units)."""
    keys = ["transfers", "licences", "product_filings"]
    rows = sorted(data.units, key=lambda r: -sum(r.counts.get(k, 0) for k in keys))[:15]
    figure = _figure(7.2, 3.2)
    axes = figure.add_subplot()
    positions = range(len(rows))
    width = 0.27
    for offset, key in enumerate(keys):
        axes.bar([p + (offset - 1) * width for p in positions], [r.counts.get(key, 0) for r in rows], width,
                 label=str(data.figure(key).label), color=COLOURS[offset * 2])
    axes.set_xticks(list(positions), [r.name[:10] for r in rows], rotation=45, ha="right", fontsize=7)
    axes.set_title(_("本季度转化(按%(unit)s)") % {"unit": data.audience.unit_label}, fontsize=11)
    axes.legend(fontsize=8)
    if not rows:
        axes.text(0.5, 0.5, _("暂无数据"), ha="center", transform=axes.transAxes)
    return _png(figure)


@_styled
def trends(data: ReportData) -> bytes:
    """Coverage, implementation and industrialisation rates over the quarters, the scope's as full
    lines and the nation's dashed; a quarter whose rate is "—" is left as a gap."""
    figure = _figure(7.2, 3.0)
    axes = figure.add_subplot()
    quarters = [str(point.quarter) for point in data.trend]
    for index, key in enumerate(["coverage", "implementation_rate", "industrialisation_rate"]):
        figure_def = data.figure(key)
        colour = COLOURS[index * 3 % len(COLOURS)]
        own = [_percent(point.own, figure_def) for point in data.trend]
        axes.plot(quarters, own, marker="o", color=colour, label=f"{data.audience.name} {figure_def.label}")
        if not data.audience.units_are_provinces:
            national = [_percent(point.national, figure_def) for point in data.trend]
            axes.plot(quarters, national, linestyle="--", color=colour, alpha=0.7,
                      label=f"{_('全国')} {figure_def.label}")
    axes.set_ylabel("%")
    axes.set_ylim(bottom=0)
    axes.set_title(_("季度趋势(实线为本口径,虚线为全国)"), fontsize=11)
    axes.legend(fontsize=7, ncol=2)
    axes.tick_params(labelsize=8)
    return _png(figure)


def _percent(row, figure) -> float:
    value = row.value(figure) if row is not None else None
    return float("nan") if value is None else 100 * value
