"""Editing one patent's assessment (the inventory format's fields) outside an upload: the
workbench's in-place edits, the per-patent form, the API, an inventor's self-assessment.

Every edit goes through `update_assessment`: the §3 cross-field rules, the change history, the
review state the edit leads to (inventory.records.review, by whether the record is then complete:
`is_complete`), the resource-library flag and the listing score, and the audit event, all in one
transaction. A draft may be partial; a submission needs every required field (`incomplete_errors`).
"""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from inventory.choices import LicenseType
from inventory.classification import apply_overrides
from inventory.library import listing
from inventory.models import Conversion, InventoryChange, InventoryRecord
from inventory.records import history, locking, review
from inventory.records.departments import resolve_departments
from inventory.records.formats import RECORD_FIELDS, REQUIRED_FIELDS, cross_field_errors, missing_required

# Fields an assessment edit may set (the inventory format's, plus staff's technology-field override).
ASSESSMENT_FIELDS = (*RECORD_FIELDS, "field_numbers")
# The §3 fields an inventor fills in; the rest of the record (department, responsible staff,
# remarks, price, disposal...) is the staff's, on every path: page, API, bulk.
INVENTOR_FIELDS = (
    "maturity", "scenarios", "prospect", "implementation_status", "is_financially_funded",
    "funding_project_number", "screening", "intents", "license_type", "value_grade",
    "contact_name", "contact_phone", "contact_email",
)


class AssessmentError(Exception):
    """The edit breaks a rule; `errors` maps a field (or "" for the record) to its Chinese message."""
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def inventor_errors(actor, record: InventoryRecord, values: Mapping[str, object]) -> dict[str, str]:
    """What an inventor may not do: change a staff field, or change a record under review."""
    if not review.is_inventor(actor):
        return {}
    if review.locked_for(actor, record.review_state):
        return {"": str(_("该专利的自评已提交审核,审核完成或退回前不能修改"))}
    # A form may send a staff field back as it was: only a change is refused.
    staff = [name for name in values if name not in INVENTOR_FIELDS and values[name] != getattr(record, name, None)]
    return {name: str(_("发明人只能填写自评字段,不能修改“%(field)s”") % {
        "field": InventoryRecord._meta.get_field(name).verbose_name if name != "field_numbers" else _("技术领域")})
        for name in staff}


def assessment_errors(record: InventoryRecord, values: Mapping[str, object]) -> dict[str, str]:
    """The §3 cross-field rules (`formats.cross_field_errors`) on the record as it would be after
    the edit: {field: message}. The patent's exclusive licence in force is read only when the edit
    declares an open licence."""
    merged = {name: getattr(record, name) for name in RECORD_FIELDS} | dict(values)
    in_force = ""
    if merged.get("license_type") == LicenseType.OPEN and record.license_type != LicenseType.OPEN:
        in_force = (Conversion.objects.filter(patent_id=record.patent_id).exclusive_licences_in_force()
                    .values_list("license_type", flat=True).first() or "")
    return cross_field_errors(merged, current_licence=record.license_type, licence_in_force=in_force)


def is_complete(record: InventoryRecord) -> bool:
    """Whether the record fills every required field of §3 (what a submission needs)."""
    return not missing_required({name: getattr(record, name) for name in REQUIRED_FIELDS})


def incomplete_errors(record: InventoryRecord) -> dict[str, str]:
    """{field: message} for each required field of §3 the record leaves blank (a submission's refusal)."""
    return {name: str(_("提交审核前须填写“%(field)s”") % {"field": InventoryRecord._meta.get_field(name).verbose_name})
            for name in missing_required({name: getattr(record, name) for name in REQUIRED_FIELDS})}


def update_assessment(
    *, actor, record: InventoryRecord, values: Mapping[str, object], source: str = InventoryChange.Source.WEB,
    request=None, state: str | None = None, version: int | None = None,
) -> InventoryChange | None:
    """Apply `values` (field -> cleaned value) to the record; raises AssessmentError, writing nothing,
    when a rule is broken. Returns the history entry, or None when nothing changed.

    `version`: the record's version the writer read (a form, an API client); when the record has
    moved on since, raises locking.StaleRecord and writes nothing. Without it (a service following
    a fact, such as a conversion) the edit applies to the record as it is now.

    The caller has checked that the actor may edit the record (`editable_by`)."""
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise ValueError(f"not assessment fields: {sorted(unknown)}")
    if version is not None and version != record.version:
        raise locking.stale(record, version, values)
    errors = inventor_errors(actor, record, values) or assessment_errors(record, values)
    if errors:
        raise AssessmentError(errors)
    with transaction.atomic():
        record = InventoryRecord.objects.select_for_update().get(pk=record.pk)
        read_version = record.version if version is None else version
        if record.version != read_version:
            raise locking.stale(record, read_version, values)
        tracked = (*values, "status", "in_library", "review_state")
        before = {name: getattr(record, name) for name in tracked}
        for name, value in values.items():
            setattr(record, name, value)
        now = timezone.now()
        if state is None:
            complete = is_complete(record)
            state = review.state_after_edit(actor, record.review_state, complete=complete)
        review.apply_review_state(record, state, now)
        after = {name: getattr(record, name) for name in tracked}
        changes = history.diff(before, after)
        if not changes:
            return None
        record.listing_score = listing.score(record)
        record.updated_at = now
        record.updated_by = actor
        locking.save_if_unchanged(record, read_version, values)
        if "department" in values:

            resolve_departments(InventoryRecord.objects.filter(pk=record.pk))
        if "industry_codes" in changes or "field_numbers" in changes:

            apply_overrides(InventoryRecord.objects.filter(pk=record.pk))
        entry = history.record_change(record=record, changes=changes, actor=actor, source=source)
        audit("inventory.assessment_update", actor=actor, request=request, target=record,
              organization=record.institution, before={k: v[0] for k, v in changes.items()},
              after={k: v[1] for k, v in changes.items()})
    return entry
