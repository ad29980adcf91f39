"""The fixture world's additions for the reporting area 'statistics' (called at the end of world.build_world).

Rows written directly (computing the world's figures is the statistics tests' business): the
2025Q3 run, published with its bulletin, and the 2025Q4 draft, each with rows for the nation, the
world's two provinces and two ministries and its three institutions; 北京's office and 教育部 signed
off 2025Q4. Expectations, by hand (ARCHITECTURE.md):

- every run is read by the platform, ministries, provinces and institutions (its rows are scoped);
  the platform alone publishes;
- a row: the national one by all of those; a province's by its office; a ministry's by itself; an
  institution's by its staff (department admins included), its province's office and its
  supervising ministry; nobody writes rows (the computation does);
- a sign-off by its signer's organisation and the platform; a bulletin of a published run by every
  reader of runs.
"""

import datetime as dt

from django.utils import timezone

from reporting.statistics.models import Bulletin, QuarterlyStat, RunStatus, SignOff, StatRun

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

READERS = {"operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, DEPT_ADMIN,
           "inst_bj_local_admin", "inst_gd_local_admin"}


def _rows(world, run: StatRun) -> list[tuple[str, QuarterlyStat, set[str]]]:
    o = world.orgs
    scopes = [
        ("national", {}, READERS),
        ("province_bj", {"scope": "province", "province_id": "110000"}, {"operator", "prov_bj_admin"}),
        ("province_gd", {"scope": "province", "province_id": "440000"}, {"operator", "prov_gd_admin"}),
        ("ministry_moe", {"scope": "ministry", "organization": o["moe"]}, {"operator", "moe_admin"}),
        ("ministry_sasac", {"scope": "ministry", "organization": o["sasac"]}, {"operator", "sasac_admin"}),
        ("inst_bj_moe", {"scope": "institution", "organization": o["inst_bj_moe"], "province_id": "110000",
                         "ministry": o["moe"]}, {"operator", "moe_admin", "prov_bj_admin", *INST_BJ_MOE, DEPT_ADMIN}),
        ("inst_bj_local", {"scope": "institution", "organization": o["inst_bj_local"], "province_id": "110000"},
         {"operator", "prov_bj_admin", "inst_bj_local_admin"}),
        ("inst_gd_local", {"scope": "institution", "organization": o["inst_gd_local"], "province_id": "440000"},
         {"operator", "prov_gd_admin", "inst_gd_local_admin"}),
    ]
    made = []
    for serial, (key, fields, viewers) in enumerate(scopes, start=1):
        fields = {"scope": "national", **fields}
        stat = QuarterlyStat.objects.create(run=run, definition_version=run.definition_version, in_scope=10 * serial,
                                            valid=10 * serial, inventoried=7 * serial, implemented=serial, **fields)
        made.append((f"{run.quarter}_{key}", stat, viewers))
    return made


def extend(world) -> dict[str, list]:
    now = timezone.now()
    published = StatRun.objects.create(quarter="2025Q3", revision=1, definition_version="DS8-2026.1",
                                       computed_at=now - dt.timedelta(days=60))
    stats = _rows(world, published)
    published.status, published.published_at = RunStatus.PUBLISHED, now - dt.timedelta(days=59)
    published.published_by = world.user("operator")
    published.save()
    bulletin = Bulletin.objects.create(run=published, title="2025年第三季度进展通报", summary="盘点进展顺利",
                                       published_by=world.user("operator"))
    draft = StatRun.objects.create(quarter="2025Q4", revision=1, definition_version="DS8-2026.1")
    stats += _rows(world, draft)
    signoffs = [
        ("signoff_bj", SignOff.objects.create(run=draft, province_id="110000", signed_by=world.user("prov_bj_admin")),
         {"operator", "prov_bj_admin"}),
        ("signoff_moe", SignOff.objects.create(run=draft, organization=world.orgs["moe"],
                                               signed_by=world.user("moe_admin")), {"operator", "moe_admin"}),
    ]
    world.stat_runs = {"published": published, "draft": draft}
    return {
        "reporting.statrun": [WorldObject(f"run_{run.quarter}", run, frozenset(READERS), frozenset({"operator"}))
                              for run in (published, draft)],
        "reporting.quarterlystat": [WorldObject(key, stat, frozenset(viewers), frozenset())
                                    for key, stat, viewers in stats],
        "reporting.signoff": [WorldObject(key, signoff, frozenset(viewers), frozenset())
                              for key, signoff, viewers in signoffs],
        "reporting.bulletin": [WorldObject("bulletin_2025q3", bulletin, frozenset(READERS), frozenset({"operator"}))],
    }


def fingerprint() -> tuple:
    return (
        tuple(StatRun.objects.order_by("pk").values_list("pk", "quarter", "revision", "status", "published_at")),
        tuple(QuarterlyStat.objects.order_by("pk").values_list("pk", "run_id", "in_scope", "implemented", "transfers")),
        tuple(SignOff.objects.order_by("pk").values_list("pk", "run_id", "province_id", "organization_id")),
        tuple(Bulletin.objects.order_by("pk").values_list("pk", "run_id", "title")),
    )


def grow(world) -> None:
    """One round of tests/world_growth.py for this area: one more published quarter (before the
    world's) with its rows and bulletin, signed off by 北京 and 教育部."""
    earliest = StatRun.objects.order_by("quarter").first().quarter
    year, number = int(earliest[:4]), int(earliest[-1])
    quarter = f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"
    run = StatRun.objects.create(quarter=quarter, revision=1, definition_version="DS8-2026.1")
    _rows(world, run)
    SignOff.objects.create(run=run, province_id="110000", signed_by=world.user("prov_bj_admin"))
    SignOff.objects.create(run=run, organization=world.orgs["moe"], signed_by=world.user("moe_admin"))
    run.status = RunStatus.PUBLISHED
    run.save()
    Bulletin.objects.create(run=run, title=f"{quarter} 进展通报", published_by=world.user("operator"))
