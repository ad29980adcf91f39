"""More of everything the fixture world's lists show, for the query-count bounds
(tests/test_query_counts.py): `grow(world, steps)` adds `steps` rounds of objects, each round a
few of every kind, spread over the world's organisations so that every role's lists get longer.

A round adds, for each of the world's three institutions: four patents (pending, submitted,
department-reviewed, approved into the conversion resource library), each with its history,
industry and technology field; two conversions and an open licence; an inventory and a
conversions upload; a member (and one in 计算机学院 where the institution has it), a department,
an alias and an audit event. Besides: a co-owned patent, a base library run, a pending enterprise
in each province, a new institution with a patent, a self-assessment invitation (with its
grants) for the world's inventor, a locked-out account, an address failing over two accounts, a
platform account with a pending and a rejected two-person request, an API token for every world
user and the operator's audit events; two notifications for every world user, a group robot for each
organisation that has one, and a failed delivery.
The isolation tests do not use it: their expectations are written for the world as built.
"""

from datetime import date, timedelta
from itertools import count

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import APIToken, ApprovalRequest, AuditEvent, Department, Organization, OrganizationAlias, User
from inventory.choices import (
    ConversionKind,
    Intent,
    InventoryStatus,
    LegalStatus,
    LicenseType,
    PatentType,
    PaymentMode,
    ReviewState,
    Screening,
)
from inventory.library import listing
from inventory.models import (
    Conversion,
    ImportBatch,
    Industry,
    InventoryChange,
    InventoryRecord,
    OpenLicenseDeclaration,
    Patent,
    PatentIndustry,
    PatentOwnership,
    PatentTechField,
    SelfAssessmentInvitation,
    TechnologyField,
)
from inventory.patents.identifiers import make_application_number
from inventory.search.services import index_patents
from notifications.models import Delivery, Notification, OrganizationRobot

from . import (
    world_evaluation_assessments,
    world_evaluation_experts,
    world_evaluation_feedback,
    world_evaluation_indicators,
    world_evaluation_rounds,
    world_matcher,
    world_matching_events,
    world_matching_needs,
    world_matching_pushes,
    world_reporting_cases,
    world_reporting_dashboards,
    world_reporting_feeds,
    world_reporting_reports,
    world_reporting_spotchecks,
    world_reporting_statistics,
)
from .world import PASSWORD
from .world_review import DEPT_A

_serials = count(3_000_001)
INSTITUTIONS = ("inst_bj_moe", "inst_bj_local", "inst_gd_local")
ADMINS = {"inst_bj_moe": "inst_bj_moe_admin", "inst_bj_local": "inst_bj_local_admin",
          "inst_gd_local": "inst_gd_local_admin"}


def grow(world, steps: int) -> None:
    """Add `steps` rounds of objects to the world (see the module's docstring)."""
    for _ in range(steps):
        _round(world, next(_serials))


def _round(world, serial: int) -> None:
    o, u = world.orgs, world.users
    tag = f"G{serial}"
    patents: list[Patent] = []
    for key in INSTITUTIONS:
        org, admin = o[key], u[ADMINS[key]]
        patents += _institution_round(world, org, admin, tag)
    patents.append(_patent(f"{tag} 共有", [o["inst_bj_moe"], o["inst_gd_local"]], ReviewState.DRAFT))
    index_patents(Patent.objects.filter(pk__in=[p.pk for p in patents]))
    _people_round(world, tag, patents)
    world_matching_events.grow(world, [p for p in patents if p.inventory.in_library])
    world_matching_needs.grow_round(world, tag, serial)
    world_matching_pushes.grow(world, [p for p in patents if p.inventory.in_library])
    world_evaluation_rounds.grow(world, [p for p in patents if p.inventory.in_library])
    world_matcher.grow(world)
    world_evaluation_feedback.grow(world, patents)
    world_evaluation_indicators.grow(world)
    world_evaluation_assessments.grow(world, [p for p in patents if p.inventory.in_library])
    world_evaluation_experts.grow_round(world, tag, serial)
    world_reporting_reports.grow(world)
    world_reporting_statistics.grow(world)
    world_reporting_spotchecks.grow(world, patents)
    world_reporting_cases.grow(world)
    world_reporting_feeds.grow(world)
    world_reporting_dashboards.grow(world)


def _institution_round(world, org: Organization, admin: User, tag: str) -> list[Patent]:
    dept = Department.objects.filter(organization=org, name=DEPT_A).first()
    pending = _patent(f"{tag} {org.name} 待盘点", [org], ReviewState.DRAFT, department=dept)
    submitted = _patent(f"{tag} {org.name} 待审核", [org], ReviewState.SUBMITTED, department=dept)
    reviewed = _patent(f"{tag} {org.name} 待学校审核", [org], ReviewState.DEPARTMENT_REVIEWED, department=dept)
    library = _patent(f"{tag} {org.name} 入库", [org], ReviewState.APPROVED, in_library=True)
    for patent in (pending, submitted, reviewed, library):
        InventoryChange.objects.create(record=patent.inventory, changed_by=admin, source=InventoryChange.Source.WEB,
                                       changes={"maturity": [None, 5]})
    Conversion.objects.create(
        patent=library, institution=org, kind=ConversionKind.LICENSE, license_type=LicenseType.ORDINARY,
        counterparty=f"{tag} 被许可方有限公司", amount=50, payment_mode=PaymentMode.LUMP_SUM,
        effective_date=date(2024, 3, 1), registration_number=f"2024{next(_serials)}", created_by=admin,
    )
    Conversion.objects.create(
        patent=reviewed, institution=org, kind=ConversionKind.SELF, effective_date=date(2023, 9, 1),
        created_by=admin,
    )
    today = timezone.localdate()
    OpenLicenseDeclaration.objects.create(
        patent=library, institution=org, fee_standard="一次性支付 5 万元", payment_mode=PaymentMode.LUMP_SUM,
        term_start=today, term_end=today + timedelta(days=730), declared_by=admin,
    )
    for kind in (ImportBatch.Kind.INVENTORY, ImportBatch.Kind.CONVERSIONS):
        ImportBatch.objects.create(
            kind=kind, organization=org, created_by=admin, file=f"imports/world/{tag}.xlsx",
            original_name=f"{tag}.xlsx", sha256="0" * 64, status=ImportBatch.Status.COMMITTED,
            counts={"new": 1, "updated": 0, "unchanged": 0, "rejected": 0},
        )
    member = _user(f"{tag.lower()}_{org.pk}_member", org)
    Department.objects.create(organization=org, name=f"{tag} 学院")
    if dept is not None:
        _user(f"{tag.lower()}_{org.pk}_dept", org, department=dept)
    OrganizationAlias.objects.create(organization=org, name=f"{tag} {org.name}(曾用名)")
    AuditEvent.objects.create(actor=member, actor_username=member.username, action="auth.login",
                              organization=org, detail={"round": tag})
    return [pending, submitted, reviewed, library]


def _notifications_round(world, tag: str) -> None:
    """Two notifications for every world user (one read), a group robot for each organisation that
    has one in the world, and a failed e-mail delivery."""
    now = timezone.now()
    Notification.objects.bulk_create([
        Notification(recipient=user, kind="growth", title=f"{tag} 通知{n}", read_at=now if n else None)
        for user in world.users.values() for n in range(2)])
    for robot in OrganizationRobot.objects.filter(name__startswith="工作群"):
        OrganizationRobot.objects.create(organization_id=robot.organization_id, service=robot.service,
                                         name=f"{tag} 群", url=robot.url, secret=robot.secret, enabled=False)
    Delivery.objects.create(channel=Delivery.Channel.EMAIL, recipient=world.users["ent_gd_admin"],
                            address="growth@ent.example.cn", kind="growth", title=f"{tag} 投递",
                            status=Delivery.Status.FAILED, attempts=6, last_error="connection refused")


def _people_round(world, tag: str, patents: list[Patent]) -> None:
    o, u = world.orgs, world.users
    platform = o["platform"]
    ImportBatch.objects.create(
        kind=ImportBatch.Kind.BASE_LIBRARY, organization=platform, created_by=u["operator"],
        file=f"imports/world/{tag}-base.xlsx", original_name=f"{tag}-base.xlsx", sha256="0" * 64,
        status=ImportBatch.Status.COMMITTED, counts={"new": 1, "updated": 0, "unchanged": 0, "rejected": 0},
    )
    for province_key in ("prov_bj", "prov_gd"):
        province = o[province_key].province
        enterprise = Organization.objects.create(
            kind=Organization.Kind.ENTERPRISE, name=f"{tag} {province.name}待审核企业", province=province,
            status=Organization.Status.PENDING,
        )
        _user(f"{tag.lower()}_{enterprise.pk}_admin", enterprise, is_org_admin=True)
    institution = Organization.objects.create(
        kind=Organization.Kind.INSTITUTION, name=f"{tag} 新增大学", province=o["inst_bj_moe"].province,
        supervisor=o["moe"], institution_type="university",
    )
    _user(f"{tag.lower()}_{institution.pk}_admin", institution, is_org_admin=True)
    _patent(f"{tag} 新增大学 待盘点", [institution], ReviewState.DRAFT)
    inventor = u["inst_bj_moe_inventor"]
    invitation = SelfAssessmentInvitation.objects.create(
        institution=o["inst_bj_moe"], inventor=inventor, invited_by=u["inst_bj_moe_dept_admin"], message=tag)
    invited = [p for p in patents if p.inventory.institution_id == o["inst_bj_moe"].pk][:2]
    invitation.patents.set(invited)
    for patent in invited:
        assign_perm("inventory.self_assess_patent", inventor, patent)
    locked = _user(f"{tag.lower()}_locked", o["inst_gd_local"])
    AccessAttempt.objects.create(
        username=locked.username, ip_address="192.0.2.1", user_agent="test", http_accept="*/*", path_info="/",
        get_data="", post_data="", failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    _tokens_round(world, tag)
    _notifications_round(world, tag)
    # An address failing over several accounts (the security administrator's restricted addresses).
    round_no = next(_serials) % 250
    for n in range(2):
        AccessAttempt.objects.create(
            username=f"{tag.lower()}_guess{n}", ip_address=f"198.51.100.{round_no}", user_agent="test",
            http_accept="*/*", path_info="/", get_data="", post_data="",
            failures_since_start=settings.LOGIN_ADDRESS_SLOW_AFTER,
        )
    # A platform account awaiting its role, and a decided request (the two-person rule's page).
    newcomer = _user(f"{tag.lower()}_platform", platform)
    for status in (ApprovalRequest.Status.PENDING, ApprovalRequest.Status.REJECTED):
        ApprovalRequest.objects.create(
            action=ApprovalRequest.Action.PERMISSION_CHANGE, target=newcomer, requested_by=u["secadmin"],
            payload={"is_org_admin": False, "platform_role": "operator"}, status=status,
            decided_by=u["sysadmin"] if status == ApprovalRequest.Status.REJECTED else None,
            decided_at=timezone.now() if status == ApprovalRequest.Status.REJECTED else None,
        )
    for action in ("account.create", "export.patents"):
        AuditEvent.objects.create(actor=u["operator"], actor_username="operator", action=action,
                                  organization=platform, before={"n": 0}, after={"n": 1})


def _tokens_round(world, tag: str) -> None:
    """An API token for every world user (each lists their own; the security administrator all)."""
    expires = timezone.now() + timedelta(days=30)
    APIToken.objects.bulk_create([
        APIToken(user=user, name=f"{tag} 令牌", prefix=tag[-8:], key_hash=f"{tag}-{user.pk}", expires_at=expires)
        for user in world.users.values()
    ])


def _user(username: str, org: Organization, **fields) -> User:
    user = User(username=username, organization=org, full_name=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def _patent(title: str, owners: list[Organization], review_state: str, *, in_library: bool = False,
            department: Department | None = None) -> Patent:
    serial = next(_serials)
    patent = Patent.objects.create(
        application_number=make_application_number(2018, "1", serial), title=title,
        patent_type=PatentType.INVENTION, application_date=date(2018, 3, 1), grant_date=date(2020, 6, 1),
        legal_status=LegalStatus.VALID, main_ipc="G06N 3/08", ipc_codes=["G06N 3/08"],
        patentees=[o.name for o in owners], inventors=["赵六"], abstract="一种神经网络训练方法。",
    )
    for position, owner in enumerate(owners, start=1):
        PatentOwnership.objects.create(patent=patent, organization=owner, position=position,
                                       grant_date=patent.grant_date, main_ipc=patent.main_ipc)
    inventoried = review_state != ReviewState.DRAFT
    record = InventoryRecord.objects.create(
        patent=patent, institution=owners[0], in_library=in_library, review_state=review_state,
        status=InventoryStatus.INVENTORIED if inventoried else InventoryStatus.PENDING,
        screening=Screening.IN if in_library else "", intents=[Intent.LICENSE] if in_library else [],
        maturity=6 if inventoried else None, contact_phone="13900139000", contact_email="contact@example.cn",
        department=department.name if department else "", department_unit=department,
    )
    if in_library:
        record.listing_score = listing.score(record)
        record.save(update_fields=["listing_score"])
    industry = Industry.objects.filter(code="1.5").first()
    if industry is not None:
        PatentIndustry.objects.create(patent=patent, industry=industry)
    field = TechnologyField.objects.filter(number=6).first()
    if field is not None:
        PatentTechField.objects.create(patent=patent, field=field)
    return patent
