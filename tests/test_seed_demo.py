"""`manage.py seed_demo`: the demo world is valid data, its logins work, and it is idempotent."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.identifiers import normalize_credit_code
from accounts.models import AuditEvent, Organization, Province, User
from accounts.roles import Role, role_of
from demo.builders import DEMO_LOGIN_USERNAMES, DEMO_PASSWORD, demo_organization_ids, world_counts
from inventory.choices import InventoryStatus, PatentType, Screening
from inventory.identifiers import normalize_application_number, patent_type_of
from inventory.models import InventoryRecord, Patent, PatentOwnership

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
            continue
        assert 1 <= record.maturity <= 9 and record.prospect and record.implementation_status
        assert record.scenarios and record.inventoried_at and record.contact_name and record.contact_phone
        assert record.is_financially_funded == bool(p.funding_project_number)
        assert record.in_library == (record.screening == Screening.IN)
        if record.screening == Screening.IN:
            assert record.intents and "none" not in record.intents and record.disposal != "abandon"
        assert ("license" in record.intents) == bool(record.license_type)


def test_second_run_creates_nothing(seeded):
    before = world_counts()
    events = AuditEvent.objects.count()
    out = seed()
    assert "already exists" in out
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
    assert "Removed the demo world" in out
    # The audit trail survives the reset, still naming who acted.
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id is None and event.actor_username == "demo_institution"
    again = set(Patent.objects.exclude(pk__in=[p.pk for p in world.patents.values()])
                .values_list("application_number", flat=True))
    assert again == numbers
    call_command("seed_demo", reset=True, patents=20, institutions=1, enterprises=2, stdout=io.StringIO())
    assert world_counts()["patents"] == 20 and world_counts()["institutions"] == 1
    # The test world and the reference data survive both resets.
    assert (Province.objects.count(), Organization.objects.exclude(pk__in=demo_organization_ids()).count()) == reference
    assert all(Patent.objects.filter(pk=p.pk).exists() for p in world.patents.values())
    assert User.objects.filter(username="inst_bj_moe_admin").exists()
