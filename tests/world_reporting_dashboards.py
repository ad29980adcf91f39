"""The fixture world's additions for the reporting area 'dashboards' (called at the end of world.build_world).

Two quarters of statistics for the world's organisations, written as rows (the dashboards read
pre-aggregated rows; the computation is the statistics area's): 2026Q2 published, 2026Q3 a draft,
each with the national row, 教育部's, 北京's and 广东's, and one row per institution. When the
statistics area's world already computed a quarter, its run is used as it is. Expectations, by
hand (ARCHITECTURE.md): the national row is read by every ministry, province and institution
user; a ministry's row by its ministry, a province's by its office; an institution's by itself
(its departments' staff too), its province and its supervising ministry; the platform reads all;
enterprises, experts, inventors and the three administrators read none.
"""

from accounts.models import Organization, Province
from reporting.statistics.definitions import CURRENT_VERSION
from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, StatRun

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

QUARTERS = {"2026Q2": RunStatus.PUBLISHED, "2026Q3": RunStatus.DRAFT}
EVERY_READER = {"operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, DEPT_ADMIN,
                "inst_bj_local_admin", "inst_gd_local_admin"}
VIEWERS = {
    "national": EVERY_READER,
    "moe": {"operator", "moe_admin"},
    "prov_bj": {"operator", "prov_bj_admin"},
    "prov_gd": {"operator", "prov_gd_admin"},
    "inst_bj_moe": {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE, DEPT_ADMIN},
    "inst_bj_local": {"operator", "prov_bj_admin", "inst_bj_local_admin"},
    "inst_gd_local": {"operator", "prov_gd_admin", "inst_gd_local_admin"},
}
# Figures of each row in 2026Q3 (2026Q2: two thirds of them), distinct enough to be told apart on a page.
FIGURES = {
    "inst_bj_moe": dict(in_scope=400, inventoried=380, valid=390, implemented=52, self_reported=7,
                        industrialised=21, in_library=120, transfers=9, licences=6, open_licences=2,
                        product_filings=3, sleeping=40, enterprise_evaluations=12, expert_evaluations=5,
                        pushes=90, pushes_viewed=60, pushes_interested=11),
    "inst_bj_local": dict(in_scope=150, inventoried=60, valid=140, implemented=9, self_reported=3,
                          industrialised=2, in_library=30, transfers=1, licences=2, open_licences=1,
                          product_filings=0, sleeping=25, pushes=20, pushes_viewed=8, pushes_interested=1),
    "inst_gd_local": dict(in_scope=230, inventoried=0, valid=0, implemented=0, in_library=0),
}
BREAKDOWN = {"library_by_intent": {"transfer": 80, "license": 50, "none": 20},
             "library_by_industry": {"1": 60, "4": 45, "7": 45}, "library_by_maturity": {"3": 30, "6": 70, "8": 50}}


def _sum(keys: list[str], factor: float) -> dict[str, int]:
    columns = {column for key in keys for column in FIGURES[key]}
    return {column: round(factor * sum(FIGURES[key].get(column, 0) for key in keys)) for column in columns}


def _rows(world, run: StatRun, factor: float) -> dict[str, QuarterlyStat]:
    o = world.orgs
    bj, gd = Province.objects.get(code="110000"), Province.objects.get(code="440000")
    common = {"run": run, "definition_version": run.definition_version, "breakdown": BREAKDOWN}
    rows = {
        "national": QuarterlyStat(scope=ScopeKind.NATIONAL, **common, **_sum(list(FIGURES), factor)),
        "moe": QuarterlyStat(scope=ScopeKind.MINISTRY, organization=o["moe"], **common,
                             **_sum(["inst_bj_moe"], factor)),
        "prov_bj": QuarterlyStat(scope=ScopeKind.PROVINCE, province=bj, **common,
                                 **_sum(["inst_bj_moe", "inst_bj_local"], factor)),
        "prov_gd": QuarterlyStat(scope=ScopeKind.PROVINCE, province=gd, **common, **_sum(["inst_gd_local"], factor)),
    }
    for key in FIGURES:
        org = o[key]
        rows[key] = QuarterlyStat(scope=ScopeKind.INSTITUTION, organization=org, province_id=org.province_id,
                                  ministry=org.supervisor, **common, **_sum([key], factor))
    QuarterlyStat.objects.bulk_create(rows.values())
    return rows


def _existing(run: StatRun, world) -> dict[str, QuarterlyStat]:
    """The rows of a run the statistics area computed, by this module's keys."""
    o = world.orgs
    found = {}
    for row in QuarterlyStat.objects.filter(run=run):
        if row.scope == ScopeKind.NATIONAL:
            found["national"] = row
        elif row.scope == ScopeKind.PROVINCE:
            found[{"110000": "prov_bj", "440000": "prov_gd"}.get(row.province_id, "")] = row
        else:
            for key in ("moe", *FIGURES):
                if row.organization_id == o[key].pk and row.scope != ScopeKind.PROVINCE:
                    found[key] = row
    return {key: row for key, row in found.items() if key in VIEWERS}


def extend(world) -> dict[str, list]:
    objects = []
    for quarter, status in QUARTERS.items():
        run = StatRun.objects.current(quarter)
        if run is None:
            run = StatRun.objects.create(quarter=quarter, definition_version=CURRENT_VERSION, status=status)
            rows = _rows(world, run, 1.0 if status == RunStatus.DRAFT else 2 / 3)
        else:
            rows = _existing(run, world)
        objects += [WorldObject(f"{quarter}:{key}", row, frozenset(VIEWERS[key]), frozenset())
                    for key, row in rows.items()]
    return {"reporting.quarterlystat": objects}


def fingerprint() -> tuple:
    return (StatRun.objects.count(), QuarterlyStat.objects.count())


def grow(world) -> None:
    """tests/world_growth.py: every institution without a row in the 2026Q3 draft gets one, so that
    the dashboards' rankings grow with the world (the query-count bounds)."""
    run = StatRun.objects.current("2026Q3")
    if run is None or run.is_frozen:
        return
    have = QuarterlyStat.objects.filter(run=run, scope=ScopeKind.INSTITUTION).values_list("organization_id", flat=True)
    QuarterlyStat.objects.bulk_create([
        QuarterlyStat(run=run, definition_version=run.definition_version, scope=ScopeKind.INSTITUTION,
                      organization=org, province_id=org.province_id, ministry_id=org.supervisor_id,
                      breakdown=BREAKDOWN, **FIGURES["inst_bj_local"])
        for org in Organization.objects.filter(kind=Organization.Kind.INSTITUTION).exclude(pk__in=list(have))])
