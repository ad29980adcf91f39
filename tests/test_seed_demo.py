"""`manage.py seed_demo`: the demo world is valid data, its logins work, and it is idempotent."""

import io
import os
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import translation
from guardian.models import UserObjectPermission

from accounts.identifiers import normalize_credit_code
from accounts.models import AuditEvent, Department, Organization, Province, User
from accounts.roles import Role, role_of
from demo.builders import DEMO_LOGIN_USERNAMES, DEMO_PASSWORD, demo_organization_ids, reset_demo_world, world_counts
from inventory.choices import InventoryStatus, PatentType, ReviewState, Screening
from inventory.conversions.services import FIELDS as CONVERSION_FIELDS
from inventory.conversions.services import check, exclusive_licence_in_force, load_facts, patent_expiry, status_after
from inventory.models import (
    Conversion,
    InventoryRecord,
    OpenLicenseDeclaration,
    Patent,
    PatentIndustry,
    PatentOwnership,
    PatentSearchDocument,
    PatentTechField,
    SelfAssessmentInvitation,
)
from inventory.patents.identifiers import normalize_application_number, patent_type_of
from inventory.records import review, self_assessment

SMALL = {"patents": 300, "institutions": 5, "enterprises": 8}

EXPECTED_ROLES = {
    "demo_operator": Role.OPERATOR,
    "demo_sysadmin": Role.SYSTEM_ADMIN,
    "demo_secadmin": Role.SECURITY_ADMIN,
    "demo_auditor": Role.AUDIT_ADMIN,
    "demo_ministry": Role.MINISTRY,
    "demo_province": Role.PROVINCE,
    "demo_institution": Role.INSTITUTION,
    "demo_institution_member": Role.INSTITUTION,
    "demo_department": Role.INSTITUTION,
    "demo_inventor": Role.INVENTOR,
    "demo_enterprise": Role.ENTERPRISE,
    "demo_expert": Role.EXPERT,
}
IPC = re.compile(r"^[A-H]\d{2}[A-Z] \d{1,4}/\d{2,6}$")
LOCARNO = re.compile(r"^\d{2}-\d{2}$")
GRANT_SUFFIX = {PatentType.INVENTION: "B", PatentType.UTILITY_MODEL: "U", PatentType.DESIGN: "S"}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return seed()


def test_counts(seeded):
    counts = world_counts()
    assert counts["institutions"] == 5
    assert counts["enterprises"] == 8
    assert counts["enterprises_pending"] >= 1
    assert counts["experts"] == 15
    assert counts["patents"] == Patent.objects.count() == 300
    assert counts["inventory_records"] == 300
    assert counts["inventions"] > counts["utility_models"] > counts["designs"] > 0
    assert 0 < counts["in_library"] < counts["inventoried"] < 300
    assert 0 < counts["funded"] < 300
    assert "Demo@2024pn" in seeded and "demo_institution_member" in seeded


def test_demo_logins_find_their_bell_not_empty(seeded, client):
    user = User.objects.get(username="demo_enterprise")
    assert world_counts()["notifications"] >= 3 * 10
    client.force_login(user)
    assert 'id="pn-bell-count">2<' in client.get("/").content.decode()


def test_application_numbers_are_canonical_and_agree_with_the_type(seeded):
    rows = list(Patent.objects.values_list("application_number", "patent_type", "grant_number"))
    assert len({number for number, _, _ in rows}) == len(rows)
    for number, patent_type, grant_number in rows:
        assert normalize_application_number(number) == number
        assert patent_type_of(number) == patent_type
        assert re.fullmatch(r"CN\d{9}[BUS]", grant_number)
        assert grant_number.endswith(GRANT_SUFFIX[patent_type])


def test_patent_fields_are_consistent(seeded):
    for p in Patent.objects.all():
        assert 2008 <= p.application_date.year <= 2023
        assert p.application_number[2:6] == str(p.application_date.year)
        lag = p.grant_date - p.application_date
        if p.patent_type == PatentType.INVENTION:
            assert timedelta(days=365) <= lag <= timedelta(days=4 * 365)
        else:
            assert timedelta(days=150) <= lag <= timedelta(days=366)
        assert 2 <= len(p.inventors) <= 6 and len(set(p.inventors)) == len(p.inventors)
        assert p.ipc_codes[0] == p.main_ipc
        pattern = LOCARNO if p.patent_type == PatentType.DESIGN else IPC
        assert all(pattern.match(code) for code in p.ipc_codes), p.ipc_codes
        assert p.title and p.abstract.count("。") >= 2
        assert len(p.patentees) == len(p.patentee_credit_codes) in (1, 2)
        assert bool(p.funding_project_number) == bool(p.funding_source)


def test_credit_codes_are_valid(seeded):
    codes = Organization.objects.filter(pk__in=demo_organization_ids()).values_list("kind", "credit_code")
    assert len(codes) == 13
    for kind, code in codes:
        assert normalize_credit_code(code) == code
        assert code.startswith("12" if kind == Organization.Kind.INSTITUTION else "91")


def test_demo_logins_authenticate_with_their_role(seeded):
    request = RequestFactory().post("/accounts/login/")
    for username, role in EXPECTED_ROLES.items():
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert role_of(user) == role, username
        assert not user.must_change_password and user.password_changed_at is not None
    assert set(EXPECTED_ROLES) == set(DEMO_LOGIN_USERNAMES)


def test_demo_organisations_are_the_promised_ones(seeded):
    users = {u.username: u for u in User.objects.filter(username__in=EXPECTED_ROLES).select_related("organization")}
    inst = users["demo_institution"].organization
    assert inst == users["demo_institution_member"].organization
    assert users["demo_institution"].is_org_admin and not users["demo_institution_member"].is_org_admin
    assert inst.kind == Organization.Kind.INSTITUTION and inst.province_id == "110000"
    assert inst.supervisor.code == "MOE" and inst.is_demo_university
    biggest = max(
        Organization.objects.filter(kind=Organization.Kind.INSTITUTION, pk__in=demo_organization_ids()),
        key=lambda o: PatentOwnership.objects.filter(organization=o).count(),
    )
    assert biggest == inst
    ent = users["demo_enterprise"].organization
    assert ent.kind == Organization.Kind.ENTERPRISE and ent.is_active and ent.province_id == "110000"
    assert Organization.objects.filter(
        kind=Organization.Kind.ENTERPRISE, province_id="110000", status=Organization.Status.PENDING
    ).exists()
    assert users["demo_ministry"].organization.code == "MOE"
    assert users["demo_province"].organization.code == "110000"
    assert users["demo_expert"].organization is None and users["demo_expert"].is_expert
    # Every generated account shares the demo password.
    other = User.objects.get(username="demo_expert02")
    assert authenticate(RequestFactory().post("/"), username=other.username, password=DEMO_PASSWORD) == other


def test_ownership_and_inventory_are_consistent(seeded):
    institutions = set(Organization.objects.filter(kind=Organization.Kind.INSTITUTION).values_list("pk", flat=True))
    records = {r.patent_id: r for r in InventoryRecord.objects.all()}
    ownerships: dict[int, list[PatentOwnership]] = {}
    for o in PatentOwnership.objects.select_related("organization").order_by("position"):
        ownerships.setdefault(o.patent_id, []).append(o)
    for p in Patent.objects.all():
        owned = ownerships[p.pk]
        assert owned[0].position == 1
        for o in owned:
            assert o.organization_id in institutions
            assert p.patentees[o.position - 1] == o.organization.name
            assert p.patentee_credit_codes[o.position - 1] == o.organization.credit_code
        record = records[p.pk]
        assert record.institution_id == owned[0].organization_id
        if record.status == InventoryStatus.PENDING:
            assert not record.in_library and not record.screening
            assert record.review_state == ReviewState.DRAFT
            continue
        assert 1 <= record.maturity <= 9 and record.prospect and record.implementation_status
        assert record.scenarios and record.inventoried_at and record.contact_name and record.contact_phone
        assert record.is_financially_funded == bool(p.funding_project_number)
        # As inventory.records.review keeps it: in the library when approved and screened in.
        assert record.in_library == (record.screening == Screening.IN and record.review_state == ReviewState.APPROVED)
        if record.screening == Screening.IN:
            assert record.intents and "none" not in record.intents and record.disposal != "abandon"
        assert ("license" in record.intents) == bool(record.license_type)


def test_the_output_is_chinese_through_django_translation(seeded):
    assert "演示数据已生成" in seeded and "全部演示账号的密码:Demo@2024pn" in seeded
    assert "用户名" in seeded and "高校和科研机构" in seeded
    # No English sentence (the usernames and the password are the only Latin words).
    assert not re.search(r"[A-Za-z]{2,}[ ,:][ ]?[a-z]{2,} [a-z]{2,}", seeded), seeded
    with translation.override("en"):
        english = seed()
    assert "A demo world already exists" in english and "Password of every demo account" in english


def test_second_run_creates_nothing(seeded):
    before = world_counts()
    events = AuditEvent.objects.count()
    out = seed()
    assert "演示数据已存在" in out
    assert world_counts() == before
    assert Patent.objects.count() == before["patents"] and AuditEvent.objects.count() == events


def test_same_seed_same_world_and_reset_removes_only_demo_rows(world):
    seed()
    numbers = set(Patent.objects.exclude(pk__in=[p.pk for p in world.patents.values()])
                  .values_list("application_number", flat=True))
    reference = (Province.objects.count(), Organization.objects.exclude(pk__in=demo_organization_ids()).count())
    # Someone used the demo: audit events point at a demo account and organisation.
    demo_user = User.objects.get(username="demo_institution")
    event = AuditEvent.objects.create(action="auth.login", actor=demo_user, actor_username=demo_user.username,
                                      organization=demo_user.organization)
    out = seed(reset=True)
    assert "已删除演示数据" in out
    # The audit trail survives the reset, still naming who acted.
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_id, kept.actor_username, kept.organization_id) == (
        demo_user.pk, "demo_institution", demo_user.organization_id)
    assert not User.objects.filter(pk=demo_user.pk).exists()
    again = set(Patent.objects.exclude(pk__in=[p.pk for p in world.patents.values()])
                .values_list("application_number", flat=True))
    assert again == numbers
    call_command("seed_demo", reset=True, patents=20, institutions=1, enterprises=2, stdout=io.StringIO())
    assert world_counts()["patents"] == 20 and world_counts()["institutions"] == 1
    # The test world and the reference data survive both resets.
    assert (Province.objects.count(), Organization.objects.exclude(pk__in=demo_organization_ids()).count()) == reference
    assert all(Patent.objects.filter(pk=p.pk).exists() for p in world.patents.values())
    assert User.objects.filter(username="inst_bj_moe_admin").exists()


# --- departments, review, conversions, invitations (demo/inventory_ii.py) -----------------------

INVENTORY_II_COUNTS = (
    "departments", "department_records", "approved", "submitted", "department_reviewed", "returned", "scored",
    "conversions", "transfers", "licences", "product_filings", "open_licences", "invitations", "with_industry",
    "search_documents", "sleeping",
)


def demo_user(username: str) -> User:
    return User.objects.select_related("organization", "department").get(username=username)


def test_inventory_ii_counts(seeded):
    counts = world_counts()
    assert all(counts[key] > 0 for key in INVENTORY_II_COUNTS), {k: counts[k] for k in INVENTORY_II_COUNTS}
    assert counts["department_records"] == counts["inventory_records"]
    assert counts["search_documents"] == counts["patents"]
    assert counts["approved"] > counts["submitted"] + counts["department_reviewed"] + counts["returned"]
    assert counts["scored"] == counts["in_library"]
    for key in ("demo_department", "demo_inventor", "待二级单位审核", "转化记录", "开放许可声明"):
        assert key in seeded


def test_departments_and_review_states_follow_the_rules(seeded):
    org_ids = demo_organization_ids()
    departments = {d.pk: d for d in Department.objects.filter(organization_id__in=org_ids)}
    institutions = Organization.objects.filter(pk__in=org_ids, kind=Organization.Kind.INSTITUTION)
    two_levels = set(institutions.filter(review_levels=2).values_list("pk", flat=True))
    assert 0 < len(two_levels) < institutions.count()  # universities review in two levels, institutes in one
    for record in InventoryRecord.objects.filter(institution_id__in=org_ids):
        unit = departments[record.department_unit_id]
        assert unit.organization_id == record.institution_id and unit.name == record.department
        assert bool(record.return_reason) == (record.review_state == ReviewState.RETURNED)
        if record.review_state == ReviewState.DEPARTMENT_REVIEWED:
            assert record.institution_id in two_levels
        if record.in_library:
            assert record.listing_score > 0
    flags = Organization.objects.filter(pk__in=org_ids, kind=Organization.Kind.INSTITUTION)
    assert flags.filter(is_demo_university=True).exists() and flags.filter(is_pilot_university=True).exists()
    assert flags.filter(is_demo_university=False, is_pilot_university=False).exists()


def test_conversions_and_open_licences_pass_the_services_rules(seeded):
    org_ids = demo_organization_ids()
    conversions = list(Conversion.objects.filter(institution_id__in=org_ids).order_by("pk"))
    facts = load_facts({c.patent_id for c in conversions})
    records = {r.patent_id: r for r in InventoryRecord.objects.filter(patent_id__in=list(facts))}
    for c in conversions:
        values = {name: getattr(c, name) for name in CONVERSION_FIELDS}
        assert check(values, facts[c.patent_id], exclude_pk=c.pk) == {}, (c.patent_id, values)
        assert c.institution_id == records[c.patent_id].institution_id and c.created_by_id
        if c.kind != "self":
            assert c.registration_number and c.registration_date
        assert bool(c.product_filing_number) == c.industrialised
    for patent_id, fact in facts.items():
        status = records[patent_id].implementation_status
        assert status_after(status, fact.conversions) == status
        # An exclusive or sole licence in force contradicts an assessment offering an open licence.
        if records[patent_id].license_type == "open":
            assert exclusive_licence_in_force(fact, date.today()) is None
    quarters = {(d.year, (d.month - 1) // 3) for d in Conversion.objects.filter(institution_id__in=org_ids)
                .exclude(registration_date=None).values_list("registration_date", flat=True)}
    assert {2024, 2025, 2026} <= {year for year, _ in quarters} and len(quarters) >= 8
    declarations = list(OpenLicenseDeclaration.objects.filter(institution_id__in=org_ids))
    assert 1 <= len(declarations) <= 3 and all(d.withdrawn_at is None for d in declarations)
    open_facts = load_facts([d.patent_id for d in declarations])
    for d in declarations:
        patent = open_facts[d.patent_id].patent
        assert d.fee_standard and d.term_start <= d.term_end <= patent_expiry(patent)
        assert exclusive_licence_in_force(open_facts[d.patent_id], d.term_start) is None
    assert Conversion.objects.filter(institution_id__in=org_ids, license_type="open").count() == 1


def test_department_login_sees_its_department_and_the_library(seeded):
    admin = demo_user("demo_department")
    assert admin.is_org_admin and admin.department.organization == admin.organization
    assert admin.organization == demo_user("demo_institution").organization
    own = set(InventoryRecord.objects.filter(department_unit=admin.department).values_list("patent_id", flat=True))
    library = set(InventoryRecord.objects.filter(in_library=True).values_list("patent_id", flat=True))
    assert own and set(Patent.objects.visible_to(admin).values_list("pk", flat=True)) == own | library
    assert set(InventoryRecord.objects.editable_by(admin).values_list("patent_id", flat=True)) == own
    # Their review queue has work: records submitted to them, and they may return them.
    assert review.approvable(admin).exists() and review.returnable(admin).exists()
    assert review.review_queue(admin, state=ReviewState.RETURNED).exists()
    # The institution's staff wait for what the department passed on.
    assert review.approvable(demo_user("demo_institution")).filter(
        review_state=ReviewState.DEPARTMENT_REVIEWED).exists()


def test_inventor_login_sees_exactly_the_invited_patents(seeded):
    inventor = demo_user("demo_inventor")
    invitation = SelfAssessmentInvitation.objects.get(inventor=inventor)
    assert invitation.closed_at is None and invitation.invited_by.username == "demo_department"
    invited = set(invitation.patents.values_list("pk", flat=True))
    assert 1 <= len(invited) <= 5
    assert set(Patent.objects.visible_to(inventor).values_list("pk", flat=True)) == invited
    assert set(Patent.objects.editable_by(inventor).values_list("pk", flat=True)) == invited
    assert self_assessment.open_grants(inventor) == len(invited)
    for patent in Patent.objects.filter(pk__in=invited).select_related("inventory"):
        assert inventor.full_name in patent.inventors
        assert patent.inventory.department_unit_id == inventor.department_id
        assert patent.inventory.review_state in (ReviewState.DRAFT, ReviewState.RETURNED)


def inventory_ii_fingerprint() -> tuple:
    org_ids = demo_organization_ids()
    records = InventoryRecord.objects.filter(institution_id__in=org_ids).order_by("patent__application_number")
    return (
        sorted(Department.objects.filter(organization_id__in=org_ids).values_list("organization__name", "name")),
        list(records.values_list("patent__application_number", "review_state", "return_reason", "in_library",
                                 "listing_score", "department_unit__name", "patent__is_sleeping")),
        sorted(Conversion.objects.filter(institution_id__in=org_ids).values_list(
            "patent__application_number", "kind", "license_type", "counterparty", "amount", "effective_date",
            "registration_number", "registration_date", "product_filing_number")),
        sorted(OpenLicenseDeclaration.objects.filter(institution_id__in=org_ids).values_list(
            "patent__application_number", "fee_standard", "term_start", "term_end")),
        sorted(SelfAssessmentInvitation.objects.filter(institution_id__in=org_ids).values_list(
            "inventor__full_name", "patents__application_number")),
        sorted(PatentIndustry.objects.filter(patent__inventory__institution_id__in=org_ids).values_list(
            "patent__application_number", "industry_id")),
    )


def non_demo_inventory_ii_rows() -> dict[str, int]:
    return {
        "departments": Department.objects.count(),
        "conversions": Conversion.objects.count(),
        "open_licences": OpenLicenseDeclaration.objects.count(),
        "invitations": SelfAssessmentInvitation.objects.count(),
        "search_documents": PatentSearchDocument.objects.count(),
        "industry_links": PatentIndustry.objects.count(),
        "field_links": PatentTechField.objects.count(),
        "grants": UserObjectPermission.objects.count(),
    }


def test_inventory_ii_is_deterministic_and_reset_removes_it(world):
    before = non_demo_inventory_ii_rows()
    seed()
    first = inventory_ii_fingerprint()
    assert non_demo_inventory_ii_rows()["grants"] > before["grants"]
    reset_demo_world()
    assert non_demo_inventory_ii_rows() == before
    assert not User.objects.filter(username__in=["demo_department", "demo_inventor"]).exists()
    seed()
    assert inventory_ii_fingerprint() == first
    # A second run changes nothing, departments, review and conversions included.
    events = AuditEvent.objects.count()
    assert "演示数据已存在" in seed()
    assert inventory_ii_fingerprint() == first and AuditEvent.objects.count() == events


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
@pytest.mark.parametrize(("arguments", "port"), [((), "8000"), (("PORT=8123",), "8123")])
def test_make_demo_serves_on_the_port_given(arguments, port):
    # -n: print the recipe without running it.
    root = Path(__file__).resolve().parent.parent
    environment = {name: value for name, value in os.environ.items() if name != "PORT"}
    recipe = subprocess.run(["make", "-n", "-C", str(root), "demo", *arguments], capture_output=True, text=True,
                            check=True, env=environment).stdout
    assert f"manage.py runserver 127.0.0.1:{port}" in recipe, recipe


def test_every_evaluation_role_finds_work_and_results(seeded):
    """The demo experts are in the library, 北京's office has run its rounds, the demo expert has a
    submitted evaluation and the demo enterprise two (one with a coded reason); a reset removes them."""
    from evaluation.assessments.models import Evaluation
    from evaluation.choices import EvaluationStatus, ExpertStatus
    from evaluation.experts.models import Expert
    from evaluation.rounds.models import EvaluationRound

    assert Expert.objects.filter(status=ExpertStatus.APPROVED, user__username__startswith="demo_expert").exists()
    assert EvaluationRound.objects.filter(organiser__users__username="demo_province").count() == 2
    submitted = Evaluation.objects.filter(status=EvaluationStatus.SUBMITTED)
    assert submitted.filter(expert__user__username="demo_expert").count() == 1
    by_enterprise = submitted.filter(enterprise__users__username="demo_enterprise")
    assert by_enterprise.count() == 2 and by_enterprise.exclude(reasons=[]).count() == 1
    # A reset removes them before seeding again: no expert is left behind without its account.
    call_command("seed_demo", reset=True, stdout=io.StringIO(), **SMALL)
    assert Expert.objects.count() == User.objects.filter(is_expert=True, username__startswith="demo_expert").count()
    assert EvaluationRound.objects.count() == 2
