"""The dashboards (/reporting/dashboard/): one page, parameterised by the viewer's role and the scope
picked — the platform's national picture, a ministry's and a province's institutions, an
institution's own figures — and each chart's data as .xlsx (audited as an export).

Filters: `?quarter=2025Q4` (a quarter with statistics; the latest by default), `?scope=` (data.load:
never outside `QuarterlyStat.objects.visible_to(user)`), `?rank=` (the ranking's figure).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import role_of
from reporting.dashboards import data, sections
from reporting.dashboards.charts import TEXT, Chart, shown
from reporting.dashboards.exports import DashboardExport
from reporting.dashboards.scope import READERS
from reporting.statistics.definitions import format_rate, rate
from reporting.statistics.presentation import scope_name
from reporting.statistics.trace import traceable


def _load(request: HttpRequest) -> tuple[data.Dashboard, str]:
    rank = request.GET.get("rank") or "coverage"
    if rank not in sections.RANKINGS:
        rank = "coverage"
    dashboard = data.load(request.user, quarter=request.GET.get("quarter"), scope=request.GET.get("scope"))
    dashboard.charts = sections.build(dashboard, rank=rank)
    return dashboard, rank


def trace_url(stat_pk: int | None, figure: str) -> str:
    """The list of patents or conversions behind a count (reporting:stat_trace), in the viewer's scope."""
    if not stat_pk or not traceable(figure):
        return ""
    # One reverse per request rather than one per cell: a ranking of a hundred institutions has a
    # thousand linked numbers.
    prefix = reverse("reporting:stat_trace", kwargs={"pk": 0}).removesuffix("0/")
    return f"{prefix}{stat_pk}/?figure={figure}"


def table_of(chart: Chart) -> list[SafeString]:
    """The chart's rows as the page's table shows them (<td> cells, numbers right-aligned, each count
    linked to its trace), escaped here: a template loop over a thousand cells costs more than the
    rest of the page."""
    prefix = reverse("reporting:stat_trace", kwargs={"pk": 0}).removesuffix("0/")
    linked = [bool(column.figure) and traceable(column.figure) for column in chart.columns]
    rows = []
    for row in chart.rows:
        cells = []
        for index, (column, value) in enumerate(zip(chart.columns, row.cells, strict=True)):
            kind = row.kind_of(index, column)
            text = shown(value, kind)
            if kind == TEXT:
                cells.append(format_html("<td>{}</td>", text))
            elif linked[index] and row.stat_pk and value:
                cells.append(format_html('<td class="text-end"><a href="{}{}/?figure={}">{}</a></td>', prefix,
                                         row.stat_pk, column.figure, text))
            else:
                cells.append(format_html('<td class="text-end">{}</td>', text))
        # Each cell is escaped by format_html: their concatenation is safe.
        rows.append(mark_safe("".join(cells)))
    return rows


def headline(dashboard: data.Dashboard) -> list[dict]:
    """The figures in the cards over the charts: the scope's, with the nation's beside them."""
    own, nation = dashboard.row, dashboard.national
    if own is None:
        return []

    def card(label, value, figure="", *, national=None, aside="", is_rate=False) -> dict:
        return {"label": label, "value": format_rate(value) if is_rate else f"{value:,}",
                "url": trace_url(own.pk, figure), "aside": aside,
                "national": (format_rate(national) if is_rate else f"{national:,}") if national is not None else ""}

    show_nation = nation is not None and nation.pk != own.pk
    n = nation if show_nation else None
    return [
        card(_("盘点覆盖率"), rate(own.inventoried, own.in_scope), is_rate=True,
             national=rate(n.inventoried, n.in_scope) if n else None,
             aside=_("已盘点 %(done)s / %(total)s") % {"done": f"{own.inventoried:,}", "total": f"{own.in_scope:,}"}),
        card(_("专利实施率"), rate(own.implemented, own.valid), is_rate=True,
             national=rate(n.implemented, n.valid) if n else None,
             aside=_("自报实施 %(n)s(单列,不计入)") % {"n": f"{own.self_reported:,}"}),
        card(_("专利产业化率"), rate(own.industrialised, own.valid), is_rate=True,
             national=rate(n.industrialised, n.valid) if n else None),
        card(_("入库数"), own.in_library, "in_library"),
        card(_("转让登记数"), own.transfers, "transfers"),
        card(_("许可备案数"), own.licences, "licences",
             aside=_("其中开放许可 %(n)s") % {"n": f"{own.open_licences:,}"}),
        card(_("专利产品备案数"), own.product_filings, "product_filings"),
        card(_("沉睡专利数"), own.sleeping, "sleeping"),
    ]


def _charts_key(request: HttpRequest, board: data.Dashboard, rank: str) -> str:
    """What the charts of a dashboard depend on: the reader's role (the picker and links differ),
    the scope shown, the run and when it was computed (a recomputed draft changes the key), the
    ranking and the language. Never the user: readers of one scope share the entry."""
    run = board.run
    parts = (role_of(request.user), board.scope.param, run.pk if run else None,
             run.computed_at.isoformat() if run else "", run.status if run else "", rank, get_language(),
             request.GET.urlencode())
    return "pn-dashboard:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _charts(request: HttpRequest) -> tuple[data.Dashboard, str, dict]:
    """The dashboard with its charts, tables and chart options; the charts come from the cache when
    the same scope and run were drawn in the last DASHBOARD_CACHE_SECONDS (the quarter's rows are
    frozen or a draft keyed by its computation; only the live milestone panel can lag that long)."""
    rank = request.GET.get("rank") or "coverage"
    if rank not in sections.RANKINGS:
        rank = "coverage"
    board = data.load(request.user, quarter=request.GET.get("quarter"), scope=request.GET.get("scope"))
    key = _charts_key(request, board, rank)
    drawn = cache.get(key) if board.row is not None else None
    if drawn is None:
        board.charts = sections.build(board, rank=rank)
        # The charts' section is drawn to HTML once: its tables are most of a ministry's page.
        html = render_to_string("reporting/dashboards/_charts.html", {
            "board": board, "charts": [{"chart": chart, "table": table_of(chart)} for chart in board.charts],
            "options": {chart.key: chart.option for chart in board.charts}, "query": request.GET.urlencode(),
            "row_label": scope_name(board.row) if board.row is not None else "",
        })
        drawn = {"html": html}
        if board.row is not None:
            cache.set(key, drawn, settings.DASHBOARD_CACHE_SECONDS)
    return board, rank, drawn


@role_required(*READERS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    board, rank, drawn = _charts(request)
    return render(request, "reporting/dashboards/dashboard.html", {
        "board": board, "charts_html": mark_safe(drawn["html"]),  # rendered by the template engine
        "cards": headline(board), "rank": rank,
        "rankings": [(key, label) for key, (label, _v, _r) in sections.RANKINGS.items()],
        "query": request.GET.urlencode(),
        "row_label": scope_name(board.row) if board.row is not None else "",
    })


@role_required(*READERS)
@require_GET
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The data of one chart (`?chart=`), or of every chart, of the dashboard the same filters show."""
    board, _rank = _load(request)
    key = request.GET.get("chart") or ""
    charts = [chart for chart in board.charts if not key or chart.key == key]
    if board.row is None or not charts:
        raise Http404
    return export_response(DashboardExport, request, board=board, charts=charts)

