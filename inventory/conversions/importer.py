"""Uploading conversion records in the standard format (转化实施情况, DATA-STANDARD.md §4).

    batch = stage_upload(actor, file)          # kept as an ImportBatch (kind conversions) + audit
    batch = validate_upload(actor, batch)      # preview: counts new / unchanged / rejected, every error
    batch = commit_upload(actor, batch)        # one transaction: conversions created, statuses followed

Conversion sheets are small (a year of an institution's transfers and licences), so the work runs
inline. The commit validates the stored file again inside its transaction, against the database
as it is then, so what it writes is exactly what the rules allow at that moment; a row identical
to a recorded conversion (same patent and kind, and the same registration number, or the same
counterparty and effective date) is "unchanged", so uploading the same file again changes nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from ground.sheets import CellError, SheetError, open_sheet, validate
from ground.uploads import store_upload
from inventory.conversions import services as conversions
from inventory.conversions.sheet_format import HEADERS, ConversionFormat
from inventory.models import Conversion, ImportBatch, InventoryChange, InventoryRecord, Patent
from inventory.records import history
from inventory.upload import UploadError, can_upload, local_path

Status = ImportBatch.Status
# The columns of the format, compared to decide whether a row repeats a recorded conversion.
COMPARED = [key for key in HEADERS if key != "application_number"]


def conversion_batches():
    """The batches of this pipeline; callers scope them with visible_to / editable_by."""
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.CONVERSIONS)


def stage_upload(actor, file, *, request=None) -> ImportBatch:
    if not can_upload(actor):
        raise PermissionDenied
    batch = ImportBatch(kind=ImportBatch.Kind.CONVERSIONS, organization=actor.organization, created_by=actor)
    return store_upload(batch, file, prefix="conversions", audit=lambda batch, **detail: audit(
        "conversion.upload", actor=actor, request=request, target=batch, organization=batch.organization, **detail))


@dataclass
class Plan:
    """What a file would do: the new conversions (row, patent id, values) and every problem."""

    total: int = 0
    new: list[tuple[int, int, dict]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    rejected: set[int] = field(default_factory=set)
    problems: list[CellError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        return {"total": self.total, "new": len(self.new), "unchanged": len(self.unchanged),
                "rejected": len(self.rejected), "unknown_columns": self.unknown_columns}

    def reject(self, row: int, column: str, value: object, message: str) -> None:
        self.rejected.add(row)
        self.problems.append(CellError(row, column, "" if value is None else str(value), str(message)))


def _key(values: Mapping[str, object]) -> tuple:
    """What identifies an event of a patent: its registration number, else counterparty and date."""
    if values.get("registration_number"):
        return (values["kind"], "number", values["registration_number"])
    return (values["kind"], "party", values.get("counterparty") or "", values.get("effective_date"))


def _values(parsed: Mapping[str, object]) -> dict:
    values = {name: parsed.get(name) for name in conversions.FIELDS}
    for name in ("license_type", "counterparty", "counterparty_credit_code", "payment_mode",
                 "registration_number", "product_filing_number"):
        values[name] = values[name] or ""
    values["industrialised"] = bool(values["industrialised"])
    return values


def plan_file(actor, path: Path, original_name: str) -> Plan:
    """Validate every row of the file against the format and the database (a few queries in all)."""
    fmt = ConversionFormat()
    plan = Plan()
    result = validate(open_sheet(path, original_name, fmt.required_headers), fmt)
    plan.total = result.total_rows
    plan.unknown_columns = result.unknown_columns
    for rejected in result.rejected:
        plan.rejected.add(rejected.row_number)
        plan.problems.extend(rejected.errors)
    numbers = {row.values["application_number"] for row in result.rows}
    editable = dict(Patent.objects.editable_by(actor, "record_conversion").filter(application_number__in=numbers)
                    .values_list("application_number", "pk"))
    facts = conversions.load_facts(editable.values())
    first_row_of: dict[tuple, int] = {}
    number_header = HEADERS["application_number"]
    for row in result.rows:
        number = row.values["application_number"]
        plan.problems.extend(row.warnings)
        patent_id = editable.get(number)
        if patent_id is None:
            plan.reject(row.row_number, number_header, number,
                        _("不是本单位作为第一权利人、在存量专利基础库中的专利"))
            continue
        values = _values(row.values)
        key = (patent_id, *_key(values))
        if key in first_row_of:
            plan.reject(row.row_number, number_header, number, _("与第 %(row)d 行是同一转化事件,重复")
                        % {"row": first_row_of[key]})
            continue
        first_row_of[key] = row.row_number
        patent_facts = facts[patent_id]
        recorded = next((c for c in patent_facts.conversions if c.pk and _key(_values(vars(c))) == key[1:]), None)
        if recorded is not None:
            differing = [HEADERS[name] for name in COMPARED if getattr(recorded, name) != values[name]]
            if differing:
                plan.reject(row.row_number, differing[0], "", _(
                    "与已登记的同一转化事件不一致(%(columns)s);如需更正,请在转化记录页面修改该记录"
                ) % {"columns": "、".join(differing)})
            else:
                plan.unchanged.append(row.row_number)
            continue
        errors = conversions.facts_errors(values, patent_facts)
        if errors:
            for name, message in errors.items():
                plan.reject(row.row_number, HEADERS.get(name, ""), values.get(name), message)
            continue
        for message in conversions.warnings(values):
            plan.problems.append(CellError(row.row_number, "", "", str(message), level="warning"))
        # Later rows of the file are checked against this one too (an exclusive licence, a number).
        patent_facts.conversions.append(Conversion(patent_id=patent_id, **values))
        plan.new.append((row.row_number, patent_id, values))
    plan.problems.sort(key=lambda problem: problem.row)
    return plan


def _plan_batch(actor, batch: ImportBatch) -> Plan:
    if not batch.file or not default_storage.exists(batch.file.name):
        raise SheetError(_("上传的文件已不存在(可能已被清理),请重新上传"))
    with local_path(batch) as path:
        return plan_file(actor, path, batch.original_name)


def _problems(plan: Plan) -> list[dict]:
    return [{"row": p.row, "column": p.column, "value": p.value, "message": p.message, "level": p.level}
            for p in plan.problems]


def validate_upload(actor, batch: ImportBatch) -> ImportBatch:
    """The preview: counts and every problem stored on the batch (validated, or failed when the
    file as a whole cannot be read). Nothing else is written."""
    if not conversion_batches().editable_by(actor).filter(pk=batch.pk).exists():
        raise PermissionDenied
    try:
        plan = _plan_batch(actor, batch)
    except SheetError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(status=Status.FAILED, failure=str(error))
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.VALIDATED, total_rows=plan.total, counts=plan.counts(), errors=_problems(plan),
            validated_at=timezone.now(), progress=100)
    batch.refresh_from_db()
    return batch


def commit_upload(actor, batch: ImportBatch, *, request=None) -> ImportBatch:
    """Write the file's new conversions and follow the implementation statuses, all in one transaction."""
    if not conversion_batches().editable_by(actor).filter(pk=batch.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != Status.VALIDATED:
            raise UploadError(_("该批次状态为“%(status)s”,不能导入") % {"status": batch.get_status_display()})
        try:
            plan = _plan_batch(actor, batch)
        except SheetError as error:
            raise UploadError(str(error)) from None
        patent_ids = sorted({patent_id for _row, patent_id, _values_ in plan.new})
        list(Patent.objects.select_for_update().filter(pk__in=patent_ids).values_list("pk"))  # one writer per patent
        plan = _plan_batch(actor, batch)  # again, under the locks: what is written is what the rules allow now
        records = {r.patent_id: r for r in InventoryRecord.objects.filter(patent_id__in=patent_ids)}
        now = timezone.now()
        created = Conversion.objects.bulk_create([
            Conversion(patent_id=patent_id, institution_id=records[patent_id].institution_id, created_by=actor,
                       created_at=now, updated_at=now, **values)
            for _row, patent_id, values in plan.new
        ])
        changed = follow_statuses(actor, records, batch=batch, at=now)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.COMMITTED, committed_at=now, total_rows=plan.total,
            counts={**plan.counts(), "statuses_changed": changed}, errors=_problems(plan))
        audit("conversion.import", actor=actor, request=request, target=batch, organization=batch.organization,
              after={"conversions": [c.pk for c in created]}, new=len(created), unchanged=len(plan.unchanged),
              rejected=len(plan.rejected), statuses_changed=changed)
    batch.refresh_from_db()
    return batch


def follow_statuses(actor, records: Mapping[int, InventoryRecord], *, batch=None, at=None) -> int:
    """Bring the records' implementation statuses in step with their patents' conversions, in bulk,
    with one history row per changed record. Returns how many changed."""
    at = at or timezone.now()
    by_patent: dict[int, list[Conversion]] = {}
    for conversion in Conversion.objects.filter(patent_id__in=list(records)).order_by("pk"):
        by_patent.setdefault(conversion.patent_id, []).append(conversion)
    changed, entries = [], []
    for patent_id, record in records.items():
        wanted = conversions.status_after(record.implementation_status, by_patent.get(patent_id, []))
        if wanted == record.implementation_status:
            continue
        entries.append(history.change(record_id=record.pk, actor=actor, source=InventoryChange.Source.UPLOAD,
                                      batch=batch, at=at,
                                      changes={"implementation_status": [record.implementation_status, wanted]}))
        record.implementation_status, record.updated_at, record.updated_by = wanted, at, actor
        changed.append(record)
    InventoryRecord.objects.bulk_update(changed, ["implementation_status", "updated_at", "updated_by"],
                                        batch_size=1000)
    history.write_changes(entries)
    return len(changed)


def cancel_upload(actor, batch: ImportBatch, *, request=None) -> ImportBatch:
    if not conversion_batches().editable_by(actor).filter(pk=batch.pk).exists():
        raise PermissionDenied
    updated = ImportBatch.objects.filter(pk=batch.pk, status__in=[Status.UPLOADED, Status.VALIDATED, Status.FAILED]
                                         ).update(status=Status.CANCELLED)
    if not updated:
        raise UploadError(_("该批次已导入或已取消"))
    audit("conversion.upload_cancel", actor=actor, request=request, target=batch, organization=batch.organization)
    batch.refresh_from_db()
    return batch
