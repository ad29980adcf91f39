"""The fixture world every role-isolation and scope test runs in.

Two provinces (北京, 广东), two ministries (教育部, 国务院国资委), three institutions, two active
enterprises plus one awaiting approval, an expert, the platform's operator and its three
administrators. Each institution owns patents; one patent is co-owned; some are in the
conversion resource library. Each area adds its own objects at the end (tests/world_<area>.py,
listed in AREAS); every name says where it belongs.
"""

from dataclasses import dataclass, field
from datetime import date

from accounts.models import Organization, Province, User
from inventory.choices import InventoryStatus, LegalStatus, PatentType, Screening
from inventory.models import ImportBatch, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number

from . import (
    world_conversions,
    world_evaluation_assessments,
    world_evaluation_experts,
    world_evaluation_feedback,
    world_evaluation_indicators,
    world_evaluation_rounds,
    world_industries,
    world_library,
    world_matcher,
    world_matching_events,
    world_matching_needs,
    world_matching_pushes,
    world_notifications,
    world_reporting_cases,
    world_reporting_dashboards,
    world_reporting_feeds,
    world_reporting_reports,
    world_reporting_spotchecks,
    world_reporting_statistics,
    world_review,
    world_search,
    world_workbench,
)

PASSWORD = "Wld-Passw0rd!"
AREAS = (
    world_review,
    world_workbench,
    world_library,
    world_conversions,
    world_industries,
    world_search,
    world_notifications,
    world_matching_pushes,
    world_matching_events,
    world_matcher,
    world_matching_needs,
    world_evaluation_experts,
    world_evaluation_indicators,
    world_evaluation_rounds,
    world_evaluation_assessments,
    world_evaluation_feedback,
    world_reporting_statistics,
    world_reporting_dashboards,
    world_reporting_reports,
    world_reporting_spotchecks,
    world_reporting_cases,
    world_reporting_feeds,
)


@dataclass
class World:
    orgs: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    patents: dict[str, Patent] = field(default_factory=dict)
    batches: dict[str, ImportBatch] = field(default_factory=dict)
    # The areas' own objects (tests/world_<area>.py): {model label: [WorldObject]}.
    extra_objects: dict[str, list] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name]


def _user(world: World, name: str, org: Organization | None, **flags) -> User:
    # Distinct personal data per account, for the isolation harness's personal-data scan.
    flags.setdefault("phone", f"137{len(world.users) + 1:08d}")
    flags.setdefault("email", f"{name}@people.example.cn")
    user = User(username=name, organization=org, full_name=name, **flags)
    user.set_password(PASSWORD)
    user.save()
    world.users[name] = user
    return user


def contact_phone(serial: int) -> str:
    """The world record's contact phone: 139 and the serial, eleven digits."""
    return f"139{serial:08d}"


def _patent(world: World, key: str, serial: int, owners: list[Organization], *, in_library: bool,
            inventoried: bool = False) -> Patent:
    patent = Patent.objects.create(
        application_number=make_application_number(2019, "1", serial),
        title=f"{key} 一种基于深度学习的图像识别方法",
        patent_type=PatentType.INVENTION,
        application_date=date(2019, 3, 1),
        grant_date=date(2021, 6, 1),
        legal_status=LegalStatus.VALID,
        main_ipc="G06V 10/82",
        patentees=[o.name for o in owners],
        inventors=["张三", "李四"],
    )
    for position, owner in enumerate(owners, start=1):
        PatentOwnership.objects.create(patent=patent, organization=owner, position=position)
    InventoryRecord.objects.create(
        patent=patent,
        institution=owners[0],
        status=InventoryStatus.INVENTORIED if inventoried or in_library else InventoryStatus.PENDING,
        screening=Screening.IN if in_library else "",
        in_library=in_library,
        # Distinct per record, so that the isolation harness can tell who was shown which:
        # internal fields (remarks, responsible staff) and personal data (phone, e-mail).
        contact_phone=contact_phone(serial),
        contact_email=f"contact{serial}@example.edu.cn",
        remarks=f"内部备注{serial}",
        responsible_person=f"负责人{serial}",
    )
    world.patents[key] = patent
    return patent


def build_world() -> World:
    w = World()
    bj, gd = Province.objects.get(code="110000"), Province.objects.get(code="440000")
    kind = Organization.Kind
    w.orgs["platform"] = Organization.objects.get(kind=kind.PLATFORM)
    w.orgs["moe"] = Organization.objects.get(kind=kind.MINISTRY, code="MOE")
    w.orgs["sasac"] = Organization.objects.get(kind=kind.MINISTRY, code="SASAC")
    w.orgs["prov_bj"] = Organization.objects.get(kind=kind.PROVINCE, code="110000")
    w.orgs["prov_gd"] = Organization.objects.get(kind=kind.PROVINCE, code="440000")
    inst = kind.INSTITUTION
    w.orgs["inst_bj_moe"] = Organization.objects.create(
        kind=inst, name="北京示范大学", province=bj, supervisor=w.orgs["moe"],
        institution_type="university", is_demo_university=True, credit_code="12100000400000624D",
    )
    w.orgs["inst_bj_local"] = Organization.objects.create(
        kind=inst, name="北京市属研究院", province=bj, institution_type="research_institute",
    )
    w.orgs["inst_gd_local"] = Organization.objects.create(
        kind=inst, name="广东省人民医院", province=gd, institution_type="hospital",
    )
    ent = kind.ENTERPRISE
    w.orgs["ent_bj_soe"] = Organization.objects.create(
        kind=ent, name="北京中央企业集团有限公司", province=bj, is_central_soe=True, is_state_owned=True,
        credit_code="91110000600037341L", contact_phone="13600000001", contact_email="soe.contact@ent.example.cn",
    )
    w.orgs["ent_gd"] = Organization.objects.create(
        kind=ent, name="广东专精特新科技有限公司", province=gd, is_specialized=True,
        credit_code="91350100M000100Y43", contact_phone="13600000002", contact_email="gd.contact@ent.example.cn",
    )
    w.orgs["ent_gd_pending"] = Organization.objects.create(
        kind=ent, name="广东待审核科技有限公司", province=gd, status=Organization.Status.PENDING,
        contact_phone="13600000003", contact_email="pending.contact@ent.example.cn",
    )

    plat = w.orgs["platform"]
    _user(w, "operator", plat, platform_role="operator")
    _user(w, "sysadmin", plat, platform_role="system_admin")
    _user(w, "secadmin", plat, platform_role="security_admin")
    _user(w, "auditor", plat, platform_role="audit_admin")
    _user(w, "moe_admin", w.orgs["moe"], is_org_admin=True)
    _user(w, "sasac_admin", w.orgs["sasac"], is_org_admin=True)
    _user(w, "prov_bj_admin", w.orgs["prov_bj"], is_org_admin=True)
    _user(w, "prov_gd_admin", w.orgs["prov_gd"], is_org_admin=True)
    _user(w, "inst_bj_moe_admin", w.orgs["inst_bj_moe"], is_org_admin=True)
    _user(w, "inst_bj_moe_member", w.orgs["inst_bj_moe"])
    _user(w, "inst_bj_local_admin", w.orgs["inst_bj_local"], is_org_admin=True)
    _user(w, "inst_gd_local_admin", w.orgs["inst_gd_local"], is_org_admin=True)
    _user(w, "ent_bj_soe_admin", w.orgs["ent_bj_soe"], is_org_admin=True)
    _user(w, "ent_gd_admin", w.orgs["ent_gd"], is_org_admin=True)
    _user(w, "ent_gd_pending_admin", w.orgs["ent_gd_pending"], is_org_admin=True)
    _user(w, "expert", None, is_expert=True)

    o = w.orgs
    _patent(w, "bj_moe_private", 1000001, [o["inst_bj_moe"]], in_library=False)
    _patent(w, "bj_moe_library", 1000002, [o["inst_bj_moe"]], in_library=True)
    _patent(w, "bj_local_private", 1000003, [o["inst_bj_local"]], in_library=False, inventoried=True)
    _patent(w, "gd_private", 1000004, [o["inst_gd_local"]], in_library=False)
    _patent(w, "gd_library", 1000005, [o["inst_gd_local"]], in_library=True)
    # Co-owned: 北京示范大学 is the first institution patentee and edits; 广东省人民医院 reads.
    _patent(w, "co_owned", 1000006, [o["inst_bj_moe"], o["inst_gd_local"]], in_library=False)

    # One validated standard-format inventory upload per uploading institution.
    for key, org, user in (("bj_moe_upload", o["inst_bj_moe"], "inst_bj_moe_admin"),
                           ("gd_upload", o["inst_gd_local"], "inst_gd_local_admin")):
        w.batches[key] = ImportBatch.objects.create(
            kind=ImportBatch.Kind.INVENTORY, organization=org, created_by=w.users[user],
            file=f"imports/world/{key}.xlsx", original_name=f"{key}.xlsx", sha256="0" * 64,
            status=ImportBatch.Status.VALIDATED, counts={"new": 0, "updated": 0, "unchanged": 0, "rejected": 0},
        )
    for area in AREAS:
        for label, items in area.extend(w).items():
            w.extra_objects.setdefault(label, []).extend(items)
    return w
