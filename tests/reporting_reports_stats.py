"""Quarterly figures written straight into StatRun / QuarterlyStat rows for the reports' tests (the
computation is another area's): two quarters of the world's scopes, with figures that differ per
scope so that a value in the wrong cell shows."""

from __future__ import annotations

from reporting.reports.models import ReportJob
from reporting.statistics.definitions import COUNTS, CURRENT_VERSION
from reporting.statistics.models import Bulletin, QuarterlyStat, RunStatus, ScopeKind, SignOff, StatRun

QUARTER = "2026Q3"
EARLIER = "2026Q2"


def _counts(base: int) -> dict[str, int]:
    """Counts that hold together: inventoried ≤ in_scope, implemented ≤ valid…"""
    counts = {key: 0 for key in COUNTS}
    counts.update(in_scope=10 * base, inventoried=7 * base, in_library=3 * base, transfers=base, licences=base + 1,
                  open_licences=1, valid=9 * base, implemented=2 * base, self_reported=base, industrialised=base,
                  product_filings=base // 2, sleeping=base, pushes=4 * base, pushes_viewed=2 * base,
                  pushes_interested=base)
    return counts


BREAKDOWN = {"library_by_intent": {"transfer": 5, "license": 3, "none": 1},
             "library_by_industry": {"1": 4, "2": 2},
             "library_by_maturity": {"3": 2, "6": 5},
             "reasons": {"price": 2}}


def _clear(quarter: str) -> None:
    """Other areas' worlds may hold a run of the same quarter (tests/world_reporting_dashboards.py):
    these tests own the quarter's rows."""
    runs = StatRun.objects.filter(quarter=quarter)
    ReportJob.objects.filter(run__in=runs).delete()
    for model in (SignOff, Bulletin, QuarterlyStat):
        model.objects.filter(run__in=runs).delete()
    runs.delete()


def make_run(world, quarter: str = QUARTER, *, status: str = RunStatus.DRAFT, scale: int = 1) -> StatRun:
    """A run of `quarter` with a row for the nation, 教育部, 北京, 广东 and the three institutions.
    北京市属研究院 has no valid patent (its rates are "—")."""
    o = world.orgs
    _clear(quarter)
    run = StatRun.objects.create(quarter=quarter, revision=1, status=RunStatus.DRAFT,
                                 definition_version=CURRENT_VERSION)
    rows = [
        dict(scope=ScopeKind.NATIONAL, counts=_counts(100 * scale)),
        dict(scope=ScopeKind.MINISTRY, organization=o["moe"], counts=_counts(20 * scale)),
        dict(scope=ScopeKind.PROVINCE, province=o["prov_bj"].province, counts=_counts(30 * scale)),
        dict(scope=ScopeKind.PROVINCE, province=o["prov_gd"].province, counts=_counts(40 * scale)),
        dict(scope=ScopeKind.INSTITUTION, organization=o["inst_bj_moe"], province=o["inst_bj_moe"].province,
             ministry=o["moe"], counts=_counts(20 * scale)),
        dict(scope=ScopeKind.INSTITUTION, organization=o["inst_bj_local"], province=o["inst_bj_local"].province,
             counts={**_counts(0), "in_scope": 0}),
        dict(scope=ScopeKind.INSTITUTION, organization=o["inst_gd_local"], province=o["inst_gd_local"].province,
             counts=_counts(40 * scale)),
    ]
    for row in rows:
        counts = row.pop("counts")
        QuarterlyStat.objects.create(run=run, definition_version=CURRENT_VERSION, breakdown=BREAKDOWN, **row,
                                     **counts)
    if status != RunStatus.DRAFT:
        StatRun.objects.filter(pk=run.pk).update(status=status)
        run.refresh_from_db()
    return run
