"""The fixture world's additions for the expert library (called at the end of world.build_world).

广东 recommended an expert whom the platform approved, linked to the world's `expert` account,
with a period of unavailability; 北京 recommended one still pending (with a period of its own);
each province's office has one expert-recommendation upload. Expectations, by hand: an approved entry is read by the
platform, every province's office and the expert, and changed by the platform, the recommending
province and the expert; a pending entry is read and changed by the platform and its recommending
province only; a period is read by whoever reads its expert and changed by the expert (and the
platform); an upload is read by its province and the platform, committed or cancelled by its uploader.
"""

import datetime as dt

from evaluation.choices import ExpertStatus
from evaluation.experts.models import EXPERTS_BATCH_KIND, Expert, ExpertsBatch, Unavailability

from .isolation.objects import WorldObject

AUDIT = {"visible_to:audit": frozenset({"auditor"})}
PROVINCES = {"prov_bj_admin", "prov_gd_admin"}


def _obj(key, obj, viewers, editors, named=None) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors), dict(named or {}))


def extend(world) -> dict[str, list]:
    o, u = world.orgs, world.users
    approved = Expert.objects.create(
        name="岭南评审专家", employer_name=o["inst_gd_local"].name, employer=o["inst_gd_local"], title="主任医师",
        industry_codes=["4.1"], ipc_prefixes=["A61K", "G16H 50"], phone="13912340001",
        email="lingnan.zhuanjia@pingjia.example.cn", recommending_province_id="440000",
        recommended_by=u["prov_gd_admin"], status=ExpertStatus.APPROVED, decided_by=u["operator"],
        user=u["expert"])
    pending = Expert.objects.create(
        name="京畿待审专家", employer_name="北京某研究院", title="研究员", industry_codes=["2.4"],
        ipc_prefixes=["B61L"], phone="13912340002", email="jingji.zhuanjia@pingjia.example.cn",
        recommending_province_id="110000", recommended_by=u["prov_bj_admin"])
    today = dt.date.today()
    period = Unavailability.objects.create(expert=approved, starts_on=today + dt.timedelta(days=30),
                                           ends_on=today + dt.timedelta(days=40), note="出国访问")
    pending_period = Unavailability.objects.create(expert=pending, starts_on=today, ends_on=today, note="待审期间")
    batches = {}
    for key, org, user in (("gd_experts_upload", o["prov_gd"], "prov_gd_admin"),
                           ("bj_experts_upload", o["prov_bj"], "prov_bj_admin")):
        batches[key] = ExpertsBatch.objects.create(
            kind=EXPERTS_BATCH_KIND, organization=org, created_by=u[user], file=f"imports/world/{key}.xlsx",
            original_name=f"{key}.xlsx", sha256="0" * 64, status=ExpertsBatch.Status.VALIDATED,
            counts={"total": 0, "new": 0, "updated": 0, "unchanged": 0, "rejected": 0})
    return {
        "evaluation.expert": [
            _obj("gd_approved_expert", approved, {"operator", *PROVINCES, "expert"},
                 {"operator", "prov_gd_admin", "expert"}, AUDIT),
            _obj("bj_pending_expert", pending, {"operator", "prov_bj_admin"}, {"operator", "prov_bj_admin"}, AUDIT),
        ],
        "evaluation.unavailability": [
            _obj("gd_expert_abroad", period, {"operator", *PROVINCES, "expert"}, {"operator", "expert"}),
            _obj("bj_pending_expert_period", pending_period, {"operator", "prov_bj_admin"}, {"operator"}),
        ],
        "evaluation.expertsbatch": [
            _obj("gd_experts_upload", batches["gd_experts_upload"], {"operator", "prov_gd_admin"},
                 {"prov_gd_admin"}, AUDIT),
            _obj("bj_experts_upload", batches["bj_experts_upload"], {"operator", "prov_bj_admin"},
                 {"prov_bj_admin"}, AUDIT),
        ],
    }


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return (
        tuple(Expert.objects.order_by("pk").values_list()),
        tuple(Unavailability.objects.order_by("pk").values_list()),
        tuple(ExpertsBatch.objects.order_by("pk").values_list("pk", "status", "counts")),
    )


def grow_round(world, tag: str, serial: int) -> None:
    """One round of tests/world_growth.py for this area: for each province's office an approved and
    a pending recommendation and an upload; a period of unavailability of the world's expert."""
    u = world.users
    for index, (province, admin) in enumerate((("440000", "prov_gd_admin"), ("110000", "prov_bj_admin"))):
        for offset, status in ((0, ExpertStatus.APPROVED), (2, ExpertStatus.RECOMMENDED)):
            Expert.objects.create(
                name=f"{tag} 专家{index + offset}", employer_name=f"{tag} 单位", industry_codes=["1.5"],
                ipc_prefixes=["G06N"], phone=f"13{5 + index + offset}{serial:08d}",
                email=f"{tag}.{index + offset}@pj.cn",
                recommending_province_id=province, recommended_by=u[admin], status=status)
        ExpertsBatch.objects.create(
            kind=EXPERTS_BATCH_KIND, organization=u[admin].organization, created_by=u[admin],
            file=f"imports/world/{tag}-experts.xlsx", original_name=f"{tag}-experts.xlsx", sha256="0" * 64,
            status=ExpertsBatch.Status.COMMITTED, counts={"total": 1, "new": 1, "updated": 0, "unchanged": 0,
                                                          "rejected": 0})
    today = dt.date.today() + dt.timedelta(days=100 + serial % 1000)
    Unavailability.objects.create(expert=Expert.objects.get(user=u["expert"]), starts_on=today, ends_on=today,
                                  note=f"{tag} 出差")
