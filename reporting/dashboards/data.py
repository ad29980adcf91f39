"""The data of a dashboard, read from the pre-aggregated statistics (ARCHITECTURE.md: dashboards read
pre-aggregated tables).

`load` reads, whatever the number of institutions: the runs (one query), the scope's row with the
national row (one), the rows beneath the scope (one), the scope's and the nation's rows of the
trend's quarters (one), the industry names (one) and, for the milestones, the active milestones and
one grouped count of the institutions' inventory (inventory.milestones.services). Every row is read
through `QuarterlyStat.objects.visible_to(user)`: a scope outside it is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Organization
from reporting.dashboards.charts import Chart
from reporting.dashboards.scope import Scope, asked_scope, own_scope
from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, StatRun
from reporting.statistics.presentation import scope_name
from reporting.statistics.quarters import Quarter, QuarterError

TREND_QUARTERS = 8


@dataclass
class Dashboard:
    scope: Scope
    quarter: Quarter | None
    quarters: list[str]  # the quarters that have a run, newest first
    run: StatRun | None = None
    row: QuarterlyStat | None = None
    national: QuarterlyStat | None = None
    children: list[QuarterlyStat] = field(default_factory=list)
    # (quarter, the scope's row, the national row) for the trend's quarters, oldest first
    trend: list[tuple[str, QuarterlyStat | None, QuarterlyStat | None]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)  # the scope picker: (param, label)
    error: str = ""

    @property
    def audience(self) -> str:
        return self.scope.kind


def current_runs() -> dict[str, StatRun]:
    """The run each quarter is shown with (StatRun.objects.current for all quarters, in one query)."""
    chosen: dict[str, StatRun] = {}
    for run in StatRun.objects.order_by("quarter", "revision"):
        kept = chosen.get(run.quarter)
        published_kept = kept is not None and kept.status == RunStatus.PUBLISHED
        if run.status == RunStatus.PUBLISHED or (run.status == RunStatus.DRAFT and not published_kept):
            chosen[run.quarter] = run
    return chosen


def _quarter(text: str | None, runs: dict[str, StatRun]) -> tuple[Quarter | None, str]:
    """The quarter asked for (the latest with a run when none is), and a Chinese message when the
    asked one cannot be shown (then the latest is shown)."""
    latest = Quarter.parse(max(runs)) if runs else None
    if not text:
        return latest, ""
    try:
        quarter = Quarter.ended(text)
    except QuarterError as error:
        return latest, str(error)
    if str(quarter) not in runs:
        return latest, _("%(quarter)s 还没有统计数据") % {"quarter": quarter}
    return quarter, ""


def load(user, *, quarter: str | None = None, scope: str | None = None) -> Dashboard:
    """The rows of the dashboard `user` asked for; the charts are added by sections.build."""
    wanted = asked_scope(user, scope)
    runs = current_runs()
    chosen, error = _quarter(quarter, runs)
    dashboard = Dashboard(scope=wanted, quarter=chosen, quarters=sorted(runs, reverse=True), error=error)
    if chosen is None:
        if scope:
            raise Http404  # no run at all: nothing to show for a scope picked by hand either
        return dashboard
    dashboard.run = runs[str(chosen)]
    visible = QuarterlyStat.objects.visible_to(user)
    related = ("province", "organization")
    own = Q(**wanted.row_filter())
    for row in visible.filter(Q(scope=ScopeKind.NATIONAL) | own, run=dashboard.run).select_related(*related):
        if row.scope == ScopeKind.NATIONAL:
            dashboard.national = row
        if wanted.kind != ScopeKind.NATIONAL and row.scope == ScopeKind.NATIONAL:
            continue
        dashboard.row = row
    if dashboard.row is None:
        if scope:
            raise Http404  # a scope picked by hand that has no visible row
        # The viewer's own scope has no row in this run (a ministry supervising no institution yet).
        dashboard.error = dashboard.error or _("%(quarter)s 的统计中没有本单位的数据") % {"quarter": chosen}
        return dashboard
    beneath = wanted.children_filter()
    if beneath is not None:
        dashboard.children = list(visible.filter(run=dashboard.run, **beneath).select_related(*related))
    dashboard.trend = _trend(visible, wanted, chosen, runs)
    dashboard.choices = _choices(user, dashboard)
    return dashboard


def _trend(visible, wanted: Scope, last: Quarter, runs: dict[str, StatRun]) -> list:
    quarters = [last]
    while len(quarters) < TREND_QUARTERS:
        quarters.append(quarters[-1].previous())
    shown = [str(q) for q in reversed(quarters) if str(q) in runs]
    run_of = {runs[q].pk: q for q in shown}
    own: dict[str, QuarterlyStat] = {}
    national: dict[str, QuarterlyStat] = {}
    rows = visible.filter(Q(scope=ScopeKind.NATIONAL) | Q(**wanted.row_filter()), run_id__in=list(run_of))
    for row in rows:
        if row.scope == ScopeKind.NATIONAL:
            national[run_of[row.run_id]] = row
        if row.scope == wanted.kind:
            own[run_of[row.run_id]] = row
    return [(q, own.get(q), national.get(q)) for q in shown]


def _choices(user, dashboard: Dashboard) -> list[tuple[str, str]]:
    """The scopes the picker offers: the platform the nation, every province and ministry with a row
    in the run (and the institution shown); a province or a ministry its own scope and its
    institutions; an institution nothing but itself."""
    visible = QuarterlyStat.objects.visible_to(user).filter(run=dashboard.run).select_related(
        "province", "organization")
    own = own_scope(user)
    choices: list[tuple[str, str]] = []
    if own.kind == ScopeKind.NATIONAL:
        choices.append((ScopeKind.NATIONAL, _("全国")))
        tops = visible.filter(scope__in=[ScopeKind.PROVINCE, ScopeKind.MINISTRY]).order_by(
            "-scope", "province_id", "organization__name")
        choices += [(_param(row), scope_name(row)) for row in tops]
    elif own.kind != ScopeKind.INSTITUTION:
        choices.append((own.param, user.organization.name))
        institutions = dashboard.children
        if dashboard.scope.kind == ScopeKind.INSTITUTION:
            institutions = list(visible.filter(**own.children_filter()))
        choices += [(_param(row), "— " + scope_name(row)) for row in sorted(institutions, key=scope_name)]
    if dashboard.scope.kind == ScopeKind.NATIONAL:
        return choices
    if dashboard.row is not None and _param(dashboard.row) not in dict(choices):
        choices.append((_param(dashboard.row), scope_name(dashboard.row)))
    return choices


def _param(row: QuarterlyStat) -> str:
    if row.scope == ScopeKind.NATIONAL:
        return ScopeKind.NATIONAL
    if row.scope == ScopeKind.PROVINCE:
        return f"{ScopeKind.PROVINCE}:{row.province_id}"
    return f"{row.scope}:{row.organization_id}"


def institutions_of(dashboard: Dashboard) -> list[Organization]:
    """The institutions whose milestones the dashboard shows: those beneath the scope, or the institution."""
    if dashboard.scope.kind == ScopeKind.INSTITUTION:
        return [dashboard.row.organization] if dashboard.row is not None else []
    if dashboard.scope.kind == ScopeKind.NATIONAL:
        return []
    return [row.organization for row in dashboard.children if row.organization_id]
