"""The fixture world's additions for the pushes area (called at the end of world.build_world).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each
with the users who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area.

Four pushes of the two library patents to the two active enterprises, one per pair: an enterprise
sees its own; the institution (first patentee) the pushes of its patents; a province those whose
enterprise or institution lies in it; 教育部 those of 北京示范大学 (which it supervises). Only the
enterprise that received a push answers it; the operator reads but never answers for an enterprise.
No world enterprise allows direct contact, so no institution reads an enterprise's name
(tests/test_pushes.py covers the allowed case).
"""

from django.utils import timezone

from matching.choices import DismissReason, PushStatus
from matching.models import Push

from .isolation.expectations import INST_BJ_MOE
from .isolation.objects import WorldObject

AUDIT = {"visible_to:audit": frozenset({"auditor"})}


def _push(world, key: str, patent: str, enterprise: str, institution: str, **fields) -> Push:
    o = world.orgs
    return Push.objects.create(
        patent=world.patents[patent], enterprise=o[enterprise], institution=o[institution],
        enterprise_province=o[enterprise].province, institution_province=o[institution].province,
        reasons=[{"kind": "industry", "text": f"行业匹配:{key}"}], score=0.8, **fields)


def _obj(key, push, viewers, editors) -> WorldObject:
    return WorldObject(key, push, frozenset(viewers), frozenset(editors), named=dict(AUDIT))


def extend(world) -> dict[str, list]:
    now = timezone.now()
    gd_bj = _push(world, "gd_bj", "bj_moe_library", "ent_gd", "inst_bj_moe")
    soe_bj = _push(world, "soe_bj", "bj_moe_library", "ent_bj_soe", "inst_bj_moe", status=PushStatus.INTERESTED,
                   viewed_at=now, answered_at=now, answered_by=world.users["ent_bj_soe_admin"])
    soe_gd = _push(world, "soe_gd", "gd_library", "ent_bj_soe", "inst_gd_local", status=PushStatus.DISMISSED,
                   dismiss_reason=DismissReason.PRICE, viewed_at=now, answered_at=now)
    gd_gd = _push(world, "gd_gd", "gd_library", "ent_gd", "inst_gd_local", status=PushStatus.VIEWED, viewed_at=now)
    return {"matching.push": [
        _obj("push_gd_bj", gd_bj, {"operator", "ent_gd_admin", *INST_BJ_MOE, "prov_bj_admin", "prov_gd_admin",
                                   "moe_admin"}, {"ent_gd_admin"}),
        _obj("push_soe_bj", soe_bj, {"operator", "ent_bj_soe_admin", *INST_BJ_MOE, "prov_bj_admin", "moe_admin"},
             {"ent_bj_soe_admin"}),
        _obj("push_soe_gd", soe_gd, {"operator", "ent_bj_soe_admin", "inst_gd_local_admin", "prov_bj_admin",
                                     "prov_gd_admin"}, {"ent_bj_soe_admin"}),
        _obj("push_gd_gd", gd_gd, {"operator", "ent_gd_admin", "inst_gd_local_admin", "prov_gd_admin"},
             {"ent_gd_admin"}),
    ]}


def fingerprint() -> tuple:
    return tuple(Push.objects.order_by("pk").values_list())


def grow(world, library_patents) -> None:
    """One round of the query-count test's growing world: each new library patent pushed to both
    world enterprises (one in each province), so every push list and count grows."""
    o = world.orgs
    for patent in library_patents:
        institution = patent.inventory.institution
        for enterprise in ("ent_gd", "ent_bj_soe"):
            Push.objects.create(patent=patent, enterprise=o[enterprise], institution=institution,
                                enterprise_province=o[enterprise].province,
                                institution_province=institution.province,
                                reasons=[{"kind": "industry", "text": "行业匹配:grow"}], score=0.5)
