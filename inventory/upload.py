"""The institution's standard-format upload (盘点结果, DATA-STANDARD.md §3).

    batch = stage_upload(actor=user, file=uploaded)       # kept: file, sha256, audit event
    batch = start_validation(batch)                       # inline when small, a Celery task when large
    ... the person reads the preview (counts, changes, every error) ...
    batch = request_commit(actor=user, batch=batch)       # or cancel_batch(actor=user, batch=batch)

Validation streams every row through the shared sheet reader and checks them against the
database a chunk at a time (the institution's records for 5,000 numbers in one query), keeping a
*plan*: the new values of each record that would change (a gzipped CSV in the storage). Commit
applies the plan in one transaction: scope and freshness re-checked in aggregate, then on
PostgreSQL a COPY into a temporary table, one INSERT … SELECT writing one InventoryChange per
changed record (old → new, from the records as they are) and one UPDATE … FROM; elsewhere
bulk_create and bulk_update. One audit event. A batch already committed is never applied again,
so a re-delivered task changes nothing; records changed between preview and commit make the
plan stale, and the batch is validated again before anything is written.
"""

import contextlib
import csv
import datetime as dt
import gzip
import hashlib
import io
import itertools
import json
import logging
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Department, User
from accounts.roles import Role, role_of
from patentnavi.db_worker import DatabaseWorker
from patentnavi.sheets import CellError, SheetError, open_sheet
from patentnavi.sheets.formats import ParsedRow, SheetLayout, iter_rows
from patentnavi.sheets.reader import estimate_rows
from patentnavi.sheets.report import write_error_report
from patentnavi.sheets.template import write_template

from . import history, listing, upload_stage
from .assessment import state_after_upload
from .choices import EXCLUSIVE_LICENCES, InventoryStatus, LicenseType, ReviewState, Screening
from .departments import resolve_departments
from .formats import RECORD_FIELDS, InventoryFormat, blank_value, cell_value
from .models import ImportBatch, InventoryChange, InventoryRecord, Patent

logger = logging.getLogger(__name__)

Status = ImportBatch.Status
PLAN_DIR = "import-plans"
# Rows checked against the database per query (SQLite bounds its parameters; PostgreSQL takes an array).
LOOKUP_CHUNK = 900
DIFF_CHUNK = 5000
# Licences that bar an open licence (DATA-STANDARD.md §3, Patent Law Art. 51).


class UploadError(Exception):
    """The upload or the commit is refused as a whole; the message is Chinese, for the uploader."""


# --- staging --------------------------------------------------------------------------------------


def visible_creators(user, batches) -> set[int]:
    """Ids of the uploaders the user may see (an account is shown only within the account scope:
    a member sees their own uploads' author, not their colleagues'); one query."""
    ids = {batch.created_by_id for batch in batches if batch.created_by_id}
    if not ids:
        return set()
    return set(User.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def can_upload(user) -> bool:
    """Inventory results are uploaded by institutions, for their own patents."""
    return role_of(user) == Role.INSTITUTION


def check_upload_size(size: int) -> None:
    if size == 0:
        raise UploadError(_("文件是空的"))
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadError(
            _("文件大小 %(size).1f MB 超过上限 %(limit).1f MB,请拆分后分批上传")
            % {"size": size / 1024 / 1024, "limit": limit / 1024 / 1024}
        )


def stage_upload(*, actor, file, request=None) -> ImportBatch:
    """Keep the uploaded file as a new inventory ImportBatch (status uploaded), with its sha256.

    Refuses (UploadError) an empty file or one over settings.UPLOAD_MAX_BYTES before storing
    anything; every other file is kept, and validation says what is wrong with it.
    """
    if not can_upload(actor):
        raise PermissionDenied
    return store_upload(actor=actor, file=file, kind=ImportBatch.Kind.INVENTORY, request=request)


def store_upload(*, actor, file, kind: str, request=None) -> ImportBatch:
    """The file kept on a new ImportBatch of `kind` (with its sha256) and the audit event, for every
    standard-format upload (inventory results, conversion records). The caller checks who may upload."""
    check_upload_size(file.size)
    digest = hashlib.sha256()
    for block in file.chunks():
        digest.update(block)
    file.seek(0)
    name = Path(file.name or "upload").name[:200]
    prefix, action = {ImportBatch.Kind.INVENTORY: ("inventory", "inventory.upload"),
                      ImportBatch.Kind.CONVERSIONS: ("conversions", "conversion.upload")}[kind]
    with transaction.atomic():
        batch = ImportBatch(kind=kind, organization_id=actor.organization_id, created_by=actor, original_name=name,
                            sha256=digest.hexdigest())
        batch.file.save(f"{prefix}-{timezone.now():%Y%m%d%H%M%S}{Path(name).suffix.lower()[:8]}", file, save=False)
        batch.save()
        record(
            action, actor=actor, request=request, target=batch, organization=batch.organization,
            file=name, size=file.size, sha256=batch.sha256,
        )
    return batch


def start_validation(batch: ImportBatch) -> ImportBatch:
    """Validate inline when the file is small, else hand it to a Celery task (the page polls).

    Called outside any transaction: the task must find the committed batch.
    """
    with local_path(batch) as path:
        rows = estimate_rows(path, batch.original_name)
    if rows > settings.IMPORT_ASYNC_ROW_THRESHOLD:
        from .tasks import validate_inventory_batch

        _set(batch, status=Status.VALIDATING, progress=0, total_rows=rows,
             progress_message=_("排队等待校验(约 %(n)d 行)") % {"n": rows})
        result = validate_inventory_batch.delay(batch.pk)
        ImportBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=result.id or "")
    else:
        validate_batch(batch.pk, estimated_rows=rows)
    batch.refresh_from_db()
    return batch


# --- validation -----------------------------------------------------------------------------------
#
# Rows stream from the reader in chunks; each chunk is checked against the database in one query
# (the institution's records for the chunk's numbers, with their current values), and the rows
# that would change are written at once to the *plan*: a gzipped CSV, one line per record, in
# the layout of the temporary table the commit COPYs it into. Nothing grows with the file but the
# plan on disk and the rows that have problems (kept as read, for the error report).


@dataclass
class _Outcome:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: set[int] = field(default_factory=set)
    problems: list[CellError] = field(default_factory=list)
    problem_raw: dict[int, list] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    # The review state the commit gives the records (assessment.state_after_upload).
    review_state: str = ReviewState.APPROVED
    header_row: int = 1
    headers: list[str] = field(default_factory=list)
    column_index: dict[str, int] = field(default_factory=dict)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.level == "warning")

    def counts(self) -> dict:
        return {
            "total": self.total, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": len(self.rejected_rows), "warnings": self.warnings,
            "unknown_columns": self.unknown_columns, "fields": self.fields, "review_state": self.review_state,
        }


class _Progress:
    """Stores progress on the batch (a queryset update, so a polling page sees it at once), at most
    twice a second."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch_id = batch.pk
        self.last = 0.0

    def __call__(self, percent: int, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= 0.5:
            self.last = now
            ImportBatch.objects.filter(pk=self.batch_id).update(
                progress=max(0, min(99, percent)), progress_message=message[:200]
            )


def validate_batch(batch_id: int, *, estimated_rows: int | None = None) -> ImportBatch:
    """Check every row of the batch's file and keep the plan; the batch becomes validated (or failed).

    Idempotent: a batch being committed, committed or cancelled is left as it is.
    """
    batch = ImportBatch.objects.select_related("created_by", "organization").get(pk=batch_id)
    if batch.status in {Status.COMMITTING, Status.COMMITTED, Status.CANCELLED}:
        return batch
    actor = batch.created_by
    if actor is None or not can_upload(actor) or actor.organization_id != batch.organization_id:
        return _fail(batch, _("上传人已无权为本单位导入盘点结果"))
    progress = _Progress(batch)
    # Records changed after this moment make the plan stale: the commit then validates again.
    started = timezone.now()
    _set(batch, status=Status.VALIDATING, progress=1, progress_message=_("正在读取文件"))
    try:
        with local_path(batch) as path, _PlanWriter() as plan:
            if estimated_rows is None:
                estimated_rows = estimate_rows(path, batch.original_name)
            outcome = _check(path, batch, actor, progress, estimated_rows or 1, plan)
            if outcome.total == 0:
                return _fail(batch, _("文件中没有数据行(表头下方都是空行)"))
            plan.save_to(_plan_name(batch))
            outcome.problems.sort(key=lambda p: (p.row, p.level != "error"))
            batch.errors = [_problem_dict(p) for p in outcome.problems]
            _drop_report(batch)
            if outcome.problems:
                _save_problem_rows(batch, outcome)
                if len(outcome.problem_raw) > REPORT_EAGER_ABOVE:
                    # A long report is written now (in the task) rather than when first downloaded.
                    progress(97, _("正在生成错误报告"), force=True)
                    ensure_error_report(batch)
    except SheetError as error:
        return _fail(batch, str(error))
    except Exception:
        logger.exception("validating import batch %s failed", batch_id)
        _fail(batch, _("校验时发生内部错误,请联系平台运营人员"))
        raise
    done = ImportBatch.objects.filter(pk=batch.pk, status=Status.VALIDATING).update(
        status=Status.VALIDATED,
        progress=100,
        progress_message="",
        total_rows=outcome.total,
        counts=outcome.counts(),
        errors=batch.errors,
        failure="",
        validated_at=started,
    )
    if not done:  # cancelled while it was being validated: the plan goes with it
        _drop_plan(batch)
    batch.refresh_from_db()
    return batch


def _check(path: Path, batch: ImportBatch, actor, progress: _Progress, estimated_rows: int,
           plan: "_PlanWriter") -> _Outcome:
    fmt = InventoryFormat()
    # Two database workers, so that lookups never queue behind staging: one reads the records
    # (all of them first, while python-calamine loads the sheet and lets go of the GIL), the other
    # keeps the plan (the file and, on PostgreSQL, the stage).
    with DatabaseWorker("upload-read") as reader, DatabaseWorker("upload-stage") as stager:
        known = reader.submit(_records_by_number, actor, estimated_rows)
        sheet = open_sheet(path, batch.original_name, fmt.required_headers)
        return _check_sheet(sheet, fmt, batch, actor, progress, estimated_rows, plan,
                            _Workers(reader, stager), known)


@dataclass
class _Workers:
    reader: DatabaseWorker
    stager: DatabaseWorker


def _check_sheet(sheet, fmt: InventoryFormat, batch: ImportBatch, actor, progress: _Progress, estimated_rows: int,
                 plan: "_PlanWriter", workers: _Workers, known: Future) -> _Outcome:
    layout = SheetLayout(sheet, fmt)
    outcome = _Outcome(unknown_columns=list(layout.unknown), header_row=sheet.header_row,
                       headers=list(sheet.original_headers),
                       column_index={column.header: index for index, column in layout.positions})
    for header in layout.unknown:
        outcome.problems.append(
            CellError(sheet.header_row, header, "", _("不是盘点结果格式的列,已忽略"), level="warning")
        )
    present = layout.present_keys
    fields = [name for name in RECORD_FIELDS if name in present]
    outcome.fields = fields
    plan.start(fields)
    checker = _ChunkChecker(actor, fields, outcome, plan, has_title="title" in present,
                            has_licence="license_type" in present, known=known)
    stage = (upload_stage.PlanStage(batch.pk, fields, outcome.review_state)
             if connection.vendor == "postgresql" else None)
    stager = workers.stager
    if stage:
        stager.submit(stage.open).result()
    try:
        _check_rows(iter_rows(sheet, fmt, layout), fields, outcome, checker, workers, stage, progress,
                    estimated_rows)
        if stage:
            stager.submit(stage.finish).result()
    except BaseException:
        if stage:
            with contextlib.suppress(Exception):
                stager.submit(stage.discard).result()
        raise
    return outcome


def _check_rows(rows: Iterator, fields: list[str], outcome: _Outcome, checker: "_ChunkChecker",
                workers: _Workers, stage: "upload_stage.PlanStage | None", progress: _Progress,
                estimated_rows: int) -> None:
    """The rows a chunk at a time: while this thread parses chunk N, the reader looks up chunk N's
    records and the stager keeps chunk N-1's plan; chunk N-1 is then checked here with its records
    in hand."""
    reader, stager = workers.reader, workers.stager
    blanks = [blank_value(name) for name in fields]
    size = _in_size()
    loads: list[Future] = []
    previous: tuple[list[tuple], Future] | None = None

    def settle(chunk: list[tuple], found: Future) -> None:
        checker.check(chunk, found.result())
        progress(int(95 * outcome.total / max(estimated_rows, outcome.total)),
                 _("已校验 %(n)d 行") % {"n": outcome.total})
        text = checker.plan.end_chunk()
        if text:
            # Compressed into the plan file (zlib lets go of the GIL) and staged by one thread, in order.
            loads.append(stager.submit(_keep_chunk, checker.plan, stage, text))

    chunk: list[tuple] = []
    for item in rows:
        outcome.total += 1
        if isinstance(item, ParsedRow):
            values = item.values
            new = [b if v is None else v for v, b in zip(map(values.__getitem__, fields), blanks, strict=True)]
            chunk.append((item.row_number, values["application_number"], values.get("title"),
                          values.get("license_type"), new, item.raw))
            if item.warnings:
                outcome.problems.extend(item.warnings)
                outcome.problem_raw[item.row_number] = item.raw
        else:
            outcome.rejected_rows.add(item.row_number)
            outcome.problems.extend(item.errors)
            outcome.problem_raw[item.row_number] = item.raw
        if len(chunk) >= size:
            found = reader.submit(checker.fetch, [row[1] for row in chunk])
            if previous:
                settle(*previous)
            previous, chunk = (chunk, found), []
    if previous:
        settle(*previous)
    if chunk:
        settle(chunk, reader.submit(checker.fetch, [row[1] for row in chunk]))
    checker.finish()
    for load in loads:
        load.result()


def _keep_chunk(plan: "_PlanWriter", stage: "upload_stage.PlanStage | None", text: str) -> None:
    plan.write_chunk(text)
    if stage:
        stage.load(text)


# The actor's records are read all at once, while the sheet loads, when the file is expected to
# cover at least this share of them; otherwise a chunk at a time, by the chunk's numbers.
READ_ALL_SHARE = 0.5


def _records_by_number(actor, estimated_rows: int) -> dict[str, tuple] | None:
    """Every record the actor may inventory, by application number (the columns of `_base_columns`),
    or None when the file is expected to cover less than READ_ALL_SHARE of them."""
    editable = InventoryRecord.objects.editable_by(actor)
    if editable.count() * READ_ALL_SHARE > estimated_rows:
        return None
    return {values[0]: values[1:] for values in _base_columns(editable).iterator(chunk_size=5000)}


def _base_columns(records):
    """What every row is checked against: number, id, title, licence, status, in_library,
    screening, review state and the abstract's head (for the listing score)."""
    return records.annotate(abstract_head=Substr("patent__abstract", 1, listing.MIN_ABSTRACT_CHARS)).values_list(
        "patent__application_number", "pk", "patent__title", "license_type", "status", "in_library",
        "screening", "review_state", "abstract_head",
    )


class _ChunkChecker:
    """Checks rows against the database a chunk at a time and writes the plan lines."""

    def __init__(self, actor, fields: list[str], outcome: _Outcome, plan: "_PlanWriter", *, has_title: bool,
                 has_licence: bool, known: Future | None = None) -> None:
        # `known`: the result of `_records_by_number`, submitted to the reader before any `fetch`.
        self.known = known
        self.actor = actor
        self.fields = fields
        self.outcome = outcome
        self.plan = plan
        self.has_title = has_title
        self.has_licence = has_licence
        self.editable = InventoryRecord.objects.editable_by(actor)
        self.screening_at = fields.index("screening") if "screening" in fields else None
        self.missing: dict[str, list[tuple[int, list]]] = defaultdict(list)
        # The listing score needs these fields; those the file lacks are read from the records.
        self.score_fields_absent = [name for name in listing.SCORE_FIELDS if name not in fields]
        self.state = outcome.review_state = state_after_upload(actor)

    def fetch(self, numbers: list[str]) -> tuple[dict[str, tuple], dict[int, list]]:
        """The records of the chunk's numbers (`_base_columns`), then, by id, the field values of
        those that can be unchanged (already inventoried) and the score fields the file lacks: a
        first inventory of a whole file reads nothing more. Database work only, run by the
        validation's database worker."""
        known = self.known.result() if self.known is not None else None
        if known is not None:
            found = {number: known[number] for number in numbers if number in known}
        else:
            found = {}
            for part in _chunks(numbers, _in_size()):
                for values in _base_columns(self.editable.filter(patent__application_number__in=_values_in(part))):
                    found[values[0]] = values[1:]
        absent = self.score_fields_absent
        wanted = [values[0] for values in found.values() if absent or values[3] == InventoryStatus.INVENTORIED]
        details: dict[int, list] = {}
        for part in _chunks(wanted, _in_size()):
            for record_id, *values in self.editable.filter(pk__in=part).values_list("pk", *self.fields, *absent):
                details[record_id] = values
        return found, details

    def check(self, chunk: list[tuple], fetched: tuple[dict[str, tuple], dict[int, list]]) -> None:
        """Each row of the chunk against its record (`fetch`): rejected, unchanged, or a plan line."""
        outcome, fields, absent = self.outcome, self.fields, self.score_fields_absent
        found, details = fetched
        width = len(fields)
        for row_number, number, title, licence, new, raw in chunk:
            current = found.get(number)
            if current is None:
                self.missing[number].append((row_number, raw))
                continue
            record_id, base_title, current_licence, status, in_library, screening, review, abstract_head = current
            if self.has_licence and licence == LicenseType.OPEN and current_licence in EXCLUSIVE_LICENCES:
                outcome.rejected_rows.add(row_number)
                outcome.problem_raw[row_number] = raw
                outcome.problems.append(CellError(
                    row_number, "许可方式", "开放许可",
                    _("该专利已登记%(licence)s,不能再声明开放许可") % {"licence": _licence_label(current_licence)},
                ))
                continue
            if self.has_title and title and _same_text(title) != _same_text(base_title):
                outcome.problem_raw[row_number] = raw
                outcome.problems.append(CellError(
                    row_number, "专利名称", title,
                    _("与基础库中的专利名称“%(title)s”不一致,以基础库为准") % {"title": base_title},
                    level="warning",
                ))
            # A staff upload counts as approved (建档 and review done by the institution itself).
            # An institution-level upload approves; a department's is submitted to review, but the same
            # values over an approved record leave it approved (and unchanged).
            screened_in = (screening if self.screening_at is None else new[self.screening_at]) == Screening.IN
            if (status == InventoryStatus.INVENTORIED and review in (ReviewState.APPROVED, self.state)
                    and in_library == (screened_in and review == ReviewState.APPROVED)
                    and (details[record_id][:width] if absent else details[record_id]) == new):
                outcome.unchanged += 1
                continue
            target_library = screened_in and self.state == ReviewState.APPROVED
            scored = dict(zip(fields, new, strict=True))
            if absent:
                scored.update(zip(absent, details[record_id][width:], strict=True))
            score = listing.score_values(scored, abstract_head)
            if status == InventoryStatus.PENDING:
                outcome.new += 1
            else:
                outcome.updated += 1
            # The history's old → new values are taken at commit, from the records as they are then.
            self.plan.write(record_id, new, target_library, row_number, number, status, score)

    def finish(self) -> None:
        """The rows whose patent the actor may not inventory, each with its reason (a few queries)."""
        if not self.missing:
            return
        reasons = _why_not_editable(self.actor, set(self.missing))
        for number, rows in self.missing.items():
            for row_number, raw in rows:
                self.outcome.rejected_rows.add(row_number)
                self.outcome.problem_raw[row_number] = raw
                self.outcome.problems.append(CellError(row_number, "申请号", number, reasons[number]))


def _same_text(value: str) -> str:
    return "".join(str(value).split())


def _licence_label(value: str) -> str:
    return str(LicenseType(value).label)


def _in_size() -> int:
    """How many values one `IN (…)` query takes: SQLite bounds its parameters."""
    return LOOKUP_CHUNK if connection.vendor == "sqlite" else DIFF_CHUNK


def _values_in(values: list[str]):
    """The right side of an `__in` lookup: on PostgreSQL one array parameter (cheap to parse and
    plan, however many values), elsewhere the list itself."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return values


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _why_not_editable(actor, numbers: set[str]) -> dict[str, str]:
    """The Chinese reason, per number, that a row's patent cannot be inventoried by the actor."""
    visible: set[str] = set()
    existing: set[str] = set()
    for chunk in _chunks(sorted(numbers), LOOKUP_CHUNK):
        visible.update(Patent.objects.owned_by_visible(actor).filter(application_number__in=chunk)
                       .values_list("application_number", flat=True))
        existing.update(Patent.objects.filter(application_number__in=chunk)
                        .values_list("application_number", flat=True))
    reasons = {}
    for number in numbers:
        if number in visible:
            reasons[number] = _("专利 %(number)s 由第一权利人单位盘点,本单位是共有权利人,只能查看") % {"number": number}
        elif number in existing:
            reasons[number] = _("专利 %(number)s 不属于本单位") % {"number": number}
        else:
            reasons[number] = _("专利 %(number)s 不在存量专利基础库中") % {"number": number}
    return reasons


def _problem_dict(problem: CellError) -> dict:
    return {"row": problem.row, "column": problem.column, "value": problem.value, "message": problem.message,
            "level": problem.level}


def problems_of(batch: ImportBatch) -> list[CellError]:
    return [CellError(p["row"], p["column"], p.get("value", ""), p["message"], p.get("level", "error"))
            for p in batch.errors or []]


# The error report is written from the rows with problems, kept as read (JSON, dates tagged) when
# the file is validated; small reports are written when first downloaded, long ones at once.
REPORT_EAGER_ABOVE = 5000


def _problem_rows_name(batch: ImportBatch) -> str:
    return f"import-problems/{batch.pk}.json.gz"


def _cell_json(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def _cell_from_json(value: object) -> object:
    if isinstance(value, dict) and "date" in value:
        text = value["date"]
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    return value


def _save_problem_rows(batch: ImportBatch, outcome: _Outcome) -> None:
    payload = {
        "headers": outcome.headers, "header_row": outcome.header_row, "column_index": outcome.column_index,
        "rows": [[row, [_cell_json(value) for value in raw or []]] for row, raw in sorted(outcome.problem_raw.items())],
    }
    name = _problem_rows_name(batch)
    default_storage.delete(name)
    default_storage.save(name, File(io.BytesIO(gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), 1))))


def has_error_report(batch: ImportBatch) -> bool:
    return bool(batch.error_report) or default_storage.exists(_problem_rows_name(batch))


def ensure_error_report(batch: ImportBatch) -> bool:
    """Write the batch's error report if it is not written yet; False when the batch has no problems.

    The report: the rows with problems as they were read, bad cells in red, messages last.
    """
    if batch.error_report:
        return True
    name = _problem_rows_name(batch)
    if not default_storage.exists(name):
        return False
    with default_storage.open(name, "rb") as handle:
        payload = json.loads(gzip.decompress(handle.read()))
    problems = problems_of(batch)
    header_row = payload["header_row"]
    by_row: dict[int, list[CellError]] = defaultdict(list)
    for problem in problems:
        if problem.row > header_row:
            by_row[problem.row].append(problem)
    notes = [problem.as_text() for problem in problems if problem.row <= header_row]
    raw_rows = {row: [_cell_from_json(value) for value in raw] for row, raw in payload["rows"]}
    rows = ((row, raw_rows.get(row) or []) for row in sorted(by_row))
    with tempfile.TemporaryFile() as handle:
        write_error_report(handle, headers=payload["headers"], rows=rows, problems=by_row,
                           column_index=payload["column_index"], notes=notes)
        handle.seek(0)
        batch.error_report.save(f"inventory-{batch.pk}-errors.xlsx", File(handle), save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(error_report=batch.error_report.name)
    return True


def _drop_report(batch: ImportBatch) -> None:
    """A batch validated again starts without a report."""
    if batch.error_report:
        batch.error_report.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(error_report="")
    default_storage.delete(_problem_rows_name(batch))


# --- the plan -------------------------------------------------------------------------------------
#
# One CSV line per record that would change: id, the new values of the file's fields, in_library,
# then the row number, the application number and the status before. NULL is \N (only the
# nullable non-text fields are ever NULL); lists are JSON; booleans t/f.


def _plan_name(batch: ImportBatch) -> str:
    return f"{PLAN_DIR}/{batch.pk}.csv.gz"


def _field_kind(name: str) -> str:
    return InventoryRecord._meta.get_field(name).get_internal_type()


class _PlanWriter:
    """Writes plan lines a chunk at a time (`end_chunk` returns the chunk's text, for the stage) to a
    gzipped temporary file, then into the storage."""

    def __enter__(self) -> "_PlanWriter":
        self.file = tempfile.TemporaryFile()
        self.gzip = gzip.GzipFile(fileobj=self.file, mode="wb", compresslevel=1)
        self.text = io.TextIOWrapper(self.gzip, encoding="utf-8", newline="")
        self.chunk = io.StringIO()
        self.csv = csv.writer(self.chunk, lineterminator="\n")
        self.encoders: list[tuple[int, object]] = []
        return self

    def start(self, fields: list[str]) -> None:
        for index, name in enumerate(fields):
            kind = _field_kind(name)
            if kind == "JSONField":
                self.encoders.append((index, _encode_json))
            elif kind == "BooleanField":
                self.encoders.append((index, _encode_bool))
            elif name in NULLABLE:
                self.encoders.append((index, _encode_null))

    def write(self, record_id: int, new: list, in_library: bool, row_number: int, number: str, status: str,
              score: int) -> None:
        line = [record_id, *new]
        for index, encode in self.encoders:
            line[index + 1] = encode(line[index + 1])
        line += ["t" if in_library else "f", row_number, number, status, score]
        self.csv.writerow(line)

    def end_chunk(self) -> str:
        """The lines written since the last call, to be kept with `write_chunk` (by the caller's worker)."""
        text = self.chunk.getvalue()
        self.chunk = io.StringIO()
        self.csv = csv.writer(self.chunk, lineterminator="\n")
        return text

    def write_chunk(self, text: str) -> None:
        self.text.write(text)

    def save_to(self, name: str) -> None:
        self.write_chunk(self.end_chunk())
        self.text.flush()
        self.gzip.close()  # writes the gzip trailer; the underlying file stays open
        self.file.seek(0)
        default_storage.delete(name)
        saved = default_storage.save(name, File(self.file))
        if saved != name:
            default_storage.delete(saved)
            raise RuntimeError(f"the plan could not be stored as {name}")

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.text.close()
        self.file.close()


NULLABLE = {"is_financially_funded", "maturity", "asking_price"}


def _encode_json(value: object) -> str:
    # The lists here hold codes (intents, industries): joined directly, json.dumps only if one needs escaping.
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        plain = "".join(value)
        if '"' not in plain and "\\" not in plain and plain.isprintable():
            return '["' + '","'.join(value) + '"]' if value else "[]"
    return json.dumps(value, ensure_ascii=False)


def _encode_bool(value: object) -> str:
    return r"\N" if value is None else ("t" if value else "f")


def _encode_null(value: object) -> object:
    return r"\N" if value is None else value


def _decode(name: str, kind: str, text: str) -> object:
    if name in NULLABLE and text == r"\N":
        return None
    if kind == "JSONField":
        return json.loads(text)
    if kind == "BooleanField":
        return text == "t"
    if kind in {"PositiveSmallIntegerField", "IntegerField", "SmallIntegerField"}:
        return int(text)
    if kind == "DecimalField":
        return Decimal(text)
    return text


@contextlib.contextmanager
def _plan_lines(batch: ImportBatch) -> Iterator[Iterator[list[str]]]:
    name = _plan_name(batch)
    if not default_storage.exists(name):
        yield iter(())
        return
    with default_storage.open(name, "rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
        yield csv.reader(io.TextIOWrapper(unzipped, encoding="utf-8", newline=""))


def plan_page(batch: ImportBatch, start: int, stop: int) -> list[dict]:
    """Plan lines [start, stop): each a dict with id, values (new), in_library, row, number, status_before."""
    fields = (batch.counts or {}).get("fields", [])
    state = (batch.counts or {}).get("review_state", ReviewState.APPROVED)
    kinds = [_field_kind(name) for name in fields]
    page = []
    with _plan_lines(batch) as lines:
        for line in itertools.islice(lines, start, stop):
            values = {name: _decode(name, kind, text)
                      for name, kind, text in zip(fields, kinds, line[1:], strict=False)}
            tail = line[len(fields) + 1:]
            page.append({"id": int(line[0]), "values": values, "in_library": tail[0] == "t", "row": int(tail[1]),
                         "number": tail[2], "status_before": tail[3], "listing_score": int(tail[4]),
                         "review_state": state})
    return page


def _drop_plan(batch: ImportBatch) -> None:
    default_storage.delete(_plan_name(batch))
    upload_stage.drop(batch.pk)


# --- commit ---------------------------------------------------------------------------------------


class StalePlan(UploadError):
    """Records of the plan changed after the validation: the preview no longer holds."""


def committable_batches(actor):
    """The inventory batches the actor may commit or cancel: the batches the scope lets them edit
    (an institution its own), for users who upload at all (the operator reviews, never commits)."""
    if not can_upload(actor):
        return ImportBatch.objects.none()
    return ImportBatch.objects.editable_by(actor).filter(kind=ImportBatch.Kind.INVENTORY)


def request_commit(*, actor, batch: ImportBatch, all_or_nothing: bool = False, request=None) -> ImportBatch:
    """Commit inline when the plan is small, else as a Celery task (the page polls). A plan gone
    stale is validated again, and the person asked to confirm the new preview."""
    batch = _committable(actor, batch)
    _refuse_if_not_committable(batch, all_or_nothing)
    changes = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    if changes > settings.IMPORT_ASYNC_ROW_THRESHOLD and batch.status != Status.COMMITTED:
        from .tasks import commit_inventory_batch

        _set(batch, status=Status.COMMITTING, progress=0, all_or_nothing=all_or_nothing, failure="",
             progress_message=_("正在写入 %(n)d 条盘点记录") % {"n": changes})
        commit_inventory_batch.delay(batch.pk, actor.pk, all_or_nothing)
        batch.refresh_from_db()
        return batch
    try:
        return commit_batch(actor=actor, batch=batch, all_or_nothing=all_or_nothing, request=request)
    except StalePlan as error:
        revalidate(batch)
        raise UploadError(str(error)) from None


def revalidate(batch: ImportBatch) -> ImportBatch:
    """Validate the batch's file again (its plan went stale)."""
    _set(batch, status=Status.UPLOADED)
    return start_validation(batch)


def _committable(actor, batch: ImportBatch) -> ImportBatch:
    """The batch re-read within the actor's scope; out of scope is ImportBatch.DoesNotExist (a 404)."""
    return committable_batches(actor).select_related("organization").get(pk=batch.pk)


def _refuse_if_not_committable(batch: ImportBatch, all_or_nothing: bool) -> None:
    if batch.status not in {Status.VALIDATED, Status.COMMITTING, Status.COMMITTED}:
        raise UploadError(_("该批次的状态是“%(status)s”,不能导入") % {"status": batch.get_status_display()})
    rejected = batch.counts.get("rejected", 0)
    if all_or_nothing and rejected and batch.status != Status.COMMITTED:
        raise UploadError(
            _("已选择“全部或不导入”:文件中有 %(n)d 行错误,没有写入任何数据。请修正后重新上传,或选择只导入正确的行。")
            % {"n": rejected}
        )


def commit_batch(*, actor, batch: ImportBatch, all_or_nothing: bool = False, request=None) -> ImportBatch:
    """Apply the validated plan in one transaction. Idempotent: a committed batch is returned as it is.

    Raises UploadError (nothing written) when the file has bad rows and all_or_nothing is asked,
    when planned records left the actor's scope, or (StalePlan) when they changed since validation.
    """
    with transaction.atomic():
        batch = _committable(actor, batch)
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == Status.COMMITTED:
            return batch
        _refuse_if_not_committable(batch, all_or_nothing)
        now = timezone.now()
        if connection.vendor == "postgresql":
            new, updated = _apply_postgresql(actor, batch, now)
        else:
            new, updated = _apply_portable(actor, batch, now)
        if "industry_codes" in batch.counts.get("fields", []) and new + updated:
            # The file's 所属产业 override the automatic industries of those patents: a follow-up task.
            from .tasks import apply_industry_overrides_task

            transaction.on_commit(lambda: apply_industry_overrides_task.delay(batch.pk))
        counts = {**batch.counts, "new": new, "updated": updated}
        batch.status = Status.COMMITTED
        batch.all_or_nothing = all_or_nothing
        batch.counts = counts
        batch.committed_at = now
        batch.progress = 100
        batch.progress_message = ""
        batch.failure = ""
        batch.save(update_fields=["status", "all_or_nothing", "counts", "committed_at", "progress",
                                  "progress_message", "failure"])
        record(
            "inventory.upload_commit", actor=actor, request=request, target=batch, organization=batch.organization,
            after={"new": new, "updated": updated, "unchanged": counts.get("unchanged", 0),
                   "rejected": counts.get("rejected", 0)},
            file=batch.original_name, all_or_nothing=all_or_nothing,
        )
        transaction.on_commit(lambda: _drop_plan(batch))
    return batch


def _check_scope_and_freshness(actor, batch: ImportBatch, planned: int, ids) -> None:
    """The scope, re-checked in aggregate, and the plan's freshness; `ids` is a queryset or list of ids."""
    editable = InventoryRecord.objects.editable_by(actor).filter(pk__in=ids)
    since = _validated_at(batch)
    found = editable.aggregate(in_scope=Count("pk"), stale=Count("pk", filter=Q(updated_at__gt=since)))
    in_scope, stale = found["in_scope"], found["stale"]
    if in_scope != planned:
        raise UploadError(
            _("有 %(n)d 条专利已不在本单位可编辑的范围内(权利人或盘点单位已变更),没有写入任何数据,请重新上传")
            % {"n": planned - in_scope}
        )
    if stale:
        raise StalePlan(
            _("校验之后有 %(n)d 条盘点记录被修改过,预览已失效:已按最新数据重新校验,请查看新的预览后再确认导入")
            % {"n": stale}
        )


class _NotAllWritten(Exception):
    """Some planned records were out of scope or changed: the commit's savepoint is rolled back."""


def _validated_at(batch: ImportBatch):
    """When the plan was read: records changed after it make the plan stale."""
    return batch.validated_at or timezone.now()


def _apply_postgresql(actor, batch: ImportBatch, now) -> tuple[int, int]:
    """From the batch's staging table (inventory.upload_stage; rebuilt from the plan file when it
    is gone): the staged history with one INSERT … SELECT, then the records with one UPDATE … FROM
    that also checks scope and freshness; the table is dropped with the commit."""
    fields = batch.counts.get("fields", [])
    state = batch.counts.get("review_state", ReviewState.APPROVED)
    if state not in ReviewState.values:
        raise UploadError(_("预览数据已损坏,请重新上传"))
    stage = upload_stage.PlanStage(batch.pk, fields, state)
    model = [InventoryRecord._meta.get_field(name) for name in fields]
    records = InventoryRecord._meta.db_table
    history_table = InventoryChange._meta.db_table
    expected = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    with connection.cursor() as cursor:
        counts = stage.counts(cursor)
        if counts is None or counts[0] != expected:  # emptied by a crash, or dropped by the cleanup
            with _plan_file(batch) as plan:
                stage.rebuild(cursor, plan)
            counts = stage.counts(cursor)
        planned, new = counts
        table = f'"{stage.table}"'
        if not planned:
            cursor.execute(f"DROP TABLE {table}")
            return 0, 0
        cursor.execute(
            f'INSERT INTO "{history_table}" (record_id, changed_at, changed_by_id, source, batch_id, changes) '
            f"SELECT id, %s, %s, %s, %s, changes FROM {table} ORDER BY row_number",
            [now, actor.pk, InventoryChange.Source.UPLOAD.value, batch.pk],
        )
        assignments = "".join(f'"{f.column}" = p."{f.column}", ' for f in model)
        source = f"{table} AS p"
        if "department" in fields:
            # The departments the file names, created once; each record linked in the same UPDATE.
            departments = Department._meta.db_table
            cursor.execute(
                f'INSERT INTO "{departments}" (organization_id, name, created_at) '
                f"SELECT DISTINCT %s, p.department, %s FROM {table} AS p WHERE p.department <> '' "
                "ON CONFLICT (organization_id, name) DO NOTHING",
                [batch.organization_id, now],
            )
            source += (f' LEFT JOIN "{departments}" AS d ON d.organization_id = {int(batch.organization_id)} '
                       "AND d.name = p.department")
            assignments += "department_unit_id = d.id, "
        # Scope and freshness in the same statement: only records the actor may still edit and that
        # nobody changed since validation are written; if any planned one is not, the specific reason
        # is found and the whole transaction (the history above included) rolled back.
        editable, editable_params = InventoryRecord.objects.editable_by(actor).values("pk").query.sql_with_params()
        try:
            with transaction.atomic():  # a savepoint: the reason is looked for in the records as they were
                cursor.execute(
                    f'UPDATE "{records}" AS r SET {assignments}in_library = p.in_library, status = %s, '
                    f"inventoried_at = %s, updated_at = %s, updated_by_id = %s, review_state = %s, "
                    f"return_reason = '', listing_score = p.listing_score FROM {source} "
                    f"WHERE r.id = p.id AND r.updated_at <= %s AND r.id IN ({editable})",
                    [InventoryStatus.INVENTORIED.value, now, now, actor.pk, state, _validated_at(batch),
                     *editable_params],
                )
                written = cursor.rowcount
                if written != planned:
                    raise _NotAllWritten
        except _NotAllWritten:
            _check_scope_and_freshness(actor, batch, planned, RawSQL(f"SELECT id FROM {table}", []))
            raise StalePlan(  # a record changed between the two statements; the check names the usual reasons
                _("校验之后有 %(n)d 条盘点记录被修改过,预览已失效:已按最新数据重新校验,请查看新的预览后再确认导入")
                % {"n": planned - written}
            ) from None
        cursor.execute(f"DROP TABLE {table}")
    return new, planned - new


@contextlib.contextmanager
def _plan_file(batch: ImportBatch):
    """The plan, uncompressed, as a binary stream (for COPY)."""
    name = _plan_name(batch)
    if not default_storage.exists(name):
        yield io.BytesIO()
        return
    with default_storage.open(name, "rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
        yield unzipped


def planned_changes(fields: list[str], old: dict, line: dict) -> dict[str, list]:
    """{field: [old, new]} of one plan line against the record's current values (`old`: the
    fields, status and in_library), as the change history records it."""
    changes = history.diff({name: old[name] for name in fields}, line["values"])
    if old["status"] != InventoryStatus.INVENTORIED:
        changes["status"] = [old["status"], InventoryStatus.INVENTORIED.value]
    if old["in_library"] != line["in_library"]:
        changes["in_library"] = [old["in_library"], line["in_library"]]
    if old.get("review_state", line["review_state"]) != line["review_state"]:
        changes["review_state"] = [old["review_state"], line["review_state"]]
    return changes


def _apply_portable(actor, batch: ImportBatch, now) -> tuple[int, int]:
    """Other databases (SQLite: demo and tests): the plan in chunks, bulk_update and bulk_create."""
    fields = batch.counts.get("fields", [])
    total = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    lines = plan_page(batch, 0, total)
    if not lines:
        return 0, 0
    for part in _chunks([line["id"] for line in lines], LOOKUP_CHUNK):
        _check_scope_and_freshness(actor, batch, len(part), part)
    editable = InventoryRecord.objects.editable_by(actor)
    new = 0
    for part in _chunks(lines, LOOKUP_CHUNK):
        current = {values["id"]: values for values in editable.filter(pk__in=[line["id"] for line in part])
                   .values("id", *fields, "status", "in_library", "review_state")}
        objects, entries = [], []
        for line in part:
            old = current[line["id"]]
            obj = InventoryRecord(pk=line["id"], status=InventoryStatus.INVENTORIED, inventoried_at=now,
                                  updated_at=now, updated_by=actor, in_library=line["in_library"],
                                  review_state=line["review_state"], return_reason="",
                                  listing_score=line["listing_score"], **line["values"])
            new += old["status"] == InventoryStatus.PENDING
            objects.append(obj)
            entries.append(history.change(record_id=line["id"], changes=planned_changes(fields, old, line),
                                          actor=actor, source=InventoryChange.Source.UPLOAD, batch=batch, at=now))
        history.write_changes(entries)
        InventoryRecord.objects.bulk_update(
            objects, [*fields, "in_library", "status", "inventoried_at", "updated_at", "updated_by", "review_state",
                      "return_reason", "listing_score"], batch_size=500
        )
    if "department" in fields:
        resolve_departments(InventoryRecord.objects.filter(pk__in=[line["id"] for line in lines]))
    return new, len(lines) - new


# --- cancel, failure, helpers -----------------------------------------------------------------------


def cancel_batch(*, actor, batch: ImportBatch, request=None) -> ImportBatch:
    with transaction.atomic():
        batch = committable_batches(actor).select_for_update().get(pk=batch.pk)
        if batch.status not in {Status.UPLOADED, Status.VALIDATING, Status.VALIDATED, Status.FAILED}:
            raise UploadError(_("该批次的状态是“%(status)s”,不能取消") % {"status": batch.get_status_display()})
        batch.status = Status.CANCELLED
        batch.progress_message = ""
        batch.save(update_fields=["status", "progress_message"])
        record("inventory.upload_cancel", actor=actor, request=request, target=batch,
               organization=batch.organization, file=batch.original_name)
        transaction.on_commit(lambda: _drop_plan(batch))
    return batch


def _fail(batch: ImportBatch, message: str) -> ImportBatch:
    _set(batch, status=Status.FAILED, failure=message, progress=100, progress_message="")
    upload_stage.drop(batch.pk)
    return batch


def _set(batch: ImportBatch, **fields) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


@contextlib.contextmanager
def local_path(batch: ImportBatch) -> Iterator[Path]:
    """A local path to the batch's file (a copy when the storage is not a local folder)."""
    try:
        local = Path(batch.file.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with tempfile.NamedTemporaryFile(suffix=Path(batch.original_name).suffix) as handle:
        with batch.file.open("rb") as source:
            shutil.copyfileobj(source, handle)
        handle.flush()
        yield Path(handle.name)


# --- templates and the pre-filled export ----------------------------------------------------------


def write_blank_template(*, actor, target, request=None) -> None:
    """The inventory format's blank template (an export of no data, audited like the others)."""
    write_template(target, InventoryFormat(), notes=template_notes())
    record("export.inventory_template", actor=actor, request=request)


def template_notes() -> list[str]:
    return [
        _("每行一件本单位作为第一权利人的专利;共有专利由第一权利人单位盘点。"),
        _("“所属产业”填战略性新兴产业分类(2018)代码,如 1.5 人工智能、4.1 生物医药产业。"),
        _("同一文件再次上传不会产生变化;只会导入与现有盘点数据不同的行。"),
    ]


def prefilled_rows(actor) -> Iterator[list]:
    """The actor's editable records as template rows, in the format's column order, streamed."""
    fmt = InventoryFormat()
    keys = [column.key for column in fmt.columns]
    record_fields = [key for key in keys if key in RECORD_FIELDS]
    queryset = (
        InventoryRecord.objects.editable_by(actor)
        .order_by("patent__application_number")
        .values_list("patent__application_number", "patent__title", *record_fields)
    )
    for number, title, *values in queryset.iterator(chunk_size=2000):
        by_key = {"application_number": number, "title": title}
        by_key.update({name: cell_value(name, value) for name, value in zip(record_fields, values, strict=True)})
        yield [by_key.get(key) for key in keys]


def write_prefilled(*, actor, target, request=None) -> int:
    """"My patents pre-filled": the actor's editable records with their current values, written into
    the template (write-only, row by row) to edit offline and upload again. Audited; returns the rows."""
    if not can_upload(actor):
        raise PermissionDenied
    written = write_template(target, InventoryFormat(), rows=prefilled_rows(actor), notes=template_notes())
    record("export.inventory_prefilled", actor=actor, request=request, rows=written)
    return written
