"""The figures of one QuarterlyStat row as the pages, exports and API show them: counts with the
link to their list, rates with one decimal ("—" over an empty denominator), 自报实施 beside the
implementation rate."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from reporting.statistics.definitions import FIGURES, VERSIONS, Figure, format_rate, rate
from reporting.statistics.models import QuarterlyStat, ScopeKind


@dataclass(frozen=True)
class Cell:
    figure: Figure
    value: int | float | None
    text: str
    trace_url: str  # "" for a rate (its counts are traced)


def trace_url(stat: QuarterlyStat, figure: str) -> str:
    """The page listing what `figure` of `stat` counted (the figure travels in the query string)."""
    return f"{reverse('reporting:stat_trace', kwargs={'pk': stat.pk})}?figure={figure}"


def figures_of(stat: QuarterlyStat) -> list[Cell]:
    _terms, figures = VERSIONS.get(stat.definition_version, (None, FIGURES))
    cells = []
    for figure in figures:
        if figure.is_rate:
            value = rate(getattr(stat, figure.numerator), getattr(stat, figure.denominator))
            cells.append(Cell(figure, value, format_rate(value), ""))
        else:
            value = getattr(stat, figure.key)
            url = trace_url(stat, figure.key)
            cells.append(Cell(figure, value, f"{value:,}", url))
    return cells


def scope_name(stat: QuarterlyStat) -> str:
    if stat.scope == ScopeKind.NATIONAL:
        return _("全国")
    if stat.scope == ScopeKind.PROVINCE:
        return stat.province.name if stat.province_id else ""
    return stat.organization.name if stat.organization_id else ""
