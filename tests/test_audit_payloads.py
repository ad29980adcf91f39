"""The audit administrator reads references, not business data (三员分立): the audit log page
and its export show which business object changed and which fields, never the counterparty, the
amount, the fee terms, the price, the remarks, a phone or an e-mail; those stay with the object and
its own history, for those who see the object. Account events keep what the administrators need,
with phones and e-mails masked."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
from django.urls import reverse
from django.utils import timezone

from accounts.audit import WITHHELD, record
from accounts.audit_labels import ACTIONS
from accounts.models import AuditEvent
from ground.privacy import mask_text as mask_personal
from inventory.choices import ConversionKind, LicenseType, PaymentMode
from inventory.conversions.open_licences import declare_open_licence, withdraw_open_licence
from inventory.conversions.services import delete_conversion, record_conversion, update_conversion
from inventory.models import InventoryChange
from inventory.records.assessment import update_assessment

ADMIN = "inst_bj_moe_admin"
# What the world's business events carry, and the auditor must not read.
COUNTERPARTY = "江南智能装备有限公司"
COUNTERPARTY_CODE = "91350100M000100Y43"
AMOUNTS = ("4321.5", "8765.25")
FEE = "净销售额的 3.75%"
PHONE, EMAIL = "13912345678", "li.laoshi@example.edu.cn"
REMARK, PRICE = "仅供内部审议的底价说明", "66.6"
SECRETS = (COUNTERPARTY, COUNTERPARTY_CODE, *AMOUNTS, FEE, PHONE, EMAIL, REMARK, PRICE)


def _business_events(world) -> None:
    admin, patent = world.user(ADMIN), world.patents["bj_moe_private"]
    conversion = record_conversion(admin, patent, {
        "kind": ConversionKind.LICENSE, "license_type": LicenseType.ORDINARY, "counterparty": COUNTERPARTY,
        "counterparty_credit_code": COUNTERPARTY_CODE, "amount": Decimal(AMOUNTS[0]),
        "payment_mode": PaymentMode.LUMP_SUM, "effective_date": date(2024, 1, 10),
        "registration_number": "2024990000555", "registration_date": date(2024, 3, 1),
    })
    update_conversion(admin, conversion, {"amount": Decimal(AMOUNTS[1])})
    delete_conversion(admin, conversion)
    today = timezone.localdate()
    declaration, _ = declare_open_licence(admin, world.patents["bj_moe_library"], {
        "fee_standard": FEE, "payment_mode": PaymentMode.ROYALTY, "term_start": today,
        "term_end": today + timedelta(days=730), "evaluation_report_number": ""})
    withdraw_open_licence(admin, declaration)
    update_assessment(actor=admin, record=patent.inventory, values={
        "contact_phone": PHONE, "contact_email": EMAIL, "remarks": REMARK, "asking_price": Decimal(PRICE)})
    # An account event with personal data in it: kept, masked.
    record("account.create", actor=world.user("sysadmin"), target=world.user(ADMIN),
           after={"username": ADMIN, "phone": PHONE, "email": EMAIL})


def test_the_auditor_reads_references_not_business_values(world, client):
    _business_events(world)
    client.force_login(world.user("auditor"))
    page = client.get(reverse("accounts:audit_log")).content.decode()
    response = client.get(reverse("accounts:audit_export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    export = "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    stored = str(list(AuditEvent.objects.values_list("action", "before", "after", "detail")))
    actions = ("conversion.create", "conversion.update", "open_licence.declare", "inventory.assessment_update")
    for where, text in (("audit page", page), ("audit export", export), ("stored events", stored)):
        for action in actions:
            # The page and the export name the action; the event keeps its code.
            assert (action if where == "stored events" else str(ACTIONS[action])) in text, (where, action)
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, (where, leaked)
    # What the auditor does read: the object, the fields changed, the account's name, masked contacts.
    event = next(e for e in AuditEvent.objects.filter(action="inventory.assessment_update") if "remarks" in e.after)
    assert event.target_type == "inventory.inventoryrecord" and event.target_id == str(world.patents[
        "bj_moe_private"].inventory.pk)
    assert {"contact_phone", "contact_email", "remarks", "asking_price"} <= set(event.after)
    assert event.after["remarks"] == WITHHELD
    account = AuditEvent.objects.get(action="account.create", actor=world.user("sysadmin"))
    assert account.after == {"username": ADMIN, "phone": "139****5678", "email": "l***@example.edu.cn"}
    assert export.count("139****5678") == 1


def test_the_business_history_stays_with_the_record(world, login):
    _business_events(world)
    record = world.patents["bj_moe_private"].inventory
    change = InventoryChange.objects.filter(record=record).latest("pk")
    assert change.changes["contact_phone"][1] == PHONE and change.changes["remarks"][1] == REMARK
    history = login(world.user(ADMIN)).get(reverse("inventory:patent_history", args=[record.patent_id]))
    assert history.status_code == 200 and REMARK in history.content.decode()


def test_masking():
    assert mask_personal("电话 13800138000,邮箱 zhang@example.edu.cn") == "电话 138****8000,邮箱 z***@example.edu.cn"
    assert mask_personal("010-62751234") == "010-****1234"
    # Not phones: a credit code, an application number, a digest, an address.
    for text in ("91110000600037341L", "2019100000014", "0a13800138000b" * 3, "10.0.0.2"):
        assert mask_personal(text) == text
