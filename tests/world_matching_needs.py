"""The fixture world's additions for enterprise profiles and technology needs (called at the end
of world.build_world).

Each active enterprise has a profile and a suggestion; 广东专精特新 has an open need (no direct
contact: institutions read it without the enterprise's name or contact), 北京中央企业 a closed one
(only its own side reads it); each uploader kind has one needs-sheet batch. Expectations, by hand:
profiles are read by the enterprise, its province's office and the operator, and changed by the
enterprise's admin alone; needs are read by every institution while open, by the enterprise, its
province's office and the operator always, and changed by the enterprise, its province's office
and the operator; a needs batch is read by its organisation and the operator, and committed or
cancelled by its uploader (or the organisation's admin).
"""

from matching.choices import CooperationMode
from matching.needs.models import NEEDS_BATCH_KIND, EnterpriseProfile, NeedsBatch, ProfileSuggestion, TechnologyNeed
from matching.pushes.models import Push

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

INSTITUTIONS = {*INST_BJ_MOE, DEPT_ADMIN, "inst_bj_local_admin", "inst_gd_local_admin"}
AUDIT = {"visible_to:audit": frozenset({"auditor"})}


def _obj(key, obj, viewers, editors, named=None) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors), dict(named or {}))


def extend(world) -> dict[str, list]:
    o, u = world.orgs, world.users
    gd_profile = EnterpriseProfile.objects.create(enterprise=o["ent_gd"], industry_codes=["4.1"],
                                                  ipc_prefixes=["A61K"], modes=[CooperationMode.LICENCE])
    bj_profile = EnterpriseProfile.objects.create(enterprise=o["ent_bj_soe"], industry_codes=["2.4"],
                                                  ipc_prefixes=["B61L"], province_codes=["110000"])
    gd_suggestion = ProfileSuggestion.objects.create(enterprise=o["ent_gd"], kind="ipc", value="C12N", evidence=3)
    bj_suggestion = ProfileSuggestion.objects.create(enterprise=o["ent_bj_soe"], kind="industry", value="1.5",
                                                     evidence=4)
    gd_need = TechnologyNeed.objects.create(
        enterprise=o["ent_gd"], title="岭南中药制剂缓释工艺需求", keywords=["缓释"], industry_codes=["4.1"],
        description="寻求可用于中药复方制剂的缓释工艺,要求释放时间不少于十二小时并可规模化生产。",
        contact_name="陈需求", contact_phone="13811112222", created_by=u["ent_gd_admin"], search_text="缓释")
    bj_need = TechnologyNeed.objects.create(
        enterprise=o["ent_bj_soe"], title="京畿轨道信号冗余需求", status=TechnologyNeed.Status.CLOSED,
        description="需要满足安全完整性等级四级的轨道交通信号冗余控制方案,已内部立项解决。",
        contact_name="李需求", contact_phone="13811113333", allow_direct_contact=True, created_by=u["ent_bj_soe_admin"])
    batches = {}
    for key, org, user in (("gd_needs_upload", o["ent_gd"], "ent_gd_admin"),
                           ("bj_province_needs_upload", o["prov_bj"], "prov_bj_admin")):
        batches[key] = NeedsBatch.objects.create(
            kind=NEEDS_BATCH_KIND, organization=org, created_by=u[user], file=f"imports/world/{key}.xlsx",
            original_name=f"{key}.xlsx", sha256="0" * 64, status=NeedsBatch.Status.VALIDATED,
            counts={"total": 0, "new": 0, "updated": 0, "unchanged": 0, "rejected": 0})
    return {
        "matching.enterpriseprofile": [
            _obj("ent_gd_profile", gd_profile, {"operator", "prov_gd_admin", "ent_gd_admin"}, {"ent_gd_admin"}, AUDIT),
            _obj("ent_bj_soe_profile", bj_profile, {"operator", "prov_bj_admin", "ent_bj_soe_admin"},
                 {"ent_bj_soe_admin"}, AUDIT),
        ],
        "matching.profilesuggestion": [
            _obj("ent_gd_suggestion", gd_suggestion, {"operator", "ent_gd_admin"}, {"ent_gd_admin"}),
            _obj("ent_bj_soe_suggestion", bj_suggestion, {"operator", "ent_bj_soe_admin"}, {"ent_bj_soe_admin"}),
        ],
        "matching.technologyneed": [
            _obj("ent_gd_open_need", gd_need, {"operator", "prov_gd_admin", "ent_gd_admin", *INSTITUTIONS},
                 {"operator", "prov_gd_admin", "ent_gd_admin"}, AUDIT),
            _obj("ent_bj_soe_closed_need", bj_need, {"operator", "prov_bj_admin", "ent_bj_soe_admin"},
                 {"operator", "prov_bj_admin", "ent_bj_soe_admin"}, AUDIT),
        ],
        "matching.needsbatch": [
            _obj("gd_needs_upload", batches["gd_needs_upload"], {"operator", "ent_gd_admin"}, {"ent_gd_admin"}, AUDIT),
            _obj("bj_province_needs_upload", batches["bj_province_needs_upload"], {"operator", "prov_bj_admin"},
                 {"prov_bj_admin"}, AUDIT),
        ],
    }


def fingerprint() -> tuple:
    return (
        tuple(EnterpriseProfile.objects.order_by("pk").values_list()),
        tuple(ProfileSuggestion.objects.order_by("pk").values_list()),
        tuple(TechnologyNeed.objects.order_by("pk").values_list()),
        Push.objects.count(),
    )


def grow_round(world, tag: str, serial: int) -> None:
    """One round of tests/world_growth.py for this area: for each world enterprise an open need, a
    pending suggestion and a needs upload; a new active enterprise of 广东 with a profile."""
    o, u = world.orgs, world.users
    for key in ("ent_gd", "ent_bj_soe"):
        admin = u[f"{key}_admin"]
        TechnologyNeed.objects.create(
            enterprise=o[key], title=f"{tag} 需求",
            description=f"{tag} 的技术需求描述,说明要解决的技术问题和应用场景。",
            keywords=[tag], industry_codes=["1.5"], created_by=admin, search_text=tag.lower())
        ProfileSuggestion.objects.create(enterprise=o[key], kind="ipc", value=f"{tag}-{serial}", evidence=3)
        NeedsBatch.objects.create(
            kind=NEEDS_BATCH_KIND, organization=o[key], created_by=admin, file=f"imports/world/{tag}-needs.xlsx",
            original_name=f"{tag}-needs.xlsx", sha256="0" * 64, status=NeedsBatch.Status.COMMITTED,
            counts={"total": 1, "new": 1, "updated": 0, "unchanged": 0, "rejected": 0})
    enterprise = type(o["ent_gd"]).objects.create(kind=o["ent_gd"].kind, name=f"{tag} 广东企业",
                                                  province=o["ent_gd"].province)
    EnterpriseProfile.objects.create(enterprise=enterprise, industry_codes=["1.5"], ipc_prefixes=["G06N"])
