"""Recording conversions: the rules, the audit, the implementation status follow-up with its
history, exclusive licences against open licences, and the pages and API that use the service."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.audit import WITHHELD
from accounts.models import AuditEvent
from inventory.choices import ConversionKind, ImplementationStatus, LicenseType, PatentType, PaymentMode
from inventory.conversions import services as conversions
from inventory.conversions.services import ConversionError, delete_conversion, record_conversion, update_conversion
from inventory.models import Conversion, InventoryChange, OpenLicenseDeclaration

ADMIN = "inst_bj_moe_admin"


def licence(**extra) -> dict:
    values = {
        "kind": ConversionKind.LICENSE, "license_type": LicenseType.ORDINARY, "counterparty": "江南智能装备有限公司",
        "counterparty_credit_code": "91350100M000100Y43", "amount": Decimal("50"),
        "payment_mode": PaymentMode.LUMP_SUM, "effective_date": date(2024, 1, 10),
        "registration_number": "2024990000555", "registration_date": date(2024, 3, 1),
    }
    return {**values, **extra}


def errors_of(world, data, key="bj_moe_private", user=ADMIN) -> dict:
    with pytest.raises(ConversionError) as caught:
        record_conversion(world.user(user), world.patents[key], data)
    return caught.value.errors


# --- rules ----------------------------------------------------------------------------------------

def test_a_licence_is_recorded_and_audited(world):
    conversion = record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], licence())
    assert conversion.institution == world.orgs["inst_bj_moe"]
    assert conversion.created_by == world.user(ADMIN)
    event = AuditEvent.objects.get(action="conversion.create", target_id=str(conversion.pk))
    # The event names the conversion and its fields; the values stay with the conversion (三员分立).
    assert event.target_type == "inventory.conversion"
    assert event.after["counterparty"] == WITHHELD and event.after["amount"] == WITHHELD
    assert "江南智能装备有限公司" not in str((event.before, event.after, event.detail))


@pytest.mark.parametrize(("data", "field", "fragment"), [
    (licence(license_type=""), "license_type", "许可方式"),
    (licence(kind=ConversionKind.TRANSFER), "license_type", "只有“许可”"),
    (licence(counterparty="", counterparty_credit_code=""), "counterparty", "受让方或被许可方"),
    (licence(kind=ConversionKind.TRANSFER, license_type="", counterparty="", counterparty_credit_code=""),
     "counterparty", "转让须填写"),
    (licence(counterparty_credit_code="91350100M000100Y44"), "counterparty_credit_code", "校验位"),
    (licence(amount=Decimal("-1")), "amount", "不能小于 0"),
    (licence(payment_mode=""), "payment_mode", "支付方式"),
    (licence(effective_date=None), "effective_date", "合同生效日"),
    (licence(registration_number="备案"), "registration_number", "不像有效的编号"),
    (licence(registration_date=date(2023, 12, 1)), "registration_date", "早于合同生效日"),
    (licence(registration_date=timezone.localdate() + timedelta(days=3)), "registration_date", "晚于今天"),
    (licence(registration_number="", registration_date=date(2024, 3, 1)), "registration_number", "登记或备案号"),
    (licence(license_end_date=date(2023, 1, 1)), "license_end_date", "早于合同生效日"),
    (licence(license_end_date=date(2045, 1, 1)), "license_end_date", "期限届满日"),
    (licence(effective_date=date(2018, 1, 1), registration_date=None, registration_number=""),
     "effective_date", "早于专利申请日"),
    (licence(product_filing_number="CP20240001"), "industrialised", "是否产业化"),
    (licence(industrialised=True, product_filing_date=date(2024, 5, 1)), "product_filing_number", "备案号"),
    ({"kind": ConversionKind.SELF, "registration_number": "2024990000555"}, "registration_number", "自行实施"),
    ({"kind": "gift"}, "kind", "转化方式"),
])
def test_rules_refuse_with_a_message_naming_the_problem(world, data, field, fragment):
    errors = errors_of(world, data)
    assert fragment in errors[field], errors
    assert not Conversion.objects.filter(patent=world.patents["bj_moe_private"]).exists()


def test_the_same_registration_number_twice_is_refused(world):
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], licence())
    errors = errors_of(world, licence(counterparty="另一家公司"))
    assert "2024990000555" in errors["registration_number"]


def test_self_implementation_needs_no_counterparty(world):
    conversion = record_conversion(world.user(ADMIN), world.patents["bj_moe_private"],
                                   {"kind": ConversionKind.SELF, "effective_date": date(2022, 5, 1)})
    assert conversion.counterparty == "" and conversion.kind == ConversionKind.SELF


def test_a_licence_filed_late_is_warned_not_refused():
    late = licence(registration_date=date(2024, 6, 1))
    assert conversions.warnings(late) and "三个月" in conversions.warnings(late)[0]
    assert conversions.warnings(licence()) == []


def test_patent_expiry_by_type(world):
    patent = world.patents["bj_moe_private"]
    assert conversions.patent_expiry(patent) == date(2039, 2, 28)
    patent.patent_type = PatentType.UTILITY_MODEL
    assert conversions.patent_expiry(patent) == date(2029, 2, 28)
    patent.patent_type = PatentType.DESIGN
    assert conversions.patent_expiry(patent) == date(2029, 2, 28)  # filed before 2021-06-01: 10 years
    patent.application_date = date(2022, 3, 1)
    assert conversions.patent_expiry(patent) == date(2037, 2, 28)


# --- scope ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "key"), [
    ("inst_gd_local_admin", "co_owned"),  # a co-owner reads, the first institution patentee records
    ("inst_gd_local_admin", "bj_moe_private"),
    ("operator", "bj_moe_private"),  # the operator reads
    ("moe_admin", "bj_moe_private"),
    ("inst_bj_moe_dept_admin", "bj_moe_library"),  # a department's staff: their department's only
])
def test_only_the_first_institution_patentee_records(world, user, key):
    with pytest.raises(PermissionDenied):
        record_conversion(world.user(user), world.patents[key], licence())
    assert not Conversion.objects.filter(patent=world.patents[key], counterparty="江南智能装备有限公司").exists()


def test_department_staff_record_their_departments_patents(world):
    conversion = record_conversion(world.user("inst_bj_moe_dept_admin"), world.patents["bj_moe_private"], licence())
    assert conversion.pk


def test_the_operator_and_co_owners_read_but_may_not_change(world):
    conversion = Conversion.objects.get(patent=world.patents["co_owned"])
    for user in ("operator", "inst_gd_local_admin"):
        assert Conversion.objects.visible_to(world.user(user)).filter(pk=conversion.pk).exists()
        with pytest.raises(PermissionDenied):
            update_conversion(world.user(user), conversion, {"amount": Decimal(1)})
        with pytest.raises(PermissionDenied):
            delete_conversion(world.user(user), conversion)
    assert Conversion.objects.filter(pk=conversion.pk, amount=None).exists()


# --- implementation status ------------------------------------------------------------------------------

def _status(world, key="bj_moe_private") -> str:
    return world.patents[key].inventory.__class__.objects.get(patent=world.patents[key]).implementation_status


@pytest.mark.parametrize(("kind", "status"), [
    (ConversionKind.SELF, ImplementationStatus.SELF),
    (ConversionKind.LICENSE, ImplementationStatus.LICENSED),
    (ConversionKind.TRANSFER, ImplementationStatus.TRANSFERRED),
    (ConversionKind.EQUITY, ImplementationStatus.EQUITY),
])
def test_recording_sets_the_implementation_status_with_history(world, kind, status):
    data = licence(kind=kind, license_type=LicenseType.ORDINARY if kind == ConversionKind.LICENSE else "")
    if kind == ConversionKind.SELF:
        data.update(counterparty="", counterparty_credit_code="", registration_number="", registration_date=None,
                    amount=None, payment_mode="")
    before = InventoryChange.objects.count()
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], data)
    assert _status(world) == status
    change = InventoryChange.objects.latest("id")
    assert InventoryChange.objects.count() == before + 1
    assert change.changes["implementation_status"] == ["", status]
    assert change.source == InventoryChange.Source.WEB and change.changed_by == world.user(ADMIN)


def test_recording_does_not_change_the_review_state(world):
    record = world.patents["bj_moe_private"].inventory
    state = record.review_state
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], licence())
    record.refresh_from_db()
    assert record.review_state == state


def test_industrialised_is_never_downgraded(world):
    patent = world.patents["bj_moe_private"]
    record_conversion(world.user(ADMIN), patent, {"kind": ConversionKind.SELF, "effective_date": date(2022, 1, 1),
                                                  "industrialised": True, "product_filing_number": "CP2024110009"})
    assert _status(world) == ImplementationStatus.INDUSTRIALISED
    record_conversion(world.user(ADMIN), patent, licence(effective_date=date(2024, 2, 1)))
    assert _status(world) == ImplementationStatus.INDUSTRIALISED


def test_the_latest_conversion_says_how_the_patent_is_implemented(world):
    patent = world.patents["bj_moe_private"]
    record_conversion(world.user(ADMIN), patent, licence())
    record_conversion(world.user(ADMIN), patent, licence(kind=ConversionKind.TRANSFER, license_type="",
                                                         registration_number="2024110000001",
                                                         effective_date=date(2024, 2, 1)))
    assert _status(world) == ImplementationStatus.TRANSFERRED
    # An older event recorded later does not overturn the newer one.
    record_conversion(world.user(ADMIN), patent, {"kind": ConversionKind.SELF, "effective_date": date(2021, 1, 1)})
    assert _status(world) == ImplementationStatus.TRANSFERRED


def test_update_follows_the_status_and_audits_the_change(world):
    patent = world.patents["bj_moe_private"]
    conversion = record_conversion(world.user(ADMIN), patent, licence())
    update_conversion(world.user(ADMIN), conversion, {"industrialised": True, "product_filing_number": "CP20240077",
                                                      "amount": Decimal("80")})
    assert _status(world) == ImplementationStatus.INDUSTRIALISED
    event = AuditEvent.objects.get(action="conversion.update", target_id=str(conversion.pk))
    # Which fields changed, not their values.
    assert set(event.after) == {"industrialised", "product_filing_number", "amount"} == set(event.before)
    assert set(event.after.values()) == {WITHHELD}


def test_delete_is_audited_and_leaves_the_status(world):
    patent = world.patents["bj_moe_private"]
    conversion = record_conversion(world.user(ADMIN), patent, licence())
    pk = conversion.pk
    delete_conversion(world.user(ADMIN), conversion)
    assert not Conversion.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.get(action="conversion.delete", target_id=str(pk)).before["counterparty"] == WITHHELD
    assert _status(world) == ImplementationStatus.LICENSED


# --- exclusive licences and open licences ---------------------------------------------------------------

def _declare(world, key="bj_moe_private"):
    today = timezone.localdate()
    return OpenLicenseDeclaration.objects.create(
        patent=world.patents[key], institution=world.orgs["inst_bj_moe"], fee_standard="一次性 3 万元",
        payment_mode=PaymentMode.LUMP_SUM, term_start=today, term_end=today + timedelta(days=400))


@pytest.mark.parametrize("licence_type", [LicenseType.EXCLUSIVE, LicenseType.SOLE])
def test_no_exclusive_or_sole_licence_while_an_open_licence_stands(world, licence_type):
    _declare(world)
    errors = errors_of(world, licence(license_type=licence_type))
    assert "开放许可" in errors["license_type"]
    # An ordinary licence is still possible.
    assert record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], licence()).pk


def test_an_exclusive_licence_after_the_declaration_is_withdrawn(world):
    declaration = _declare(world)
    declaration.withdrawn_at = timezone.now()
    declaration.save()
    assert record_conversion(world.user(ADMIN), world.patents["bj_moe_private"],
                             licence(license_type=LicenseType.EXCLUSIVE)).pk


def test_an_exclusive_licence_in_force_bars_licensing_others(world):
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"],
                      licence(license_type=LicenseType.EXCLUSIVE, license_end_date=date(2030, 1, 1)))
    errors = errors_of(world, licence(counterparty="另一家公司", registration_number="2024990000777",
                                      counterparty_credit_code="", effective_date=date(2025, 1, 1),
                                      registration_date=date(2025, 2, 1)))
    assert "江南智能装备有限公司" in errors["license_type"]


def test_a_licence_under_an_open_licence_needs_a_declaration(world):
    errors = errors_of(world, licence(license_type=LicenseType.OPEN, effective_date=timezone.localdate(),
                                      registration_date=None, registration_number=""))
    assert "开放许可声明" in errors["license_type"]
    _declare(world)
    assert record_conversion(world.user(ADMIN), world.patents["bj_moe_private"],
                             licence(license_type=LicenseType.OPEN, effective_date=timezone.localdate(),
                                     registration_date=None, registration_number="")).pk


# --- pages and API -----------------------------------------------------------------------------------------

def _form(world, **extra) -> dict:
    data = {"patent_number": world.patents["bj_moe_private"].application_number, "kind": "license",
            "license_type": "ordinary", "counterparty": "江南智能装备有限公司", "amount": "50",
            "payment_mode": "lump_sum", "effective_date": "2024-01-10", "registration_number": "2024990000555",
            "registration_date": "2024-03-01"}
    return {**data, **extra}


def test_the_form_records_a_conversion(world, login):
    client = login(world.user(ADMIN))
    assert client.get(reverse("inventory:conversion_new") + f"?patent={world.patents['bj_moe_private'].pk}"
                      ).status_code == 200
    response = client.post(reverse("inventory:conversion_new"), _form(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Conversion.objects.filter(patent=world.patents["bj_moe_private"],
                                     counterparty="江南智能装备有限公司").exists()
    assert _status(world) == ImplementationStatus.LICENSED


def test_the_form_shows_the_services_message(world, login):
    client = login(world.user(ADMIN))
    response = client.post(reverse("inventory:conversion_new"), _form(world, license_type=""))
    assert response.status_code == 200
    assert "许可须填写许可方式" in response.content.decode()


def test_the_form_refuses_another_institutions_patent(world, login):
    client = login(world.user(ADMIN))
    response = client.post(reverse("inventory:conversion_new"),
                           _form(world, patent_number=world.patents["gd_private"].application_number))
    assert response.status_code == 200
    assert "不是本单位" in response.content.decode()
    assert not Conversion.objects.filter(counterparty="江南智能装备有限公司").exists()


def test_the_list_shows_totals_by_kind(world, login):
    client = login(world.user(ADMIN))
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], licence())
    response = client.get(reverse("inventory:conversion_list"), {"kind": "license"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "江南智能装备有限公司" in text and "华北精密仪器制造有限公司" in text
    assert response.context["totals"]["license"]["count"] == 2
    assert response.context["totals"]["license"]["amount"] == Decimal("170")
    assert "岭南生物医药有限公司" not in text  # another institution's


def test_the_list_filters_by_year(world, login):
    client = login(world.user(ADMIN))
    response = client.get(reverse("inventory:conversion_list"), {"year": "2023"})
    names = {c.counterparty for c in response.context["conversions"]}
    assert "华北精密仪器制造有限公司" not in names


def test_edit_and_delete_pages(world, login):
    client = login(world.user(ADMIN))
    conversion = Conversion.objects.get(patent=world.patents["bj_moe_library"])
    data = _form(world, patent_number=world.patents["bj_moe_library"].application_number,
                 counterparty="华北精密仪器制造有限公司", registration_number="2024990000123",
                 effective_date="2024-03-01", registration_date="2024-04-15", amount="150",
                 license_end_date="2027-02-28")
    response = client.post(reverse("inventory:conversion_edit", args=[conversion.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    conversion.refresh_from_db()
    assert conversion.amount == Decimal("150")
    response = client.post(reverse("inventory:conversion_delete", args=[conversion.pk]))
    assert response.status_code == 302
    assert not Conversion.objects.filter(pk=conversion.pk).exists()


def test_api_records_and_lists_conversions(world, login):
    client = login(world.user(ADMIN))
    payload = {"patent": world.patents["bj_moe_private"].pk, "kind": "license", "license_type": "ordinary",
               "counterparty": "江南智能装备有限公司", "amount": "50", "payment_mode": "lump_sum",
               "effective_date": "2024-01-10"}
    response = client.post("/api/v1/conversions/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["application_number"] == world.patents["bj_moe_private"].application_number
    bad = client.post("/api/v1/conversions/", {**payload, "license_type": ""}, content_type="application/json")
    assert bad.status_code == 400 and "许可方式" in bad.content.decode()
    pk = response.json()["id"]
    patched = client.patch(f"/api/v1/conversions/{pk}/", {"amount": "60"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["amount"] == "60.00"
    assert client.delete(f"/api/v1/conversions/{pk}/").status_code == 204
    other = login(world.user("inst_gd_local_admin"))
    denied = other.post("/api/v1/conversions/", payload, content_type="application/json")
    assert denied.status_code in (400, 403, 404)
    assert not Conversion.objects.filter(counterparty="江南智能装备有限公司").exists()


def test_a_record_with_an_incomplete_assessment_still_follows(world):
    """bj_moe_library is screened in without an intent (a rule the assessment service enforces) and
    flagged in the library while still a draft: recording a conversion writes the status alone, with
    its history, and leaves the library flag and the review state as they were."""
    patent = world.patents["bj_moe_library"]
    record = patent.inventory
    before = (record.in_library, record.review_state, record.screening)
    record_conversion(world.user(ADMIN), patent, {"kind": ConversionKind.SELF, "effective_date": date(2025, 1, 1),
                                                  "industrialised": True})
    record.refresh_from_db()
    assert record.implementation_status == ImplementationStatus.INDUSTRIALISED
    assert (record.in_library, record.review_state, record.screening) == before
    change = InventoryChange.objects.filter(record=record).latest("id")
    assert change.changes == {"implementation_status": ["", ImplementationStatus.INDUSTRIALISED]}
    assert AuditEvent.objects.filter(action="inventory.assessment_update", target_id=str(record.pk)).exists()
