"""Recording conversions (转化实施情况): transfers, licences, equity, own implementation and the
product filing of an industrialisation.

    conversion = record_conversion(actor, patent, {"kind": "license", "license_type": "ordinary", ...})
    update_conversion(actor, conversion, {...});  delete_conversion(actor, conversion)

The rules are plain functions over the patent's facts (its conversions and open licences, loaded
once for many patents by `load_facts`), so that the forms, the API and the standard-format import
(inventory.conversions.importer) apply the same ones without a query per row. Each write is audited
with its before and after, and keeps the patent's implementation status (实施状态) in step through
`inventory.records.assessment.update_assessment`, so the change lands in the record's history.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.identifiers import normalize_credit_code
from inventory.choices import (
    EXCLUSIVE_LICENCES,
    ConversionKind,
    ImplementationStatus,
    LicenseType,
    PatentType,
    PaymentMode,
)
from inventory.models import Conversion, InventoryChange, InventoryRecord, OpenLicenseDeclaration, Patent
from inventory.records import assessment_errors, history, jsonable, review, update_assessment

FIELDS = (
    "kind", "license_type", "counterparty", "counterparty_credit_code", "amount", "payment_mode",
    "effective_date", "registration_number", "registration_date", "license_end_date", "industrialised",
    "product_filing_number", "product_filing_date",
)
# Kinds with another party, who must be named.
WITH_COUNTERPARTY = frozenset({ConversionKind.TRANSFER, ConversionKind.LICENSE, ConversionKind.EQUITY})
# The implementation status each kind of conversion means (DATA-STANDARD.md §3 实施状态).
STATUS_OF_KIND = {
    ConversionKind.SELF: ImplementationStatus.SELF,
    ConversionKind.LICENSE: ImplementationStatus.LICENSED,
    ConversionKind.TRANSFER: ImplementationStatus.TRANSFERRED,
    ConversionKind.EQUITY: ImplementationStatus.EQUITY,
}
MAX_AMOUNT = Decimal("999999999999.99")  # max_digits=14, decimal_places=2
# Registration, filing and report numbers vary by year and office: checked loosely, letters,
# digits and the usual separators, with at least four digits.
_LOOSE_NUMBER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-_/.()()]{4,64}$")
# A licence contract is filed within three months of taking effect (DOMAIN.md).
FILING_PERIOD_DAYS = 92


class ConversionError(Exception):
    """The conversion breaks a rule; `errors` maps a field ("" for the whole) to its Chinese message."""
    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


@dataclass
class PatentFacts:
    """What the rules need to know of one patent besides the values being checked."""
    patent: Patent
    conversions: list[Conversion] = field(default_factory=list)
    open_licences: list[OpenLicenseDeclaration] = field(default_factory=list)


def load_facts(patent_ids: Iterable[int]) -> dict[int, PatentFacts]:
    """The facts of many patents in three queries."""
    ids = list(set(patent_ids))
    facts = {p.pk: PatentFacts(p) for p in Patent.objects.filter(pk__in=ids).select_related("inventory")}
    for conversion in Conversion.objects.filter(patent_id__in=ids).order_by("pk"):
        facts[conversion.patent_id].conversions.append(conversion)
    for declaration in OpenLicenseDeclaration.objects.filter(patent_id__in=ids).order_by("pk"):
        facts[declaration.patent_id].open_licences.append(declaration)
    return facts


# --- dates of a patent ------------------------------------------------------------------------------

def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# Designs filed from 2021-06-01 (the fourth amendment of the Patent Law) are protected 15 years, earlier ones 10.
DESIGN_15_YEARS_FROM = dt.date(2021, 6, 1)


def patent_expiry(patent: Patent) -> dt.date:
    """The last day of protection, counted from the application date: invention 20 years,
    utility model 10, design 15 (10 if filed before 2021-06-01). Term extensions are not modelled."""
    if patent.patent_type == PatentType.INVENTION:
        years = 20
    elif patent.patent_type == PatentType.DESIGN:
        years = 15 if patent.application_date >= DESIGN_15_YEARS_FROM else 10
    else:
        years = 10
    return add_years(patent.application_date, years) - dt.timedelta(days=1)


def exclusive_licence_in_force(facts: PatentFacts, on: dt.date, *, exclude_pk: int | None = None) -> Conversion | None:
    """An exclusive (独占) or sole (排他) licence of the patent still running on `on`."""
    for conversion in facts.conversions:
        if (exclude_pk is not None and conversion.pk == exclude_pk) or conversion.kind != ConversionKind.LICENSE:
            continue
        if conversion.license_type in EXCLUSIVE_LICENCES and (
            conversion.license_end_date is None or conversion.license_end_date >= on
        ):
            return conversion
    return None


def standing_open_licence(facts: PatentFacts) -> OpenLicenseDeclaration | None:
    return next((d for d in facts.open_licences if d.withdrawn_at is None), None)


# --- the rules ---------------------------------------------------------------------------------------

def clean_number(value: object) -> str:
    return str(value or "").strip().replace(" ", "")


def loose_number_error(value: str) -> str | None:
    """The reason a registration / filing / report number is not plausible, or None."""
    if not value:
        return None
    if not _LOOSE_NUMBER.match(value) or sum(ch.isdigit() for ch in value) < 4:
        return _("“%(value)s”不像有效的编号:应由字母、数字和 - / . 组成,至少含 4 位数字") % {"value": value}
    return None


def row_errors(values: Mapping[str, object], *, today: dt.date | None = None) -> dict[str, str]:
    """The rules one conversion can be checked by on its own: {field: message}, the first
    message found for a field kept."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, str(message))

    kind = values.get("kind")
    if kind not in ConversionKind.values:
        error("kind", _("请选择转化方式:转让、许可、作价入股或自行实施"))
        return errors
    _licence_type_errors(kind, values.get("license_type") or "", error)
    _counterparty_errors(values, kind, error)
    _payment_errors(values, kind, error)
    _registration_errors(values, kind, today, error)
    _licence_end_errors(values, kind, error)
    _product_filing_errors(values, today, error)
    return errors


def _licence_type_errors(kind: str, license_type: str, error) -> None:
    """A licence names its type; nothing else does."""
    if kind == ConversionKind.LICENSE and not license_type:
        error("license_type", _("许可须填写许可方式(普通许可、排他许可、独占许可或开放许可)"))
    if kind != ConversionKind.LICENSE and license_type:
        error("license_type", _("只有“许可”填写许可方式"))
    if license_type and license_type not in LicenseType.values:
        error("license_type", _("“%(value)s”不是可选的许可方式") % {"value": license_type})


def _counterparty_errors(values: Mapping[str, object], kind: str, error) -> None:
    """A transfer, licence or equity names its counterparty; a credit code is valid and comes with a name."""
    if kind in WITH_COUNTERPARTY and not values.get("counterparty"):
        error("counterparty", _("%(kind)s须填写受让方或被许可方") % {"kind": ConversionKind(kind).label})
    code = values.get("counterparty_credit_code") or ""
    if code:
        try:
            normalize_credit_code(code)
        except ValidationError as problem:
            error("counterparty_credit_code", problem.messages[0])
        if not values.get("counterparty"):
            error("counterparty", _("填写了统一社会信用代码时须填写受让方或被许可方名称"))


def _payment_errors(values: Mapping[str, object], kind: str, error) -> None:
    """The amount (万元) fits the column; a payment mode is one of the choices, and given with an amount."""
    amount = values.get("amount")
    if amount is not None:
        if amount < 0:
            error("amount", _("合同金额不能小于 0"))
        elif amount > MAX_AMOUNT:
            error("amount", _("合同金额“%(value)s”过大(单位为万元)") % {"value": amount})
    payment = values.get("payment_mode") or ""
    if payment and payment not in PaymentMode.values:
        error("payment_mode", _("“%(value)s”不是可选的支付方式") % {"value": payment})
    if kind != ConversionKind.SELF and amount and not payment:
        error("payment_mode", _("填写了合同金额时须填写支付方式(一次性、入门费加提成、提成或分期)"))


def _registration_errors(values: Mapping[str, object], kind: str, today: dt.date, error) -> None:
    """The contract's effective date where there is a counterparty; the registration (filing) number
    and date: plausible, together, not in the future nor before the contract took effect."""
    effective = values.get("effective_date")
    if kind in WITH_COUNTERPARTY and effective is None:
        error("effective_date", _("%(kind)s须填写合同生效日") % {"kind": ConversionKind(kind).label})
    number = values.get("registration_number") or ""
    if number:
        if kind == ConversionKind.SELF:
            error("registration_number", _("自行实施没有转让登记号或许可合同备案号"))
        elif problem := loose_number_error(number):
            error("registration_number", problem)
    registered = values.get("registration_date")
    if registered is not None:
        if not number:
            error("registration_number", _("填写了登记或备案日时须填写登记或备案号"))
        if registered > today:
            error("registration_date", _("登记或备案日 %(date)s 晚于今天") % {"date": registered})
        if effective is not None and registered < effective:
            error("registration_date", _("登记或备案日 %(date)s 早于合同生效日 %(effective)s")
                  % {"date": registered, "effective": effective})


def _licence_end_errors(values: Mapping[str, object], kind: str, error) -> None:
    """Only a licence has an end date, and it is not before the contract took effect."""
    end = values.get("license_end_date")
    effective = values.get("effective_date")
    if end is not None:
        if kind != ConversionKind.LICENSE:
            error("license_end_date", _("只有“许可”填写许可期限"))
        elif effective is not None and end < effective:
            error("license_end_date", _("许可期限至 %(end)s 早于合同生效日 %(effective)s")
                  % {"end": end, "effective": effective})


def _product_filing_errors(values: Mapping[str, object], today: dt.date, error) -> None:
    """A product filing (number and date together, not in the future) means the patent is industrialised."""
    filing = values.get("product_filing_number") or ""
    if filing:
        if not values.get("industrialised"):
            error("industrialised", _("填写了专利产品备案号的专利已产业化:“是否产业化”应为“是”"))
        if problem := loose_number_error(filing):
            error("product_filing_number", problem)
    filed = values.get("product_filing_date")
    if filed is not None:
        if not filing:
            error("product_filing_number", _("填写了专利产品备案日时须填写专利产品备案号"))
        if filed > today:
            error("product_filing_date", _("专利产品备案日 %(date)s 晚于今天") % {"date": filed})


def facts_errors(values: Mapping[str, object], facts: PatentFacts, *, exclude_pk: int | None = None) -> dict[str, str]:
    """The rules that need the patent and its other conversions and open licences: {field: message}."""
    errors: dict[str, str] = {}
    patent = facts.patent
    kind, license_type = values.get("kind"), values.get("license_type") or ""
    effective, end = values.get("effective_date"), values.get("license_end_date")
    for name in ("effective_date", "registration_date", "product_filing_date"):
        day = values.get(name)
        if day is not None and day < patent.application_date:
            errors[name] = _("%(date)s 早于专利申请日 %(applied)s") % {"date": day, "applied": patent.application_date}
    expiry = patent_expiry(patent)
    if effective is not None and effective > expiry:
        errors.setdefault("effective_date", _("合同生效日 %(date)s 晚于专利权期限届满日 %(expiry)s")
                          % {"date": effective, "expiry": expiry})
    if end is not None and end > expiry:
        errors.setdefault("license_end_date", _("许可期限至 %(date)s 超过专利权期限届满日 %(expiry)s")
                          % {"date": end, "expiry": expiry})
    if kind == ConversionKind.LICENSE:
        on = effective or timezone.localdate()
        if license_type in EXCLUSIVE_LICENCES and standing_open_licence(facts) is not None:
            errors.setdefault("license_type", _("该专利的开放许可声明尚未撤回,不能登记独占许可或排他许可"))
        running = exclusive_licence_in_force(facts, on, exclude_pk=exclude_pk)
        if running is not None and running.counterparty != values.get("counterparty"):
            errors.setdefault("license_type", _(
                "该专利对“%(party)s”的%(type)s尚在期限内,期间不能再许可他人"
            ) % {"party": running.counterparty, "type": running.get_license_type_display()})
        if license_type == LicenseType.OPEN and not _open_licence_on(facts, on):
            errors.setdefault("license_type", _("该专利在合同生效日没有有效的开放许可声明,不能登记为开放许可实施"))
    number = values.get("registration_number") or ""
    if number:
        for other in facts.conversions:
            if (exclude_pk is None or other.pk != exclude_pk) and other.kind == kind \
                    and other.registration_number == number:
                errors.setdefault("registration_number", _("该专利已登记同一%(kind)s登记或备案号“%(number)s”")
                                  % {"kind": ConversionKind(kind).label, "number": number})
    return errors


def _open_licence_on(facts: PatentFacts, day: dt.date) -> bool:
    for declaration in facts.open_licences:
        declared = timezone.localdate(declaration.declared_at)
        withdrawn = timezone.localdate(declaration.withdrawn_at) if declaration.withdrawn_at else None
        if declared <= day and (withdrawn is None or withdrawn >= day):
            return True
    return False


def warnings(values: Mapping[str, object]) -> list[str]:
    """Shown, not refused: a licence filed later than the three months the rules allow."""
    found = []
    effective, registered = values.get("effective_date"), values.get("registration_date")
    if (values.get("kind") == ConversionKind.LICENSE and effective and registered
            and (registered - effective).days > FILING_PERIOD_DAYS):
        found.append(_("许可合同应在生效后三个月内备案,本合同备案晚了 %(days)d 天")
                     % {"days": (registered - effective).days - FILING_PERIOD_DAYS})
    return found


# --- implementation status -----------------------------------------------------------------------------

def status_after(current: str, conversions: Iterable[Mapping[str, object] | Conversion]) -> str:
    """The implementation status the patent's conversions lead to, never downgrading: industrialised
    stays; otherwise the latest conversion (by effective date) says how the patent is implemented.
    No conversion leaves the status as it is."""
    items = [c if isinstance(c, Mapping) else {name: getattr(c, name) for name in ("kind", "effective_date",
                                                                                    "industrialised")}
             for c in conversions]
    if not items:
        return current
    if current == ImplementationStatus.INDUSTRIALISED or any(c.get("industrialised") for c in items):
        return ImplementationStatus.INDUSTRIALISED
    latest = max(enumerate(items), key=lambda pair: (pair[1].get("effective_date") or dt.date.min, pair[0]))[1]
    return STATUS_OF_KIND[latest["kind"]]


def _follow_status(actor, patent: Patent, request=None, source: str = InventoryChange.Source.WEB) -> None:
    """Bring the record's implementation status in step with the patent's conversions, through the
    assessment service (history, audit); the review state is left as it is: a conversion is a fact
    recorded, not an assessment to review again.

    A record whose other fields break an assessment rule (an old import, say), or whose library
    flag disagrees with its review state, would make the service refuse the edit or move the
    record in or out of the library; the conversion is a fact all the same, so then the status
    alone is written, with its history row and audit event, and nothing else of the record changes."""
    record = getattr(patent, "inventory", None)
    if record is None:
        return
    record.refresh_from_db()
    wanted = status_after(record.implementation_status, Conversion.objects.filter(patent=patent).order_by("pk"))
    if wanted == record.implementation_status:
        return
    values = {"implementation_status": wanted}
    library_agrees = record.in_library == review.in_library(record.review_state, record.screening)
    if library_agrees and not assessment_errors(record, values):
        update_assessment(actor=actor, record=record, values=values, source=source, request=request,
                          state=record.review_state)
        return
    changes = {"implementation_status": [record.implementation_status, wanted]}
    now = timezone.now()
    InventoryRecord.objects.filter(pk=record.pk).update(implementation_status=wanted, updated_at=now,
                                                        updated_by=actor, version=F("version") + 1)
    history.record_change(record=record, changes=changes, actor=actor, source=source)
    audit("inventory.assessment_update", actor=actor, request=request, target=record,
          organization=record.institution, before={"implementation_status": changes["implementation_status"][0]},
          after={"implementation_status": wanted})


# --- writing -------------------------------------------------------------------------------------------------

def _snapshot(conversion: Conversion) -> dict:
    return {name: jsonable(getattr(conversion, name)) for name in FIELDS}


def _cleaned(data: Mapping[str, object]) -> dict:
    values = {name: data.get(name) for name in FIELDS}
    for name in ("license_type", "counterparty", "counterparty_credit_code", "payment_mode"):
        values[name] = str(values[name] or "").strip()
    values["counterparty_credit_code"] = values["counterparty_credit_code"].upper()
    for name in ("registration_number", "product_filing_number"):
        values[name] = clean_number(values[name])
    values["industrialised"] = bool(values["industrialised"])
    return values


def check(values: Mapping[str, object], facts: PatentFacts, *, exclude_pk: int | None = None) -> dict[str, str]:
    errors = row_errors(values)
    for name, message in facts_errors(values, facts, exclude_pk=exclude_pk).items():
        errors.setdefault(name, message)
    return errors


def _editable_patent(actor, patent: Patent) -> Patent:
    found = (Patent.objects.editable_by(actor, "record_conversion").filter(pk=patent.pk)
                .select_related("inventory").first())
    if found is None:
        raise PermissionDenied
    return found


def record_conversion(actor, patent: Patent, data: Mapping[str, object], *, request=None,
                      source: str = InventoryChange.Source.WEB) -> Conversion:
    """Record one conversion of a patent the actor may edit; ConversionError, writing nothing, on a broken rule."""
    patent = _editable_patent(actor, patent)
    values = _cleaned(data)
    with transaction.atomic():
        Patent.objects.select_for_update().filter(pk=patent.pk).first()  # one writer per patent at a time
        errors = check(values, load_facts([patent.pk])[patent.pk])
        if errors:
            raise ConversionError(errors)
        now = timezone.now()
        conversion = Conversion.objects.create(patent=patent, institution_id=patent.inventory.institution_id,
                                               created_by=actor, created_at=now, updated_at=now, **values)
        audit("conversion.create", actor=actor, request=request, target=conversion,
              organization=conversion.institution, after=_snapshot(conversion))
        _follow_status(actor, patent, request, source)
    return conversion


def update_conversion(actor, conversion: Conversion, data: Mapping[str, object], *, request=None,
                      source: str = InventoryChange.Source.WEB) -> Conversion:
    if not Conversion.objects.editable_by(actor).filter(pk=conversion.pk).exists():
        raise PermissionDenied
    values = _cleaned({**_snapshot_values(conversion), **data})
    with transaction.atomic():
        conversion = Conversion.objects.select_for_update(of=("self",)).select_related("patent__inventory").get(
            pk=conversion.pk)
        errors = check(values, load_facts([conversion.patent_id])[conversion.patent_id], exclude_pk=conversion.pk)
        if errors:
            raise ConversionError(errors)
        before = _snapshot(conversion)
        for name, value in values.items():
            setattr(conversion, name, value)
        conversion.updated_at = timezone.now()
        conversion.save()
        after = _snapshot(conversion)
        changed = {k for k in after if after[k] != before[k]}
        if changed:
            audit("conversion.update", actor=actor, request=request, target=conversion,
                  organization=conversion.institution, before={k: before[k] for k in changed},
                  after={k: after[k] for k in changed})
            _follow_status(actor, conversion.patent, request, source)
    return conversion


def _snapshot_values(conversion: Conversion) -> dict:
    return {name: getattr(conversion, name) for name in FIELDS}


def delete_conversion(actor, conversion: Conversion, *, request=None) -> None:
    """Delete a conversion recorded in error. The implementation status is left as it is (it may
    have been set by the assessment itself): the history shows where it came from."""
    if not Conversion.objects.editable_by(actor).filter(pk=conversion.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        before = _snapshot(conversion)
        audit("conversion.delete", actor=actor, request=request, target=conversion,
              organization=conversion.institution, before=before, after=None)
        conversion.delete()
