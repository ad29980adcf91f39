"""The records a province receives (DATA-STANDARD.md §9), built in sets from the database.

A province receives its institutions' convertible patents (in the conversion resource library:
the inventory record is `in_library`, its lead institution in the province) and the submitted
evaluations of those patents. Records are read in keyset chunks of CHUNK patents or evaluations,
a fixed number of queries per chunk whatever its size, and yielded as (key, data) in key order.

The data keeps the contact's phone and e-mail as written: `masked` hides them as a record leaves
the platform, unless the province's purpose needs them (FeedEndpoint.purpose_needs_contacts).
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from accounts.models import Organization
from evaluation.assessments.models import Evaluation
from evaluation.choices import EvaluationStatus
from ground.privacy import mask_email, mask_phone, mask_text
from inventory.classification.models import PatentIndustry, PatentTechField
from inventory.records.models import InventoryRecord
from matching.needs.models import EnterpriseProfile
from reporting.feeds.models import RecordKind

CHUNK = 2000

PATENT_FIELDS = (
    "patent_id", "patent__application_number", "patent__title", "patent__patent_type", "patent__grant_date",
    "patent__main_ipc", "patent__updated_at", "institution__name", "institution__credit_code",
    "institution__province_id", "maturity", "prospect", "intents", "license_type", "asking_price", "scenarios",
    "implementation_status", "contact_name", "contact_phone", "contact_email", "updated_at",
)
EVALUATION_FIELDS = (
    "pk", "patent__application_number", "evaluator_kind", "enterprise_id", "enterprise__name",
    "enterprise__credit_code", "enterprise__province_id", "contactable", "expert__name", "evaluator_name",
    "prospect", "improvement_needs", "cooperation_modes", "dimension_scores",
    "overall", "summary", "evaluated_on", "submitted_at",
)


def convertible_records(province_code: str):
    """The inventory records of the province's convertible patents (a queryset, unordered)."""
    return InventoryRecord.objects.filter(
        in_library=True, institution__province_id=province_code, institution__kind=Organization.Kind.INSTITUTION)


def province_evaluations(province_code: str):
    """The submitted evaluations of the province's convertible patents (a queryset, unordered)."""
    return Evaluation.objects.filter(
        Q(status=EvaluationStatus.SUBMITTED), patent__inventory__in_library=True,
        patent__inventory__institution__province_id=province_code,
        patent__inventory__institution__kind=Organization.Kind.INSTITUTION)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def _score(scores: dict, code: str):
    value = (scores or {}).get(code)
    return None if value is None else float(value)


def patent_records(province_code: str) -> Iterator[tuple[str, dict]]:
    """(application number, §9 patent record) for each convertible patent of the province, by patent id."""
    after = 0
    records = convertible_records(province_code).order_by("patent_id")
    while True:
        rows = list(records.filter(patent_id__gt=after).values(*PATENT_FIELDS)[:CHUNK])
        if not rows:
            return
        ids = [row["patent_id"] for row in rows]
        industries, fields = defaultdict(list), defaultdict(list)
        for patent_id, code in PatentIndustry.objects.filter(patent_id__in=ids).order_by(
                "patent_id", "industry_id").values_list("patent_id", "industry_id"):
            industries[patent_id].append(code)
        for patent_id, number in PatentTechField.objects.filter(patent_id__in=ids).order_by(
                "patent_id", "field_id").values_list("patent_id", "field_id"):
            fields[patent_id].append(number)
        for row in rows:
            yield row["patent__application_number"], _patent(row, industries[row["patent_id"]],
                                                               fields[row["patent_id"]])
        after = ids[-1]


def _patent(row: dict, industries: list[str], fields: list[int]) -> dict:
    updated = max(row["updated_at"], row["patent__updated_at"])
    return {
        "application_number": row["patent__application_number"],
        "title": row["patent__title"],
        "patent_type": row["patent__patent_type"],
        "grant_date": _text(row["patent__grant_date"]),
        "main_ipc": row["patent__main_ipc"],
        "industries": industries,
        "technology_fields": fields,
        "institution": {"name": row["institution__name"], "credit_code": row["institution__credit_code"] or "",
                        "province_code": row["institution__province_id"]},
        "technology_readiness": row["maturity"],
        "prospect": row["prospect"],
        "intents": list(row["intents"] or []),
        "license_type": row["license_type"],
        "asking_price": _text(row["asking_price"]),
        "application_scenarios": row["scenarios"],
        "implementation_status": row["implementation_status"],
        "contact": {"name": row["contact_name"], "phone": row["contact_phone"], "email": row["contact_email"]},
        "updated_at": _text(updated),
    }


def evaluation_records(province_code: str) -> Iterator[tuple[str, dict]]:
    """(evaluation id, §9 evaluation record) for each submitted evaluation of the province's
    convertible patents, by id."""
    after = 0
    contactable = EnterpriseProfile.objects.filter(enterprise_id=OuterRef("enterprise_id"), allow_direct_contact=True)
    evaluations = province_evaluations(province_code).annotate(contactable=Exists(contactable)).order_by("pk")
    while True:
        rows = list(evaluations.filter(pk__gt=after).values(*EVALUATION_FIELDS)[:CHUNK])
        if not rows:
            return
        for row in rows:
            yield str(row["pk"]), _evaluation(row, province_code)
        after = rows[-1]["pk"]


def _evaluation(row: dict, province_code: str) -> dict:
    """An evaluation as the province may read it: an evaluating enterprise is named (with its credit
    code) where the provincial office sees the enterprise itself (one of its own) or the enterprise
    agreed to be contacted directly, as on the platform's pages (evaluation.feedback.services.Disclosure)."""
    scores = row["dimension_scores"] or {}
    credit_code, disclosed = "", True
    if row["enterprise_id"] is None:
        name = row["expert__name"] or row["evaluator_name"]
    elif row["enterprise__province_id"] == province_code or row["contactable"]:
        name, credit_code = row["enterprise__name"], row["enterprise__credit_code"] or ""
    else:
        name, disclosed = "", False
    return {
        "id": row["pk"],
        "application_number": row["patent__application_number"],
        "evaluator_kind": row["evaluator_kind"],
        "evaluator_name": name or "",
        "evaluator_credit_code": credit_code,
        # False: an enterprise that is not the province's own and did not agree to direct contact.
        "evaluator_disclosed": disclosed,
        "prospect": row["prospect"],
        "improvement_needs": row["improvement_needs"],
        "cooperation_modes": list(row["cooperation_modes"] or []),
        "legal_value": _score(scores, "legal"),
        "technical_value": _score(scores, "technical"),
        "economic_value": _score(scores, "economic"),
        "overall": _text(row["overall"]),
        "summary": row["summary"],
        "evaluated_on": _text(row["evaluated_on"]),
        "submitted_at": _text(row["submitted_at"]),
    }


BUILDERS = {RecordKind.PATENT: patent_records, RecordKind.EVALUATION: evaluation_records}


def tombstone(kind: str, key: str) -> dict:
    """What a deletion carries: the record's key alone."""
    return {"application_number": key} if kind == RecordKind.PATENT else {"id": int(key)}


# Free text a person may have written a phone number or an e-mail address into.
FREE_TEXT = {RecordKind.PATENT: ("application_scenarios",), RecordKind.EVALUATION: ("improvement_needs", "summary")}


def masked(kind: str, data: dict, *, contacts: bool) -> dict:
    """The record as it leaves the platform: phones and e-mails of persons (the contact's, and any
    inside free text) masked unless `contacts`. A tombstone carries none."""
    if contacts or ("title" not in data and "evaluator_kind" not in data):
        return data
    out = dict(data)
    for name in FREE_TEXT[kind]:
        if out.get(name):
            out[name] = mask_text(out[name])
    if "contact" in out:
        contact = out["contact"]
        out["contact"] = {**contact, "phone": mask_phone(contact.get("phone")),
                          "email": mask_email(contact.get("email"))}
    return out
