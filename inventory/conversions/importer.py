"""Uploading conversion records in the standard format (转化实施情况, DATA-STANDARD.md §4), a
format of the one import pipeline (ground.imports):

    batch = imports.stage(CONVERSIONS, actor=user, file=uploaded)   # kept as an ImportBatch + audit
    batch = imports.start_validation(CONVERSIONS, batch)            # preview: new / unchanged / rejected
    batch = imports.request_commit(CONVERSIONS, actor=user, batch=batch)   # one transaction

Conversion sheets are small (a year of an institution's transfers and licences). The commit
checks the stored file again inside its transaction, under a lock on the patents it names, so what
it writes is exactly what the rules allow at that moment; a row identical to a recorded conversion
(same patent and kind, and the same registration number, or the same counterparty and effective
date) is "unchanged", so uploading the same file again changes nothing.
"""

from collections.abc import Mapping

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ground.imports import Job, ModelBatches, register
from ground.sheets.formats import ParsedRow
from inventory.conversions import services as conversions
from inventory.conversions.sheet_format import HEADERS, ConversionFormat
from inventory.models import Conversion, ImportBatch, InventoryChange, InventoryRecord, Patent
from inventory.records import history
from inventory.upload import InstitutionSheetImport

# The columns of the format, compared to decide whether a row repeats a recorded conversion.
COMPARED = [key for key in HEADERS if key != "application_number"]
# Columns §4 gained in 2026: a sheet written before them (or leaving them empty) says nothing about
# them, so an empty cell does not contradict a date recorded on the conversion's page.
UNSTATED_WHEN_EMPTY = frozenset({"license_end_date", "registration_date", "product_filing_date"})


def conversion_batches():
    """The batches of this pipeline; callers scope them with visible_to / editable_by."""
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.CONVERSIONS)


class ConversionImport(InstitutionSheetImport):
    kind = ImportBatch.Kind.CONVERSIONS
    sheet_format = ConversionFormat()
    batches = ModelBatches(conversion_batches)
    events = {"upload": "conversion.upload", "commit": "conversion.import", "cancel": "conversion.upload_cancel"}
    upload_prefix = "conversions"

    def unknown_column_message(self) -> str:
        return _("不是转化实施情况格式的列,已忽略")

    def plan(self, job: Job, rows: list[ParsedRow]) -> None:
        job.plan = plan_rows(job, rows)

    def apply(self, job: Job) -> dict:
        """The new conversions, and the implementation statuses brought in step (the file was
        checked again in this transaction, under a lock on its patents: `plan_rows`)."""
        new = job.plan
        patent_ids = sorted({patent_id for _row, patent_id, _values_ in new})
        records = {r.patent_id: r for r in InventoryRecord.objects.filter(patent_id__in=patent_ids)}
        created = Conversion.objects.bulk_create([
            Conversion(patent_id=patent_id, institution_id=records[patent_id].institution_id, created_by=job.actor,
                       created_at=job.started, updated_at=job.started, **values)
            for _row, patent_id, values in new
        ])
        changed = follow_statuses(job.actor, records, batch=job.batch, at=job.started)
        job.plan = created
        return {**job.outcome.counts(), "statuses_changed": changed}

    def commit_audit(self, job: Job, counts: dict) -> dict:
        return {"after": {"conversions": [c.pk for c in job.plan]}, "new": len(job.plan),
                "unchanged": counts.get("unchanged", 0), "rejected": counts.get("rejected", 0),
                "statuses_changed": counts.get("statuses_changed", 0)}


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


def plan_rows(job: Job, rows: list[ParsedRow]) -> list[tuple[int, int, dict]]:
    """The rows whose cells passed, against the database (a few queries in all): each new
    conversion as (row, patent id, values); the others counted unchanged or rejected."""
    actor, outcome = job.actor, job.outcome
    new: list[tuple[int, int, dict]] = []
    numbers = {row.values["application_number"] for row in rows}
    editable = dict(Patent.objects.editable_by(actor, "record_conversion").filter(application_number__in=numbers)
                    .values_list("application_number", "pk"))
    if job.committing:  # one writer per patent: the facts below are read under the lock
        list(Patent.objects.select_for_update().filter(pk__in=sorted(editable.values())).values_list("pk"))
    facts = conversions.load_facts(editable.values())
    first_row_of: dict[tuple, int] = {}
    number_header = HEADERS["application_number"]
    for row in rows:
        number = row.values["application_number"]
        patent_id = editable.get(number)
        if patent_id is None:
            outcome.reject(row.row_number, number_header, number,
                           _("不是本单位作为第一权利人、在存量专利基础库中的专利"), raw=row.raw)
            continue
        values = _values(row.values)
        key = (patent_id, *_key(values))
        if key in first_row_of:
            outcome.reject(row.row_number, number_header, number, _("与第 %(row)d 行是同一转化事件,重复")
                           % {"row": first_row_of[key]}, raw=row.raw)
            continue
        first_row_of[key] = row.row_number
        patent_facts = facts[patent_id]
        recorded = next((c for c in patent_facts.conversions if c.pk and _key(_values(vars(c))) == key[1:]), None)
        if recorded is not None:
            differing = [HEADERS[name] for name in COMPARED if getattr(recorded, name) != values[name]
                         and not (name in UNSTATED_WHEN_EMPTY and values[name] is None)]
            if differing:
                outcome.reject(row.row_number, differing[0], "", _(
                    "与已登记的同一转化事件不一致(%(columns)s);如需更正,请在转化记录页面修改该记录"
                ) % {"columns": "、".join(differing)}, raw=row.raw)
            else:
                outcome.unchanged += 1
            continue
        errors = conversions.facts_errors(values, patent_facts)
        if errors:
            for name, message in errors.items():
                outcome.reject(row.row_number, HEADERS.get(name, ""), values.get(name), message, raw=row.raw)
            continue
        for message in conversions.warnings(values):
            outcome.warn(row.row_number, "", "", message, raw=row.raw)
        # Later rows of the file are checked against this one too (an exclusive licence, a number).
        patent_facts.conversions.append(Conversion(patent_id=patent_id, **values))
        new.append((row.row_number, patent_id, values))
        outcome.new += 1
    return new


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
        record.version = F("version") + 1
        changed.append(record)
    InventoryRecord.objects.bulk_update(changed, ["implementation_status", "updated_at", "updated_by", "version"],
                                        batch_size=1000)
    history.write_changes(entries)
    return len(changed)


CONVERSIONS = register(ConversionImport())
