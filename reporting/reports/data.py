"""What a progress report shows: a quarter's frozen figures in the asker's scope.

Every row is read through `QuarterlyStat.objects.visible_to(user)` (never a wider query): the
platform reads the national row, every province and every institution; a ministry the national
row, its own and its institutions'; a province the national row, its own and its institutions'.
The three formats (xlsx.py, pdf.py, bulletin.py) draw from one `ReportData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Organization, Province
from accounts.roles import Role, role_of
from evaluation.choices import NonConversionReason
from inventory.choices import Intent
from inventory.classification.models import Industry
from reporting.spotchecks.services import QuarterSpotCheck, quarter_results
from reporting.statistics.definitions import VERSIONS, Figure, rate
from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, StatRun
from reporting.statistics.quarters import Quarter

# How many quarters the trend shows (the selected one and those before it that have a run).
TREND_QUARTERS = 8
# The roles that download progress reports, and the scope each one's report covers.
AUDIENCE_SCOPES = {Role.OPERATOR: ScopeKind.NATIONAL, Role.MINISTRY: ScopeKind.MINISTRY,
                   Role.PROVINCE: ScopeKind.PROVINCE}


@dataclass(frozen=True)
class Audience:
    """Whose report: the scope it covers, its organisation and (a province) its province."""

    scope: str
    organization: Organization
    province: Province | None
    name: str

    @property
    def units_are_provinces(self) -> bool:
        """The platform ranks provinces; a ministry and a province rank their institutions."""
        return self.scope == ScopeKind.NATIONAL

    @property
    def unit_label(self) -> str:
        return _("省份") if self.units_are_provinces else _("机构")


def audience_of(user) -> Audience:
    """The scope of the reports `user` may download; PermissionDenied for every other role."""
    scope = AUDIENCE_SCOPES.get(role_of(user))
    if scope is None:
        raise PermissionDenied(_("只有部委、省级知识产权局和平台运营人员可以下载进展报告"))
    org = user.organization
    if scope == ScopeKind.NATIONAL:
        return Audience(scope, org, None, _("全国"))
    if scope == ScopeKind.PROVINCE:
        if org.province_id is None:
            raise PermissionDenied(_("本单位未设置所在省份,无法生成省级报告"))
        return Audience(scope, org, org.province, org.province.name)
    return Audience(scope, org, None, org.name)


@dataclass
class Row:
    """One scope's figures of one run, with its name (and, for an institution, its province)."""

    name: str
    counts: dict[str, int]
    breakdown: dict[str, dict[str, int]]
    province: str = ""
    organization_id: int | None = None

    def value(self, figure: Figure) -> float | int | None:
        """A count, or a rate as a fraction (0.123 for 12.3%), None over an empty denominator."""
        if not figure.is_rate:
            return self.counts.get(figure.key, 0)
        denominator = self.counts.get(figure.denominator, 0)
        return self.counts.get(figure.numerator, 0) / denominator if denominator else None

    def percent(self, figure: Figure) -> float | None:
        """A rate in percent with one decimal (definitions.rate), None over an empty denominator."""
        return rate(self.counts.get(figure.numerator, 0), self.counts.get(figure.denominator, 0))


@dataclass
class TrendPoint:
    quarter: Quarter
    own: Row | None
    national: Row | None


@dataclass
class ReportData:
    audience: Audience
    quarter: Quarter
    run: StatRun
    terms: tuple
    figures: tuple[Figure, ...]
    own: Row
    national: Row
    units: list[Row]  # provinces (platform) or institutions (ministry, province)
    institutions: list[Row]  # the platform: every institution with its province; else the units
    trend: list[TrendPoint] = field(default_factory=list)
    spot_checks: list[QuarterSpotCheck] = field(default_factory=list)  # the quarter's, as the asker reads them

    @property
    def is_draft(self) -> bool:
        return self.run.status == RunStatus.DRAFT

    @property
    def status_text(self) -> str:
        return str(self.run.get_status_display())

    @property
    def draft_mark(self) -> str:
        """The watermark of a report built on a run not yet published."""
        return _("草稿/未发布") if self.is_draft else ""

    @property
    def title(self) -> str:
        title = _("%(name)s%(quarter)s存量专利盘活工作进展报告") % {"name": self.audience.name,
                                                              "quarter": self.quarter.label()}
        return f"{title}({self.draft_mark})" if self.is_draft else title

    @property
    def run_line(self) -> str:
        return _("季度统计第 %(revision)d 版,%(status)s;统计口径版本 %(version)s;季末 %(end)s") % {
            "revision": self.run.revision, "status": self.status_text, "version": self.run.definition_version,
            "end": self.quarter.end.isoformat()}

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def ranking(self, key: str = "coverage") -> list[Row]:
        """The units by a figure, highest first; units whose rate is "—" last, by name."""
        figure = self.figure(key)
        return sorted(self.units, key=lambda row: (row.value(figure) is None, -(row.value(figure) or 0), row.name))


def _row(stat: QuarterlyStat | None, name: str, counts_keys: tuple[str, ...]) -> Row:
    if stat is None:
        return Row(name, {key: 0 for key in counts_keys}, {})
    return Row(name, {key: getattr(stat, key) for key in counts_keys}, stat.breakdown or {},
               province=stat.province.name if stat.province_id else "", organization_id=stat.organization_id)


def _is_own(stat: QuarterlyStat, audience: Audience) -> bool:
    if stat.scope != audience.scope:
        return False
    if audience.scope == ScopeKind.PROVINCE:
        return stat.province_id == audience.province.pk
    if audience.scope == ScopeKind.MINISTRY:
        return stat.organization_id == audience.organization.pk
    return True


def definitions_of(run: StatRun) -> tuple[tuple, tuple[Figure, ...]]:
    """The terms and figures of the definitions version the run was computed with."""
    try:
        return VERSIONS[run.definition_version]
    except KeyError:
        raise ValueError(_("统计口径版本 %(version)s 不存在,无法生成报告")
                         % {"version": run.definition_version}) from None


def collect(user, quarter: Quarter, run: StatRun) -> ReportData:
    """The figures of `run` that `user` reads, arranged for a report of `user`'s scope."""
    audience = audience_of(user)
    terms, figures = definitions_of(run)
    counts_keys = tuple(f.key for f in figures if not f.is_rate)
    stats = list(QuarterlyStat.objects.visible_to(user).filter(run=run).select_related("province", "organization"))
    national = next((s for s in stats if s.scope == ScopeKind.NATIONAL), None)
    own = national if audience.scope == ScopeKind.NATIONAL else next(
        (s for s in stats if _is_own(s, audience)), None)
    unit_scope = ScopeKind.PROVINCE if audience.units_are_provinces else ScopeKind.INSTITUTION

    def name_of(stat: QuarterlyStat) -> str:
        return stat.province.name if stat.scope == ScopeKind.PROVINCE else stat.organization.name

    units = sorted((_row(s, name_of(s), counts_keys) for s in stats if s.scope == unit_scope), key=lambda r: r.name)
    institutions = units if not audience.units_are_provinces else sorted(
        (_row(s, name_of(s), counts_keys) for s in stats if s.scope == ScopeKind.INSTITUTION),
        key=lambda r: (r.province, r.name))
    data = ReportData(audience, quarter, run, terms, figures, _row(own, audience.name, counts_keys),
                      _row(national, _("全国"), counts_keys), units, institutions)
    data.trend = _trend(user, audience, quarter, counts_keys)
    data.spot_checks = quarter_results(user, str(quarter))
    return data


def _trend(user, audience: Audience, quarter: Quarter, counts_keys: tuple[str, ...]) -> list[TrendPoint]:
    """The audience's and the nation's rows over the last quarters that have a run, oldest first."""
    runs: dict[int, Quarter] = {}
    current = quarter
    for _step in range(TREND_QUARTERS):
        run = StatRun.objects.current(str(current))
        if run is not None:
            runs[run.pk] = current
        current = current.previous()
    wanted = [ScopeKind.NATIONAL] if audience.scope == ScopeKind.NATIONAL else [ScopeKind.NATIONAL, audience.scope]
    stats = QuarterlyStat.objects.visible_to(user).filter(run_id__in=runs, scope__in=wanted)
    points = {pk: TrendPoint(q, None, None) for pk, q in runs.items()}
    for stat in stats:
        point = points[stat.run_id]
        if stat.scope == ScopeKind.NATIONAL:
            point.national = _row(stat, _("全国"), counts_keys)
        if _is_own(stat, audience):
            point.own = _row(stat, audience.name, counts_keys)
    return sorted(points.values(), key=lambda p: p.quarter)


def breakdown_labels(key: str, codes: list[str]) -> dict[str, str]:
    """Readable names of a breakdown's codes: intents by their choice, industries by name,
    maturity levels as 第 n 级; an unknown code keeps its code."""
    if key == "library_by_intent":
        return {code: str(Intent(code).label) if code in Intent.values else code for code in codes}
    if key == "library_by_industry":
        names = dict(Industry.objects.filter(code__in=codes).values_list("code", "name"))
        return {code: names.get(code, code) for code in codes}
    if key == "library_by_maturity":
        return {code: _("成熟度 %(level)s 级") % {"level": code} for code in codes}
    if key == "reasons":
        names = {value: str(label) for value, label in NonConversionReason.choices}
        return {code: names.get(code, code) for code in codes}
    return {code: code for code in codes}

