"""The fixture world's additions for the review area (called at the end of world.build_world).

北京示范大学 gets two departments (二级单位): 计算机学院 holds `bj_moe_private`, 机械工程学院 holds
`co_owned`; `bj_moe_library` stays with the institution. 计算机学院 has a department admin, and an
inventor of it is invited to self-assess `bj_moe_private` (one open invitation, one guardian grant).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each with the users
who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area.
"""

from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from accounts.models import Department, User
from inventory.models import ImportBatch, InventoryRecord, SelfAssessmentInvitation

from .isolation import expectations as E
from .isolation.objects import WorldObject

DEPT_A = "计算机学院"
DEPT_B = "机械工程学院"


def _user(world, name: str, **fields) -> User:
    from .world import PASSWORD

    user = User(username=name, full_name=name, organization=world.orgs["inst_bj_moe"], **fields)
    user.set_password(PASSWORD)
    user.save()
    world.users[name] = user
    return user


def extend(world) -> dict[str, list]:
    org = world.orgs["inst_bj_moe"]
    dept_a = Department.objects.create(organization=org, name=DEPT_A)
    dept_b = Department.objects.create(organization=org, name=DEPT_B)
    for key, dept in (("bj_moe_private", dept_a), ("co_owned", dept_b)):
        InventoryRecord.objects.filter(patent=world.patents[key]).update(department=dept.name, department_unit=dept)
        world.patents[key].refresh_from_db()
    dept_admin = _user(world, "inst_bj_moe_dept_admin", is_org_admin=True, department=dept_a)
    inventor = _user(world, "inst_bj_moe_inventor", is_inventor=True, department=dept_a)
    invitation = SelfAssessmentInvitation.objects.create(
        institution=org, inventor=inventor, invited_by=dept_admin, message="请自评")
    invitation.patents.set([world.patents["bj_moe_private"]])
    assign_perm("inventory.self_assess_patent", inventor, world.patents["bj_moe_private"])
    # An earlier, closed invitation of another person (机械工程学院's co_owned): no grant left, and
    # neither the inventor nor 计算机学院's admin sees it.
    closed = SelfAssessmentInvitation.objects.create(
        institution=org, inventor=world.users["inst_bj_moe_member"], invited_by=world.users["inst_bj_moe_admin"],
        message="已结束", closed_at=timezone.now())
    closed.patents.set([world.patents["co_owned"]])
    # An upload by 计算机学院's admin: its department sees it, and the institution-level admin may
    # act on it too (an admin over the uploader); a colleague who is no admin may not.
    department_upload = ImportBatch.objects.create(
        kind=ImportBatch.Kind.INVENTORY, organization=org, created_by=dept_admin,
        file="imports/world/bj_moe_department_upload.xlsx", original_name="bj_moe_department_upload.xlsx",
        sha256="0" * 64, status=ImportBatch.Status.VALIDATED,
        counts={"new": 0, "updated": 0, "unchanged": 0, "rejected": 0},
    )

    def item(key, obj, viewers, editors):
        return WorldObject(key, obj, frozenset(viewers), frozenset(editors))

    return {
        "accounts.department": [
            item("dept_a", dept_a, E.DEPARTMENTS["dept_a"], E.DEPARTMENT_EDITORS["dept_a"]),
            item("dept_b", dept_b, E.DEPARTMENTS["dept_b"], E.DEPARTMENT_EDITORS["dept_b"]),
        ],
        "inventory.importbatch": [
            item("bj_moe_department_upload", department_upload, {"operator", *E.INST_BJ_MOE, E.DEPT_ADMIN},
                 {E.DEPT_ADMIN, "inst_bj_moe_admin"}),
        ],
        "inventory.selfassessmentinvitation": [
            item("invitation", invitation, E.INVITATIONS["invitation"], E.INVITATION_EDITORS["invitation"]),
            item("closed_invitation", closed, E.INVITATIONS["closed_invitation"],
                 E.INVITATION_EDITORS["closed_invitation"]),
        ],
    }


def fingerprint() -> tuple:
    return (
        tuple(Department.objects.order_by("pk").values_list("pk", "name")),
        tuple(User.objects.order_by("pk").values_list("pk", "department_id", "is_inventor", "email")),
        tuple(SelfAssessmentInvitation.objects.order_by("pk").values_list("pk", "closed_at", "message")),
        tuple(SelfAssessmentInvitation.patents.through.objects.order_by("pk").values_list("pk", "patent_id")),
        tuple(UserObjectPermission.objects.order_by("pk").values_list("pk", "user_id", "object_pk")),
        tuple(org.review_levels for org in _institutions()),
    )


def _institutions():
    from accounts.models import Organization

    return Organization.objects.filter(kind=Organization.Kind.INSTITUTION).order_by("pk")
