"""Open-licence declarations: the rules of Patent Law Art. 50–52 (DOMAIN.md), withdrawal, scope,
audit, and the page and API that use the service."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.audit import WITHHELD
from accounts.models import AuditEvent
from inventory.choices import ConversionKind, LegalStatus, LicenseType, PatentType, PaymentMode
from inventory.conversions.open_licences import (
    OpenLicenceError,
    declare_open_licence,
    fee_warnings,
    withdraw_open_licence,
)
from inventory.conversions.services import record_conversion
from inventory.models import Conversion, InventoryRecord, OpenLicenseDeclaration, Patent

ADMIN = "inst_bj_moe_admin"
TODAY = timezone.localdate()


def terms(**extra) -> dict:
    values = {"fee_standard": "一次性支付 10 万元", "payment_mode": PaymentMode.LUMP_SUM, "term_start": TODAY,
              "term_end": TODAY + timedelta(days=730), "evaluation_report_number": ""}
    return {**values, **extra}


def errors_of(world, data, key="bj_moe_private") -> dict:
    with pytest.raises(OpenLicenceError) as caught:
        declare_open_licence(world.user(ADMIN), world.patents[key], data)
    return caught.value.errors


def test_a_declaration_is_recorded_and_audited(world):
    declaration, warnings = declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms())
    assert declaration.institution == world.orgs["inst_bj_moe"] and declaration.withdrawn_at is None
    assert warnings == []
    event = AuditEvent.objects.get(action="open_licence.declare", target_id=str(declaration.pk))
    assert event.after["fee_standard"] == WITHHELD and "10 万元" not in str(event.after)


def test_the_inventory_record_is_left_as_it_is(world):
    record = world.patents["bj_moe_private"].inventory
    declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms())
    assert InventoryRecord.objects.get(pk=record.pk).license_type == record.license_type


@pytest.mark.parametrize(("data", "field", "fragment"), [
    (terms(fee_standard=" "), "fee_standard", "许可使用费标准"),
    (terms(payment_mode=PaymentMode.INSTALMENTS), "payment_mode", "一次性、提成或入门费加提成"),
    (terms(payment_mode=""), "payment_mode", "支付方式"),
    (terms(term_end=TODAY + timedelta(days=300)), "term_end", "至少一年"),
    (terms(term_start=TODAY - timedelta(days=5)), "term_start", "早于今天"),
    (terms(term_end=date(2039, 3, 1)), "term_end", "期限届满日 2039-02-28"),
    (terms(term_start=None), "term_start", "起始日"),
    (terms(evaluation_report_number="报告"), "evaluation_report_number", "不像有效的编号"),
])
def test_rules_refuse_with_a_message(world, data, field, fragment):
    errors = errors_of(world, data)
    assert fragment in errors[field], errors
    assert not OpenLicenseDeclaration.objects.filter(patent=world.patents["bj_moe_private"]).exists()


def test_a_term_of_exactly_one_year_and_up_to_expiry_is_accepted(world):
    start = TODAY
    one_year = start.replace(year=start.year + 1) - timedelta(days=1) if not (start.month == 2 and start.day == 29) \
        else date(start.year + 1, 2, 27)
    declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms(term_end=one_year))
    OpenLicenseDeclaration.objects.update(withdrawn_at=timezone.now())
    declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms(term_end=date(2039, 2, 28)))


@pytest.mark.parametrize("patent_type", [PatentType.UTILITY_MODEL, PatentType.DESIGN])
def test_utility_models_and_designs_need_an_evaluation_report(world, patent_type):
    Patent.objects.filter(pk=world.patents["bj_moe_private"].pk).update(patent_type=patent_type)
    errors = errors_of(world, terms(term_end=TODAY + timedelta(days=400)))
    assert "专利权评价报告" in errors["evaluation_report_number"]
    declaration, _ = declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"],
                                          terms(term_end=TODAY + timedelta(days=400),
                                                evaluation_report_number="2024SR0012345"))
    assert declaration.evaluation_report_number == "2024SR0012345"


def test_a_utility_models_term_ends_ten_years_after_filing(world):
    Patent.objects.filter(pk=world.patents["bj_moe_private"].pk).update(patent_type=PatentType.UTILITY_MODEL)
    # Filed 2019-03-01: protected to 2029-02-28.
    errors = errors_of(world, terms(term_end=date(2029, 3, 1), evaluation_report_number="2024SR0012345"))
    assert "2029-02-28" in errors["term_end"]


def test_an_invalid_patent_cannot_be_declared(world):
    Patent.objects.filter(pk=world.patents["bj_moe_private"].pk).update(legal_status=LegalStatus.INVALID)
    assert "失效" in errors_of(world, terms())[""]


def test_one_standing_declaration_per_patent(world):
    declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms())
    assert "尚未撤回" in errors_of(world, terms())[""]


@pytest.mark.parametrize("licence_type", [LicenseType.EXCLUSIVE, LicenseType.SOLE])
def test_barred_while_an_exclusive_or_sole_licence_is_in_force(world, licence_type):
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], {
        "kind": ConversionKind.LICENSE, "license_type": licence_type, "counterparty": "江南智能装备有限公司",
        "effective_date": date(2024, 1, 1), "license_end_date": TODAY + timedelta(days=30)})
    assert "江南智能装备有限公司" in errors_of(world, terms())[""]


def test_an_expired_exclusive_licence_no_longer_bars(world):
    record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], {
        "kind": ConversionKind.LICENSE, "license_type": LicenseType.EXCLUSIVE, "counterparty": "江南智能装备有限公司",
        "effective_date": date(2022, 1, 1), "license_end_date": date(2023, 12, 31)})
    declaration, _ = declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms())
    assert declaration.pk


def test_an_exclusive_licence_without_end_date_bars(world):
    Conversion.objects.create(patent=world.patents["bj_moe_private"], institution=world.orgs["inst_bj_moe"],
                              kind=ConversionKind.LICENSE, license_type=LicenseType.EXCLUSIVE,
                              counterparty="江南智能装备有限公司", effective_date=date(2020, 1, 1))
    assert "独占许可" in errors_of(world, terms())[""]


def test_fee_guidance_warns_but_does_not_refuse(world):
    assert fee_warnings("净销售额的 25%") and "20%" in fee_warnings("净销售额的 25%")[0]
    assert fee_warnings("净销售额的 3%") == []
    assert fee_warnings("利润的 30%") == []
    assert fee_warnings("利润的 45%")
    assert fee_warnings("一次性支付 2500 万元") and fee_warnings("一次性支付 1 亿元")
    declaration, warnings = declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"],
                                                 terms(fee_standard="入门费 10 万元加净销售额的 25%",
                                                       payment_mode=PaymentMode.ENTRY_FEE_ROYALTY))
    assert declaration.pk and warnings


@pytest.mark.parametrize(("user", "key"), [
    ("inst_gd_local_admin", "co_owned"), ("operator", "bj_moe_private"), ("prov_bj_admin", "bj_moe_private"),
    ("ent_gd_admin", "bj_moe_library"), ("inst_bj_moe_dept_admin", "bj_moe_library"),
])
def test_only_the_first_institution_patentee_declares(world, user, key):
    with pytest.raises(PermissionDenied):
        declare_open_licence(world.user(user), world.patents[key], terms())


def test_withdrawal(world):
    declaration, _ = declare_open_licence(world.user(ADMIN), world.patents["bj_moe_private"], terms())
    with pytest.raises(PermissionDenied):
        withdraw_open_licence(world.user("operator"), declaration)
    withdraw_open_licence(world.user(ADMIN), declaration)
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="open_licence.withdraw", target_id=str(declaration.pk)).exists()
    with pytest.raises(OpenLicenceError):
        withdraw_open_licence(world.user(ADMIN), declaration)
    # A licence granted under it stands, and a new exclusive licence is possible again.
    assert record_conversion(world.user(ADMIN), world.patents["bj_moe_private"], {
        "kind": ConversionKind.LICENSE, "license_type": LicenseType.EXCLUSIVE, "counterparty": "江南智能装备有限公司",
        "effective_date": TODAY}).pk


def test_standing_declarations_are_public_withdrawn_ones_are_not(world):
    standing = OpenLicenseDeclaration.objects.get(patent=world.patents["gd_library"])
    withdrawn = OpenLicenseDeclaration.objects.get(patent=world.patents["bj_moe_library"])
    for user in ("ent_gd_admin", "inst_bj_local_admin", "sasac_admin"):
        visible = OpenLicenseDeclaration.objects.visible_to(world.user(user))
        assert visible.filter(pk=standing.pk).exists()
        assert not visible.filter(pk=withdrawn.pk).exists()
    assert OpenLicenseDeclaration.objects.visible_to(world.user(ADMIN)).filter(pk=withdrawn.pk).exists()
    assert not OpenLicenseDeclaration.objects.visible_to(world.user("expert")).exists()


def test_the_page_declares_and_withdraws(world, login):
    client = login(world.user(ADMIN))
    url = reverse("inventory:open_licence_new")
    assert client.get(url, {"patent": world.patents["bj_moe_private"].pk}).status_code == 200
    assert client.get(url, {"patent": world.patents["gd_private"].pk}).status_code == 404
    data = {"patent_number": world.patents["bj_moe_private"].application_number, "fee_standard": "一次性支付 10 万元",
            "payment_mode": "lump_sum", "term_start": TODAY.isoformat(),
            "term_end": (TODAY + timedelta(days=200)).isoformat()}
    response = client.post(url, data)
    assert response.status_code == 200 and "至少一年" in response.content.decode()
    response = client.post(url, {**data, "term_end": (TODAY + timedelta(days=800)).isoformat()})
    assert response.status_code == 302
    declaration = OpenLicenseDeclaration.objects.get(patent=world.patents["bj_moe_private"])
    assert client.post(reverse("inventory:open_licence_withdraw", args=[declaration.pk])).status_code == 302
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is not None


def test_api_declares_lists_and_withdraws(world, login):
    client = login(world.user(ADMIN))
    payload = {"patent": world.patents["bj_moe_private"].pk, "fee_standard": "净销售额的 25%",
               "payment_mode": "royalty", "term_start": TODAY.isoformat(),
               "term_end": (TODAY + timedelta(days=800)).isoformat()}
    response = client.post("/api/v1/open-licences/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["warnings"]
    again = client.post("/api/v1/open-licences/", payload, content_type="application/json")
    assert again.status_code == 400 and "尚未撤回" in again.content.decode()
    pk = response.json()["id"]
    enterprise = login(world.user("ent_gd_admin"))
    listed = {item["id"] for item in enterprise.get("/api/v1/open-licences/").json()["results"]}
    assert pk not in listed  # bj_moe_private is not in the library: enterprises do not see the patent
    client = login(world.user(ADMIN))
    assert client.post(f"/api/v1/open-licences/{pk}/withdraw/").status_code == 200
    assert client.post(f"/api/v1/open-licences/{pk}/withdraw/").status_code == 409
