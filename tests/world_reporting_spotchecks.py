"""The fixture world's additions for the reporting area 'spotchecks' (called at the end of world.build_world).

Written directly (the draw is tested on its own in tests/test_reporting_spotchecks.py), so that
the sample does not depend on what other areas add to the institutions' inventories:

- 北京's office ran `spot_bj` over 北京示范大学 and 北京市属研究院 and asked for corrections: its
  sample holds bj_moe_library (不一致), bj_moe_private (数据错误, a 计算机学院 record) and
  bj_local_private (一致);
- the platform runs `spot_platform_gd` over 广东省人民医院, still under review: gd_library,
  assigned to the operator, no finding yet.

Expectations, by hand (reporting.spotchecks.models):

- a spot check is read by the platform, its organiser and the ministries supervising one of its
  institutions (教育部: 北京示范大学); changed by its organiser's staff;
- a sampled record is read by the platform, the organiser, the ministry supervising its
  institution, and, once corrections are asked, by its institution's staff (a department's: its
  department's) when its finding is to correct; reviewed (changed) by the reviewer assigned while
  under review; corrected by those institution staff (editable_by "correct").
"""

from django.utils import timezone

from reporting.spotchecks.models import Finding, SampledRecord, SpotCheck, SpotCheckStatus

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

AUDIT = frozenset({"auditor"})


def extend(world) -> dict[str, list]:
    o, u, p = world.orgs, world.users, world.patents
    now = timezone.now()
    spot_bj = SpotCheck.objects.create(
        organiser=o["prov_bj"], title="北京市2026年第四季度盘点抽查", quarter="2026Q4", seed="world-seed-bj",
        sample_size=2, population=4, status=SpotCheckStatus.CORRECTING, correction_requested_at=now,
        created_by=u["prov_bj_admin"],
        strata=[{"institution": o["inst_bj_moe"].pk, "screening": "in", "intents": [], "population": 1, "drawn": 1}])
    spot_bj.institutions.set([o["inst_bj_moe"], o["inst_bj_local"]])
    spot_gd = SpotCheck.objects.create(
        organiser=o["platform"], title="平台广东抽查", quarter="2026Q4", seed="world-seed-gd", sample_rate="0.5000",
        population=1, created_by=u["operator"], strata=[])
    spot_gd.institutions.set([o["inst_gd_local"]])

    def sampled(check, key, finding="", **fields) -> SampledRecord:
        record = p[key].inventory
        return SampledRecord.objects.create(spot_check=check, record=record, institution_id=record.institution_id,
                                            stratum="in|-", finding=finding,
                                            reviewed_at=now if finding else None, **fields)

    bj_library = sampled(spot_bj, "bj_moe_library", Finding.DISAGREE, reason="转化意愿与备注不符",
                         reviewer=u["prov_bj_admin"])
    bj_private = sampled(spot_bj, "bj_moe_private", Finding.DATA_ERROR, error_field="maturity",
                         reviewer=u["prov_bj_admin"])
    bj_local = sampled(spot_bj, "bj_local_private", Finding.AGREE, reviewer=u["prov_bj_admin"])
    gd_library = sampled(spot_gd, "gd_library", reviewer=u["operator"])

    def obj(key, item, viewers, editors, **named) -> WorldObject:
        named = {k.replace("__", ":"): frozenset(v) for k, v in named.items()}
        return WorldObject(key, item, frozenset(viewers), frozenset(editors), {"visible_to:audit": AUDIT, **named})

    return {
        "reporting.spotcheck": [
            obj("spot_bj", spot_bj, {"operator", "prov_bj_admin", "moe_admin"}, {"prov_bj_admin"}),
            obj("spot_platform_gd", spot_gd, {"operator"}, {"operator"}),
        ],
        "reporting.sampledrecord": [
            obj("spot_bj_moe_library", bj_library, {"operator", "prov_bj_admin", "moe_admin", *INST_BJ_MOE}, (),
                editable_by__correct=INST_BJ_MOE),
            obj("spot_bj_moe_private", bj_private,
                {"operator", "prov_bj_admin", "moe_admin", *INST_BJ_MOE, DEPT_ADMIN}, (),
                editable_by__correct={*INST_BJ_MOE, DEPT_ADMIN}),
            obj("spot_bj_local_private", bj_local, {"operator", "prov_bj_admin"}, (), editable_by__correct=()),
            obj("spot_gd_library", gd_library, {"operator"}, {"operator"}, editable_by__correct=()),
        ],
    }


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return (
        tuple(SpotCheck.objects.order_by("pk").values_list("pk", "status", "title", "correction_requested_at")),
        tuple(SampledRecord.objects.order_by("pk").values_list()),
    )


def grow(world, patents: list) -> None:
    """One round of tests/world_growth.py for this area: 北京's office asks for corrections of a new
    spot check over the round's Beijing records (each found 不一致); the platform reviews a new
    one over the rest (assigned to the operator, no finding yet)."""
    o, u = world.orgs, world.users
    now = timezone.now()
    beijing = [p for p in patents if p.inventory.institution.province_id == o["prov_bj"].province_id]
    others = [p for p in patents if p not in beijing]
    correcting = SpotCheck.objects.create(
        organiser=o["prov_bj"], title=f"北京抽查 {now:%H%M%S%f}", quarter="2026Q4", seed="growth", sample_size=1,
        population=len(beijing), status=SpotCheckStatus.CORRECTING, correction_requested_at=now,
        created_by=u["prov_bj_admin"])
    reviewing = SpotCheck.objects.create(
        organiser=o["platform"], title=f"平台抽查 {now:%H%M%S%f}", quarter="2026Q4", seed="growth", sample_size=1,
        population=len(others), created_by=u["operator"])
    SampledRecord.objects.bulk_create(
        [SampledRecord(spot_check=correcting, record=p.inventory, institution_id=p.inventory.institution_id,
                       stratum="in|-", finding=Finding.DISAGREE, reason="增长轮次", reviewer=u["prov_bj_admin"],
                       reviewed_at=now) for p in beijing]
        + [SampledRecord(spot_check=reviewing, record=p.inventory, institution_id=p.inventory.institution_id,
                         stratum="in|-", reviewer=u["operator"]) for p in others])
