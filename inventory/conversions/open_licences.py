"""Open-licence declarations (开放许可, Patent Law Art. 50–52; DOMAIN.md "Open licensing").

    declaration, warnings = declare_open_licence(actor, patent, {"fee_standard": ..., "payment_mode": ...,
                                                                 "term_start": ..., "term_end": ...})
    withdraw_open_licence(actor, declaration)

The declaration is its own record: the inventory record's 许可方式 is the institution's reviewed
assessment of how it would license, so declaring does not rewrite it (that would bypass review).
The library card and the statistics read the standing declaration from here.
"""

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from inventory.choices import LegalStatus, PatentType, PaymentMode
from inventory.conversions.services import (
    PatentFacts,
    add_years,
    exclusive_licence_in_force,
    load_facts,
    loose_number_error,
    patent_expiry,
    standing_open_licence,
)
from inventory.models import OpenLicenseDeclaration, Patent
from inventory.records import jsonable

FIELDS = ("fee_standard", "payment_mode", "term_start", "term_end", "evaluation_report_number")
# Payment of an open licence: lump sum, royalty, or entry fee plus royalty (no instalments).
OPEN_PAYMENT_MODES = frozenset({PaymentMode.LUMP_SUM, PaymentMode.ROYALTY, PaymentMode.ENTRY_FEE_ROYALTY})
# Guidance of the national office: fixed fees usually ≤ 2,000万元, royalties ≤ 20% of net sales or ≤ 40% of profit.
MAX_FIXED_FEE = Decimal(2000)
MAX_SALES_ROYALTY = Decimal(20)
MAX_PROFIT_ROYALTY = Decimal(40)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万元")
_YI = re.compile(r"(\d+(?:\.\d+)?)\s*亿元")


class OpenLicenceError(Exception):
    """The declaration breaks a rule; `errors` maps a field ("" for the whole) to its Chinese message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def fee_warnings(fee_standard: str) -> list[str]:
    """Warnings (not refusals) where the fee standard's figures exceed the office's guidance."""
    found = []
    text = fee_standard or ""
    for match in _PERCENT.finditer(text):
        rate = Decimal(match.group(1))
        before = text[max(0, match.start() - 12):match.start()]
        if "利润" in before and rate > MAX_PROFIT_ROYALTY:
            found.append(_("提成比例 %(rate)s%% 高于指导标准(不超过利润的 40%%)") % {"rate": rate})
        elif "利润" not in before and rate > MAX_SALES_ROYALTY:
            found.append(_("提成比例 %(rate)s%% 高于指导标准(不超过净销售额的 20%%)") % {"rate": rate})
    amounts = [Decimal(m.group(1)) for m in _WAN.finditer(text)]
    amounts += [Decimal(m.group(1)) * 10000 for m in _YI.finditer(text)]
    if any(amount > MAX_FIXED_FEE for amount in amounts):
        found.append(_("固定费用高于指导标准(一般不超过 2000 万元)"))
    return found


def declaration_errors(values: Mapping[str, object], facts: PatentFacts, *, today: dt.date | None = None) -> dict:
    """The rules an open-licence declaration breaks: field ("" for the patent as a whole) → message."""
    today = today or timezone.localdate()
    patent = facts.patent
    errors: dict[str, str] = {}
    if message := _patent_error(facts, today):
        errors[""] = message
    if not str(values.get("fee_standard") or "").strip():
        errors["fee_standard"] = _("请填写许可使用费标准(如 一次性支付 10 万元,或 净销售额的 3%)")
    payment = values.get("payment_mode") or ""
    if payment not in OPEN_PAYMENT_MODES:
        errors["payment_mode"] = _("开放许可的支付方式只能是一次性、提成或入门费加提成")
    report = str(values.get("evaluation_report_number") or "").strip()
    if patent.patent_type in (PatentType.UTILITY_MODEL, PatentType.DESIGN) and not report:
        errors["evaluation_report_number"] = _("实用新型和外观设计专利声明开放许可须提供专利权评价报告编号")
    elif problem := loose_number_error(report):
        errors["evaluation_report_number"] = problem
    errors.update(_term_errors(values.get("term_start"), values.get("term_end"), patent, today))
    return errors


def _patent_error(facts: PatentFacts, today: dt.date) -> str | None:
    """Why the patent itself cannot be declared open (the last reason found wins), or None."""
    error = None
    if facts.patent.legal_status != LegalStatus.VALID:
        error = _("专利已失效,不能声明开放许可")
    if standing_open_licence(facts) is not None:
        error = _("该专利已有尚未撤回的开放许可声明")
    running = exclusive_licence_in_force(facts, today)
    if running is not None:
        error = _("该专利对“%(party)s”的%(type)s尚在期限内,不能声明开放许可") % {
            "party": running.counterparty, "type": running.get_license_type_display()}
    return error


def _term_errors(start: dt.date | None, end: dt.date | None, patent: Patent, today: dt.date) -> dict[str, str]:
    """The licence term's errors: both dates given, starting today or later, at least a year long,
    ending no later than the patent's expiry."""
    errors: dict[str, str] = {}
    if start is None:
        errors["term_start"] = _("请填写许可期限起始日")
    if end is None:
        errors["term_end"] = _("请填写许可期限终止日")
    if start is not None and start < today:
        errors["term_start"] = _("许可期限起始日 %(date)s 早于今天") % {"date": start}
    if start is not None and end is not None:
        if end < add_years(start, 1) - dt.timedelta(days=1):
            errors["term_end"] = _("许可期限至少一年(%(start)s 起,至少到 %(min)s)") % {
                "start": start, "min": add_years(start, 1) - dt.timedelta(days=1)}
        expiry = patent_expiry(patent)
        if end > expiry:
            errors["term_end"] = _("许可期限终止日 %(date)s 超过专利权期限届满日 %(expiry)s") % {
                "date": end, "expiry": expiry}
    return errors


def _snapshot(declaration: OpenLicenseDeclaration) -> dict:
    return {name: jsonable(getattr(declaration, name)) for name in (*FIELDS, "withdrawn_at")}


def declare_open_licence(actor, patent: Patent, data: Mapping[str, object], *, request=None,
                         today: dt.date | None = None) -> tuple[OpenLicenseDeclaration, list[str]]:
    """Declare an open licence of a patent the actor may edit. Returns the declaration and the
    guidance warnings of its fee standard; OpenLicenceError, writing nothing, on a broken rule."""
    patent = (Patent.objects.editable_by(actor, "record_conversion").filter(pk=patent.pk)
                .select_related("inventory").first())
    if patent is None:
        raise PermissionDenied
    values = {name: data.get(name) for name in FIELDS}
    values["fee_standard"] = str(values["fee_standard"] or "").strip()
    values["evaluation_report_number"] = str(values["evaluation_report_number"] or "").strip().replace(" ", "")
    values["payment_mode"] = values["payment_mode"] or ""
    with transaction.atomic():
        Patent.objects.select_for_update().filter(pk=patent.pk).first()  # one writer per patent at a time
        errors = declaration_errors(values, load_facts([patent.pk])[patent.pk], today=today)
        if errors:
            raise OpenLicenceError(errors)
        try:
            with transaction.atomic():
                declaration = OpenLicenseDeclaration.objects.create(
                    patent=patent, institution_id=patent.inventory.institution_id, declared_by=actor, **values)
        except IntegrityError:  # a declaration made at the same moment by someone else
            raise OpenLicenceError({"": _("该专利已有尚未撤回的开放许可声明")}) from None
        audit("open_licence.declare", actor=actor, request=request, target=declaration,
              organization=declaration.institution, after=_snapshot(declaration))
    return declaration, fee_warnings(values["fee_standard"])


def withdraw_open_licence(actor, declaration: OpenLicenseDeclaration, *, request=None) -> OpenLicenseDeclaration:
    """Withdraw a standing declaration (licences already granted under it are not affected)."""
    if not OpenLicenseDeclaration.objects.editable_by(actor).filter(pk=declaration.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        declaration = OpenLicenseDeclaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.withdrawn_at is not None:
            raise OpenLicenceError({"": _("该开放许可声明已于 %(date)s 撤回") % {
                "date": timezone.localtime(declaration.withdrawn_at).strftime("%Y-%m-%d")}})
        before = _snapshot(declaration)
        declaration.withdrawn_at = timezone.now()
        declaration.save(update_fields=["withdrawn_at"])
        audit("open_licence.withdraw", actor=actor, request=request, target=declaration,
              organization=declaration.institution, before=before, after=_snapshot(declaration))
    return declaration
