"""The base library (存量专利基础库, DATA-STANDARD.md §2): its sheet format and its import.

The platform operator loads the national base library — about 1.5 million rows — from an .xlsx
or a .csv. The import streams: rows are read, checked and written CHUNK_SIZE at a time, and
nothing but the chunk in hand (two on PostgreSQL, one being written while the next is read), a
compact index of the application numbers seen (for duplicates inside the file) and the distinct
unmatched patentee names is kept, so memory stays flat whatever the number of rows. (A small
.xlsx sheet is held whole by python-calamine while it is read, about 2 KB a row of this format;
one whose XML passes 128 MB is streamed row by row: see ground.sheets.reader.)

Each patent is upserted by its canonical application number and counted exactly as new,
updated (a field value or its institution owners changed) or unchanged. Patentees are matched
to institutions (inventory.patents.patentees); the institutions among them become the patent's owners
(PatentOwnership, in patentee order), and a patent with an institution owner and no inventory
record gets one, pending, for its first institution patentee. Existing records are never
touched by an import.

Transactions: each chunk commits on its own. That is safe because the import is idempotent and
resumable — every chunk writes the state the file describes (upsert by application number,
owners set to exactly the matched institutions, a record created only where none exists), never
a delta, so re-running a file, whole or after a run was killed part-way, converges to the same
state; rows a killed run had already written simply count as unchanged the second time. One
transaction over 1.5 million rows would instead hold locks and a rollback segment for the
whole run and lose all of it to one interruption.

Bulk by design, never a query per row: per chunk one query fetches the existing patents, one
bulk insert adds the new ones, updates go out in bulk, ownerships and records likewise. On
PostgreSQL the chunk is COPYed into a temporary staging table and merged with UPDATE … FROM
(changes detected in SQL) and INSERT … SELECT, ownerships and records inserted from arrays
(unnest), on a second connection that writes one chunk while the next is read; an advisory
lock keeps two imports from running at once. Other databases (SQLite for demos and tests) take
the portable ORM path. Both paths give the same result and counts.
"""

import csv
import hashlib
import io
import json
import re
import secrets
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record
from accounts.identifiers import normalize_credit_code
from accounts.services import platform_organization
from ground.db_worker import DatabaseWorker
from ground.sheets import CellError, CellValueError, Column, SheetError, SheetFormat, cells, open_sheet
from ground.sheets.formats import ParsedRow, SheetLayout, UniqueIndex, iter_rows
from ground.sheets.reader import estimate_rows
from ground.tasks import enqueue
from ground.uploads import store_upload
from inventory.choices import InventoryStatus, LegalStatus, PatentType
from inventory.models import ImportBatch, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import (
    InvalidPatentNumber,
    normalize_application_number,
    normalize_ipc,
    normalize_locarno,
    patent_type_of,
)
from inventory.patents.patentees import PatenteeMatcher, owners

# Rows written per transaction. 10,000 keeps a chunk (with abstracts) to a few megabytes and the
# per-chunk round trips negligible; much larger chunks only grow memory.
CHUNK_SIZE = 10_000
# Row errors kept on the ImportBatch (shown on the page); all of them go to the error report file.
MAX_STORED_ERRORS = 2_000
MAX_STORED_UNMATCHED = 2_000

# The task that runs an uploaded import, and the follow-up task that derives industries, fields,
# search documents and listing scores of the patents an import wrote (inventory/tasks.py registers
# both under these names).
IMPORT_TASK = "inventory.import_base_library"
DERIVE_TASK = "inventory.derive_patent_data"


# Cell parsers --------------------------------------------------------------------------------


def parse_application_number(value: object) -> str:
    try:
        return normalize_application_number(value)
    except InvalidPatentNumber as error:
        raise CellValueError(str(error)) from None


PATENT_TYPES = {"发明": PatentType.INVENTION, "实用新型": PatentType.UTILITY_MODEL, "外观设计": PatentType.DESIGN}
LEGAL_STATUSES = {
    "有效": LegalStatus.VALID,
    "有权": LegalStatus.VALID,
    "失效": LegalStatus.INVALID,
    "无权": LegalStatus.INVALID,
    "终止": LegalStatus.INVALID,
    "放弃": LegalStatus.INVALID,
}
_GRANT_NUMBER = re.compile(r"^(?:CN)?(\d{6,10}[A-Z]\d?)$")
_LOCARNO_SHAPE = re.compile(r"^\d{2}-\d{2}$")
# A person among the patentees has no credit code: "-" or an empty place keeps the order.
_NO_CODE = {"", "-", "—", "--", "/", "无", "NONE", "N/A"}


def parse_grant_number(value: object) -> str:
    raw = cells.fold(value)
    match = _GRANT_NUMBER.match(raw.upper().replace(" ", ""))
    if not match:
        raise CellValueError(_("“%(value)s”不是有效的授权公告号,应写作如 CN116012345B") % {"value": raw})
    return "CN" + match.group(1)


def parse_names(value: object) -> list[str]:
    names = cells.split_list(value)
    if not names:
        raise CellValueError(_("没有可识别的名称"))
    return names


@lru_cache(maxsize=65536)  # the same few thousand institutions' codes recur row after row
def _checked_credit_code(place: str) -> tuple[str, str]:
    """(code, "") or ("", the reason it is wrong)."""
    try:
        return normalize_credit_code(place), ""
    except ValidationError as error:
        return "", error.messages[0]


def parse_credit_codes(value: object) -> list[str]:
    """The codes in the order of 专利权人, "" where a patentee (a person) has none."""
    places = [item.strip() for item in cells.LIST_SEPARATORS.split(cells.fold(value))]
    codes = []
    for place in places:
        if place.upper() in _NO_CODE:
            codes.append("")
            continue
        code, problem = _checked_credit_code(place)
        if problem:
            raise CellValueError(problem)
        codes.append(code)
    return codes if any(codes) else []


def parse_classification(value: object) -> str:
    """An IPC symbol (inventions, utility models) or a Locarno class (designs)."""
    raw = cells.fold(value)
    try:
        return normalize_ipc(raw)
    except InvalidPatentNumber:
        pass
    try:
        return normalize_locarno(raw)
    except InvalidPatentNumber:
        raise CellValueError(
            _("“%(value)s”既不是 IPC 分类号(如 G06F 16/30),也不是外观设计的洛迦诺分类号(如 14-02)") % {"value": raw}
        ) from None


def parse_ipc_list(value: object) -> list[str]:
    codes = []
    for item in cells.split_list(value):
        try:
            codes.append(normalize_ipc(item))
        except InvalidPatentNumber as error:
            raise CellValueError(str(error)) from None
    return list(dict.fromkeys(codes))


# The format ----------------------------------------------------------------------------------


class ApplicationNumberIndex(UniqueIndex):
    """The application numbers met so far in a file, in about 12 bytes each instead of a dict's ~150.

    Recent numbers sit in a dict; every FREEZE_AT of them are merged into one sorted numpy array
    of keys (the number's digits as an integer) with the row that held each.
    """
    FREEZE_AT = 100_000

    def __init__(self) -> None:
        self._recent: dict[int, int] = {}
        self._keys = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int32)

    @staticmethod
    def key(number: str) -> int:
        # "CN202310123456.6" -> 202310123456; old 8-digit numbers stay below 10^8, so never collide.
        return int(number[2:-2])

    def first_row(self, key: object, row_number: int) -> int | None:
        digits = self.key(str(key))
        first = self._recent.get(digits)
        if first is not None:
            return first
        if self._keys.size:
            at = int(np.searchsorted(self._keys, digits))
            if at < self._keys.size and int(self._keys[at]) == digits:
                return int(self._rows[at])
        self._recent[digits] = row_number
        if len(self._recent) >= self.FREEZE_AT:
            self._freeze()
        return None

    def _freeze(self) -> None:
        count = len(self._recent)
        keys = np.concatenate([self._keys, np.fromiter(self._recent.keys(), dtype=np.int64, count=count)])
        rows = np.concatenate([self._rows, np.fromiter(self._recent.values(), dtype=np.int32, count=count)])
        order = np.argsort(keys, kind="stable")
        self._keys, self._rows = keys[order], rows[order]
        self._recent.clear()

    def __len__(self) -> int:
        return len(self._recent) + int(self._keys.size)


class BaseLibraryFormat(SheetFormat):
    name = "base_library"
    title = gettext_lazy("存量专利基础库")
    columns = [
        Column("申请号", "application_number", parse_application_number, required=True,
               help=gettext_lazy("如 CN202310123456.6;可带或不带 CN、ZL 和小数点")),
        Column("专利名称", "title", cells.text_max(500), required=True),
        Column("专利类型", "patent_type", cells.enum(PATENT_TYPES), choices=("发明", "实用新型", "外观设计"),
               help=gettext_lazy("可不填;填写时须与申请号的类型位一致")),
        Column("申请日", "application_date", cells.date, required=True, number_format="yyyy-mm-dd"),
        Column("授权公告日", "grant_date", cells.date, required=True, number_format="yyyy-mm-dd"),
        Column("授权公告号", "grant_number", parse_grant_number, help=gettext_lazy("如 CN116012345B")),
        Column("法律状态", "legal_status", cells.enum(LEGAL_STATUSES), required=True, choices=("有效", "失效")),
        Column("专利权人", "patentees", parse_names, required=True, multiple=True,
               help=gettext_lazy("多个权利人按顺序以分号隔开")),
        Column("专利权人统一社会信用代码", "patentee_credit_codes", parse_credit_codes, multiple=True,
               help=gettext_lazy("与专利权人一一对应,按同样顺序以分号隔开;个人等没有代码的写 -")),
        Column("发明人", "inventors", parse_names, required=True, multiple=True),
        Column("主分类号", "main_ipc", parse_classification,
               help=gettext_lazy("发明和实用新型必填 IPC(如 G06F 16/30);外观设计填洛迦诺分类号(如 14-02)")),
        Column("分类号", "ipc_codes", parse_ipc_list, multiple=True),
        Column("摘要", "abstract", cells.text),
        Column("财政资助项目编号", "funding_project_number", cells.text_max(200)),
        Column("资助来源", "funding_source", cells.text_max(200)),
    ]
    unique_key = "application_number"

    def unique_index(self) -> UniqueIndex:
        return ApplicationNumberIndex()

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        number = values["application_number"]
        implied = patent_type_of(number)
        stated = values.get("patent_type")
        if stated and stated != implied:
            error("专利类型", _("专利类型“%(stated)s”与申请号的类型位(%(implied)s)不一致") % {
                "stated": PatentType(stated).label, "implied": PatentType(implied).label,
            })
        values["patent_type"] = implied
        main_class = values.get("main_ipc")
        if implied == PatentType.DESIGN:
            if main_class and not _LOCARNO_SHAPE.match(main_class):
                error("主分类号", _("外观设计的主分类号应为洛迦诺分类号,如 14-02"))
        elif not main_class:
            error("主分类号", _("发明和实用新型须填写主分类号(IPC)"))
        elif _LOCARNO_SHAPE.match(main_class):
            error("主分类号", _("发明和实用新型的主分类号应为 IPC 分类号,如 G06F 16/30"))
        applied, granted = values.get("application_date"), values.get("grant_date")
        if applied and granted and granted < applied:
            error("授权公告日", _("授权公告日 %(granted)s 早于申请日 %(applied)s") % {
                "granted": granted.isoformat(), "applied": applied.isoformat(),
            })
        codes = values.get("patentee_credit_codes") or []
        names = values.get("patentees") or []
        if codes and len(codes) != len(names):
            error("专利权人统一社会信用代码", _(
                "有 %(codes)d 个信用代码,但有 %(names)d 个专利权人:请按专利权人的顺序逐一填写,没有代码的写 -"
            ) % {"codes": len(codes), "names": len(names)})


# The import ----------------------------------------------------------------------------------

# Patent fields the base library sets, compared to count a patent as updated or unchanged.
PATENT_FIELDS = (
    "title", "patent_type", "application_date", "grant_date", "grant_number", "legal_status",
    "patentees", "patentee_credit_codes", "inventors", "main_ipc", "ipc_codes", "abstract",
    "funding_project_number", "funding_source",
)
JSON_FIELDS = frozenset({"patentees", "patentee_credit_codes", "inventors", "ipc_codes"})
# Empty cells: "" for text, [] for lists (the model's blanks), so that compare and store agree.
_BLANK = {name: ([] if name in JSON_FIELDS else "") for name in PATENT_FIELDS}


@dataclass(slots=True)
class PatentRow:
    """One accepted row, ready to write: the model's field values and the institution owners."""
    row_number: int
    application_number: str
    values: dict[str, object]
    owners: list[tuple[int, int]]  # (organization id, patentee position)


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ownerships_added: int = 0
    ownerships_removed: int = 0
    records_created: int = 0


@dataclass
class BaseLibraryResult:
    batch: ImportBatch
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    ownerships_added: int = 0
    ownerships_removed: int = 0
    records_created: int = 0
    # distinct patentee names that look like institutions but matched none: name -> [count, first row]
    unmatched_names: dict[str, list[int]] = field(default_factory=dict)
    non_institution_patentees: int = 0
    failure: str = ""
    report_path: str = ""

    @property
    def unmatched(self) -> int:
        return len(self.unmatched_names)

    @property
    def unmatched_rows(self) -> int:
        return sum(count for count, _first in self.unmatched_names.values())

    def add(self, outcome: ChunkOutcome) -> None:
        self.created += outcome.created
        self.updated += outcome.updated
        self.unchanged += outcome.unchanged
        self.ownerships_added += outcome.ownerships_added
        self.ownerships_removed += outcome.ownerships_removed
        self.records_created += outcome.records_created

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total_rows, "new": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "unmatched": self.unmatched, "unmatched_rows": self.unmatched_rows,
            "non_institution_patentees": self.non_institution_patentees,
            "ownerships_added": self.ownerships_added, "ownerships_removed": self.ownerships_removed,
            "records_created": self.records_created,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# A base library file over the browser's limit is for the command line.
TOO_LARGE = gettext_lazy(
    "文件大小 %(size).1f MB 超过上限 %(limit).0f MB;更大的基础库请由运维人员用命令 import_base_library 导入")


def stage_upload(*, actor, file, request=None) -> ImportBatch:
    """Keep a file uploaded through the page as a new base library batch (to be run by `run_batch`),
    filed under the platform organisation."""
    batch = ImportBatch(kind=ImportBatch.Kind.BASE_LIBRARY, organization=platform_organization(), created_by=actor)
    return store_upload(batch, file, prefix="base-library", too_large=TOO_LARGE, audit=lambda batch, **detail: record(
        "inventory.base_library_upload", actor=actor, request=request, target=batch, organization=batch.organization,
        **detail))


def queue_import(batch: ImportBatch) -> None:
    """Hand a stored upload to the import task (in-process without a broker); the batch keeps the
    task's id."""
    result = enqueue(IMPORT_TASK, batch.pk)
    ImportBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=result.id or "")


def run_batch(batch: ImportBatch, *, actor=None, request=None, chunk_size: int = CHUNK_SIZE) -> BaseLibraryResult:
    """Import the file kept on `batch` (the browser path, run by the Celery task)."""
    return import_base_library(
        batch.file.path, batch.original_name, batch=batch, actor=actor or batch.created_by, request=request,
        chunk_size=chunk_size,
    )


def import_base_library(
    path: str | Path,
    original_name: str | None = None,
    *,
    actor=None,
    request=None,
    batch: ImportBatch | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[BaseLibraryResult], None] | None = None,
) -> BaseLibraryResult:
    """Import a base library file; returns the counts. Every run is an ImportBatch and an audit event.

    A file that cannot be read at all (wrong type, missing column…) fails the batch with the
    reason in `failure`; bad rows are rejected one by one and the others imported.
    """
    path = Path(path)
    original_name = original_name or path.name
    if batch is None:
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.BASE_LIBRARY, organization=platform_organization(), created_by=actor,
            original_name=original_name[:255], sha256=file_sha256(path),
        )
    result = BaseLibraryResult(batch)
    _set_batch(batch, status=ImportBatch.Status.COMMITTING, progress=0, progress_message=_("正在读取文件"))
    fmt = BaseLibraryFormat()
    try:
        sheet = open_sheet(path, original_name, fmt.required_headers)
    except SheetError as error:
        result.failure = str(error)
        _finish(result, actor=actor, request=request, report=None)
        return result
    with _one_import_at_a_time() as alone:
        if not alone:
            result.failure = _("另一个基础库导入正在进行,请等它结束后再导入")
            _finish(result, actor=actor, request=request, report=None)
            return result
        return _import_rows(result, sheet, fmt, path, original_name, actor=actor, request=request,
                            chunk_size=chunk_size, progress=progress)


@contextmanager
def _one_import_at_a_time():
    """On PostgreSQL, a session advisory lock: two imports interleaving their chunks would race
    on the same new application numbers. It goes with the connection if the process dies."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


_LOCK_KEY = 0x706E_626C  # "pnbl"


def _import_rows(
    result: BaseLibraryResult, sheet, fmt: BaseLibraryFormat, path: Path, original_name: str, *, actor, request,
    chunk_size: int, progress: Callable[[BaseLibraryResult], None] | None,
) -> BaseLibraryResult:
    batch = result.batch
    started = timezone.now()
    expected_rows = estimate_rows(path, original_name)
    report = _ErrorReport()
    layout = SheetLayout(sheet, fmt)
    _report_unknown_columns(report, sheet.header_row, layout.unknown)
    present = [name for name in PATENT_FIELDS if name == "patent_type" or name in layout.present_keys]
    matcher = PatenteeMatcher()
    writer = _ChunkWriter(_writer(present))
    unmatched: Counter[str] = Counter()
    first_rows: dict[str, int] = {}
    chunk: list[PatentRow] = []
    written = _ChunkProgress(result, expected_rows, progress)
    try:
        try:
            for item in iter_rows(sheet, fmt, layout):
                result.total_rows += 1
                if not isinstance(item, ParsedRow):
                    result.rejected += 1
                    for error in item.errors:
                        report.add(error)
                    continue
                values = item.values
                matches = matcher.match(values["patentees"], values.get("patentee_credit_codes") or ())
                for match in matches:
                    if match.is_unmatched_institution:
                        unmatched[match.name] += 1
                        first_rows.setdefault(match.name, item.row_number)
                    elif match.organization_id is None:
                        result.non_institution_patentees += 1
                # Every field is carried (blanks for absent columns, which a new patent needs); only the
                # `present` ones are compared and updated: an absent optional column leaves stored values alone.
                chunk.append(PatentRow(
                    item.row_number, values["application_number"],
                    {name: _BLANK[name] if values.get(name) is None else values[name] for name in PATENT_FIELDS},
                    owners(matches),
                ))
                if len(chunk) >= chunk_size:
                    written(writer.submit(chunk[:]))
                    chunk.clear()
            if chunk:
                written(writer.submit(chunk[:]))
            written(writer.drain())
        finally:
            writer.close()
    except Exception as error:
        # Chunks already written stay (the import is idempotent); the batch says where it stopped.
        result.failure = _("导入在第 %(n)d 行附近中断:%(error)s") % {"n": result.total_rows, "error": error}
        _finish(result, actor=actor, request=request, report=report)
        raise
    # The industries, fields, search documents and listing scores of the patents this import
    # created or changed: a follow-up task (at national scale it outlasts the import; without a
    # worker it runs inline).
    _set_batch(batch, progress_message=_("正在分类产业和技术领域、更新检索索引"))
    enqueue(DERIVE_TASK, updated_since=started.isoformat())
    result.unmatched_names = {name: [count, first_rows[name]] for name, count in unmatched.most_common()}
    _finish(result, actor=actor, request=request, report=report)
    return result


def _report_unknown_columns(report: "_ErrorReport", header_row: int, unknown: list[str]) -> None:
    for header in unknown:
        report.add(CellError(header_row, header, "", _("不是基础库格式的列,已忽略"), level="warning"))


class _ChunkProgress:
    """Called with each written chunk's outcome (None while no chunk is done yet): adds it to the
    result and shows the progress on the batch and to the `progress` callback."""

    def __init__(
        self, result: BaseLibraryResult, expected_rows: int,
        progress: Callable[[BaseLibraryResult], None] | None,
    ) -> None:
        self.result = result
        self.expected_rows = expected_rows
        self.progress = progress

    def __call__(self, outcome: ChunkOutcome | None) -> None:
        if outcome is None:
            return
        result, expected_rows = self.result, self.expected_rows
        result.add(outcome)
        share = min(99, int(100 * result.total_rows / expected_rows)) if expected_rows else 0
        _set_batch(result.batch, progress=share, total_rows=result.total_rows,
                   progress_message=_("已处理 %(n)d 行") % {"n": result.total_rows})
        if self.progress:
            self.progress(result)


def _write_chunk(writer: "_PortableWriter", rows: list[PatentRow]) -> ChunkOutcome:
    with transaction.atomic():
        outcome = writer.apply(rows)
    if settings.DEBUG:
        connection.queries_log.clear()  # DEBUG keeps every SQL text: megabytes per chunk
    return outcome


class _ChunkWriter:
    """Writes chunks, on PostgreSQL in a second thread with its own connection while the caller
    reads and checks the next chunk (ground.db_worker): parsing (Python) and merging (the
    database server) then overlap instead of taking turns, which nearly halves the wall time of a
    national import. At most one chunk is in flight, so memory holds two chunks.
    """
    def __init__(self, writer: "_PortableWriter") -> None:
        self.writer = writer
        self.pending: Future | None = None
        self.worker = DatabaseWorker("base-library-writer").open()

    def submit(self, rows: list[PatentRow]) -> ChunkOutcome | None:
        """Hand over a chunk; returns the outcome of the chunk written before it (None if none)."""
        done = self.drain()
        self.pending = self.worker.submit(_write_chunk, self.writer, rows)
        return done

    def drain(self) -> ChunkOutcome | None:
        """Wait for the chunk in flight; its error, if any, is raised here."""
        if self.pending is None:
            return None
        pending, self.pending = self.pending, None
        return pending.result()

    def close(self) -> None:
        try:
            if self.pending is not None:
                wait([self.pending])  # a chunk in flight commits or fails before the batch is closed
        finally:
            self.worker.close()


def _set_batch(batch: ImportBatch, **fields) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    # A queryset update: it commits at once, so the page polling the batch sees the progress.
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


def _finish(result: BaseLibraryResult, *, actor, request, report: "_ErrorReport | None") -> None:
    batch = result.batch
    errors = report.stored if report else []
    for name, (count, first_row) in list(result.unmatched_names.items())[:MAX_STORED_UNMATCHED]:
        errors.append({
            "row": first_row, "column": "专利权人", "value": name, "count": count, "level": "unmatched",
            "message": _("未匹配到高校或科研机构(出现 %(count)d 次);可为该机构添加别名后重新导入") % {"count": count},
        })
    with transaction.atomic():
        if report is not None:
            for name, (count, first_row) in result.unmatched_names.items():
                report.add_unmatched(name, count, first_row)
            saved = report.save_to(batch)
            if saved:
                result.report_path = batch.error_report.path
        batch.total_rows = result.total_rows
        batch.counts = result.counts()
        batch.errors = errors
        batch.failure = result.failure
        batch.status = ImportBatch.Status.FAILED if result.failure else ImportBatch.Status.COMMITTED
        batch.progress = 100
        batch.progress_message = ""
        batch.validated_at = batch.committed_at = timezone.now()
        batch.save()
        record(
            "inventory.base_library_import", actor=actor, request=request, target=batch,
            organization=batch.organization, after=batch.counts, file=batch.original_name,
            status=batch.status, failure=result.failure,
        )


class _ErrorReport:
    """Every problem of the run, streamed to a CSV file (行号, 列, 值, 问题) as it is found; the first
    MAX_STORED_ERRORS are also kept for the ImportBatch."""
    HEADER = ["行号", "列", "值", "问题", "级别"]

    def __init__(self) -> None:
        self.stored: list[dict] = []
        self.count = 0
        self._binary = None
        self._text = None
        self._writer = None

    def _out(self):
        if self._writer is None:
            self._binary = tempfile.TemporaryFile()  # noqa: SIM115 (closed by save_to)
            # utf-8-sig: Excel opens a CSV with a BOM as UTF-8 (without one, as the local code page).
            self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._text)
            self._writer.writerow(self.HEADER)
        return self._writer

    def add(self, error: CellError) -> None:
        self.count += 1
        if len(self.stored) < MAX_STORED_ERRORS:
            self.stored.append({"row": error.row, "column": error.column, "value": error.value,
                                "message": error.message, "level": error.level})
        level = _("警告") if error.level == "warning" else _("错误")
        self._out().writerow([error.row, error.column, error.value, error.message, level])

    def add_unmatched(self, name: str, count: int, first_row: int) -> None:
        self._out().writerow([
            first_row, "专利权人", name,
            _("未匹配到高校或科研机构(出现 %(count)d 次);可为该机构添加别名后重新导入") % {"count": count},
            _("未匹配"),
        ])

    def save_to(self, batch: ImportBatch) -> bool:
        if self._text is None:
            return False
        self._text.flush()
        self._binary.seek(0)
        name = f"base-library-{batch.pk}-{secrets.token_hex(8)}-errors.csv"  # not guessable
        batch.error_report.save(name, File(self._binary), save=False)
        self._text.close()
        return True


# Writing a chunk -----------------------------------------------------------------------------


def _writer(fields: Sequence[str]) -> "_PortableWriter":
    if connection.vendor == "postgresql":
        return _PostgresWriter(fields)
    return _PortableWriter(fields)


class _PortableWriter:
    """The ORM path: per chunk, one read of the existing patents, bulk_create, bulk_update."""
    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = list(fields)

    def apply(self, rows: list[PatentRow]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        now = timezone.now()
        existing: dict[str, dict] = {}
        for part in _slices([row.application_number for row in rows]):
            for values in Patent.objects.filter(application_number__in=part).values("id", "application_number",
                                                                                    *self.fields):
                existing[values["application_number"]] = values
        new, changed, ids = [], [], {}
        changed_ids: set[int] = set()
        for row in rows:
            current = existing.get(row.application_number)
            if current is None:
                new.append(Patent(application_number=row.application_number, created_at=now, updated_at=now,
                                  **row.values))
                continue
            ids[row.application_number] = current["id"]
            if any(current[name] != row.values[name] for name in self.fields):
                changed.append(Patent(id=current["id"], updated_at=now, **row.values))
                changed_ids.add(current["id"])
        if new:
            Patent.objects.bulk_create(new, batch_size=500)
            outcome.created = len(new)
            ids.update((patent.application_number, patent.pk) for patent in new)
        if changed:
            Patent.objects.bulk_update(changed, [*self.fields, "updated_at"], batch_size=500)
        return _finish_chunk(rows, ids, outcome, created={patent.pk for patent in new}, changed_ids=changed_ids,
                             now=now)


class _PostgresWriter(_PortableWriter):
    """PostgreSQL: the chunk is COPYed into a temporary staging table and merged set-wise.

    One indexed read finds the chunk's existing patents; new ones get their ids from the table's
    sequence. UPDATE … FROM changes only the patents whose compared fields differ
    (IS DISTINCT FROM, so the updated count is exact), INSERT … SELECT adds the new ones.
    Existing rows are addressed by id = ANY(ids), so every statement is an index lookup whatever
    the planner thinks of an unanalysed temporary table.
    """
    STAGE = "base_library_stage"

    def __init__(self, fields: Sequence[str]) -> None:
        super().__init__(fields)
        self.table = connection.ops.quote_name(Patent._meta.db_table)
        # Every base library field is staged: a new patent needs every column.
        self.columns = ["id", "is_new", "application_number", *PATENT_FIELDS]
        self._staged = False

    def _prepare_stage(self, cursor) -> None:
        if not self._staged:
            quote = connection.ops.quote_name
            # Same column types as the patent table. A temporary table lives as long as the session,
            # past each chunk's commit (ON COMMIT PRESERVE ROWS), and is emptied per chunk.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.STAGE} AS SELECT id, true AS is_new, "
                f"{', '.join(quote(c) for c in ['application_number', *PATENT_FIELDS])} "
                f"FROM {self.table} WITH NO DATA"
            )
            self._staged = True
        cursor.execute(f"TRUNCATE {self.STAGE}")

    def _copy(self, cursor, rows: list[PatentRow], ids: dict[str, int], new: set[str]) -> None:
        buffer = io.StringIO()
        for row in rows:
            number = row.application_number
            buffer.write(f"{ids[number]}\t{'t' if number in new else 'f'}\t")
            buffer.write(_copy_line(row))
        buffer.seek(0)
        quote = connection.ops.quote_name
        sql = f"COPY {self.STAGE} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN WITH (FORMAT text)"
        raw = cursor.cursor  # the driver's own cursor under Django's wrapper
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, buffer)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(buffer.getvalue())

    def apply(self, rows: list[PatentRow]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        now = timezone.now()
        quote = connection.ops.quote_name
        numbers = [row.application_number for row in rows]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT application_number, id FROM {self.table} WHERE application_number = ANY(%s)",
                           [numbers])
            ids: dict[str, int] = dict(cursor.fetchall())
            existing = list(ids.values())
            new = [number for number in numbers if number not in ids]
            if new:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [Patent._meta.db_table, len(new)])
                ids.update(zip(new, (pk for (pk,) in cursor.fetchall()), strict=True))
            self._prepare_stage(cursor)
            self._copy(cursor, rows, ids, set(new))
            changed_ids: set[int] = set()
            if existing:
                set_fields = ", ".join(f"{quote(name)} = s.{quote(name)}" for name in self.fields)
                differs = " OR ".join(f"p.{quote(name)} IS DISTINCT FROM s.{quote(name)}" for name in self.fields)
                cursor.execute(
                    f"UPDATE {self.table} p SET {set_fields}, updated_at = %s FROM {self.STAGE} s "
                    f"WHERE p.id = ANY(%s) AND s.id = p.id AND ({differs}) RETURNING p.id",
                    [now, existing],
                )
                changed_ids = {pk for (pk,) in cursor.fetchall()}
            if new:
                template = Patent(created_at=now, updated_at=now)
                others = [f for f in Patent._meta.concrete_fields
                          if f.attname not in {"id", "application_number", *PATENT_FIELDS}]
                staged = ", ".join(f"s.{quote(c)}" for c in ["id", "application_number", *PATENT_FIELDS])
                defaults = ", ".join(f"%s::{f.db_type(connection)}" for f in others)
                columns = ", ".join(quote(c) for c in ["id", "application_number", *PATENT_FIELDS]
                                    + [f.column for f in others])
                cursor.execute(
                    f"INSERT INTO {self.table} ({columns}) SELECT {staged}, {defaults} FROM {self.STAGE} s "
                    f"WHERE s.is_new",
                    [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in others],
                )
        new_ids = {ids[number] for number in new}
        outcome.created = len(new_ids)
        return _finish_chunk(rows, ids, outcome, created=new_ids, changed_ids=changed_ids, now=now)


def _finish_chunk(rows, ids: dict, outcome, *, created: set[int], changed_ids: set[int], now):
    """What both writers do after the patents of a chunk are written: the owners, the counts, and
    the pending records of new patents."""
    owners_changed = _sync_ownerships(rows, ids, outcome, created=created) - created
    # A patent whose owners changed but not its fields is updated too; move its updated_at.
    _touch(owners_changed - changed_ids, now)
    outcome.updated = len(changed_ids | owners_changed)
    outcome.unchanged = len(rows) - outcome.created - outcome.updated
    _create_missing_records(rows, ids, outcome, created=created)
    return outcome


def _slices(items: list) -> Iterable[list]:
    """`items` in slices an IN (…) list can take: SQLite builds may refuse more than 999 bound
    parameters; PostgreSQL takes a whole chunk in one query."""
    size = 900 if connection.vendor == "sqlite" else 50_000
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _touch(patent_ids: set[int], now) -> None:
    ordered = sorted(patent_ids)
    for part in _slices(ordered):
        Patent.objects.filter(pk__in=part).update(updated_at=now)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')


def _json_list(items: list[str]) -> str:
    """A JSON array of strings; the plain case (no quote, backslash or control character) without json.dumps."""
    if not items:
        return "[]"
    if any(_JSON_SPECIAL.search(item) for item in items):
        return json.dumps(items, ensure_ascii=False)
    return '["' + '","'.join(items) + '"]'


# How each staged field is written in COPY's text format; only free text can hold a tab, newline
# or backslash (the identifiers, dates and enumerations are validated shapes).
_FREE_TEXT = frozenset({"title", "abstract", "funding_project_number", "funding_source"})
_DATES = frozenset({"application_date", "grant_date"})


def _copy_line(row: PatentRow) -> str:
    """One line of COPY's text format: application number, then PATENT_FIELDS, tab-separated and escaped."""
    parts = [row.application_number]
    values = row.values
    for name in PATENT_FIELDS:
        value = values[name]
        if name in JSON_FIELDS:
            text = _json_list(value)
        elif name in _DATES:
            parts.append(value.isoformat())
            continue
        elif name in _FREE_TEXT:
            text = value
        else:
            parts.append(str(value))
            continue
        if _COPY_SPECIAL.search(text):
            text = text.translate(_COPY_ESCAPES)
        parts.append(text)
    return "\t".join(parts) + "\n"


def _sync_ownerships(
    rows: list[PatentRow], ids: dict[str, int], outcome: ChunkOutcome, created: set[int] | None = None
) -> set[int]:
    """Make each patent's ownerships exactly its matched institutions, in patentee order, each
    carrying the patent's grant date and main IPC (the workbench's sort and filter keys, see
    PatentOwnership).

    Returns the ids of patents whose owners changed (new patents with owners included).
    """
    wanted = {ids[row.application_number]: row.owners for row in rows if row.application_number in ids}
    # New ownerships take the copied fields from the row; _copy_patent_fields corrects the rest.
    copied = {ids[row.application_number]: (row.values.get("grant_date"), row.values.get("main_ipc") or "")
              for row in rows if row.application_number in ids}
    candidates = [pk for pk in wanted if created is None or pk not in created]
    current = _current_ownerships(candidates)
    add, drop, move, changed = _ownership_changes(wanted, current, copied)
    if drop:
        for part in _slices(drop):
            PatentOwnership.objects.filter(pk__in=part).delete()
    if move:
        PatentOwnership.objects.bulk_update(move, ["position"], batch_size=500)
    _insert(PatentOwnership, ["patent_id", "organization_id", "position", "grant_date", "main_ipc"], add)
    if candidates:
        _copy_patent_fields(candidates)
    outcome.ownerships_added += len(add)
    outcome.ownerships_removed += len(drop)
    return changed


def _current_ownerships(patent_ids: list[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """patent id → {organization id: (ownership pk, position)} of the stored ownerships."""
    current: dict[int, dict[int, tuple[int, int]]] = {}
    for part in _slices(patent_ids):
        for pk, patent_id, org_id, position in PatentOwnership.objects.filter(
            patent_id__in=part
        ).values_list("pk", "patent_id", "organization_id", "position"):
            current.setdefault(patent_id, {})[org_id] = (pk, position)
    return current


def _ownership_changes(
    wanted: dict[int, list[tuple[int, int]]],
    current: dict[int, dict[int, tuple[int, int]]],
    copied: dict[int, tuple],
) -> tuple[list[tuple], list[int], list[PatentOwnership], set[int]]:
    """What turns the `current` ownerships into the `wanted` ones: (rows to add, pks to drop,
    ownerships to move to another position, ids of the patents that change)."""
    add: list[tuple] = []
    drop, move = [], []
    changed: set[int] = set()
    for patent_id, owner_list in wanted.items():
        have = current.get(patent_id, {})
        want = dict(owner_list)
        for org_id, position in owner_list:
            if org_id not in have:
                add.append((patent_id, org_id, position, *copied[patent_id]))
                changed.add(patent_id)
            elif have[org_id][1] != position:
                move.append(PatentOwnership(pk=have[org_id][0], position=position))
                changed.add(patent_id)
        for org_id, (pk, _position) in have.items():
            if org_id not in want:
                drop.append(pk)
                changed.add(patent_id)
    return add, drop, move, changed


def _copy_patent_fields(patent_ids: list[int]) -> None:
    """The ownerships of `patent_ids` take their patent's grant date and main IPC where they
    differ: a corrected date, or a file without the 主分类号 column (the patent keeps its own)."""
    if connection.vendor != "postgresql":
        same = Patent.objects.filter(pk=OuterRef("patent_id"))
        for part in _slices(patent_ids):
            PatentOwnership.objects.filter(patent_id__in=part).update(
                grant_date=Subquery(same.values("grant_date")[:1]), main_ipc=Subquery(same.values("main_ipc")[:1]))
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PatentOwnership._meta.db_table} AS o SET grant_date = p.grant_date, main_ipc = p.main_ipc "
            f"FROM {Patent._meta.db_table} AS p WHERE p.id = o.patent_id AND o.patent_id = ANY(%s) "
            "AND (o.grant_date IS DISTINCT FROM p.grant_date OR o.main_ipc <> p.main_ipc)",
            [list(patent_ids)],
        )


def _create_missing_records(
    rows: list[PatentRow], ids: dict[str, int], outcome: ChunkOutcome, created: set[int] | None = None
) -> None:
    """A pending inventory record for each patent with an institution owner and no record yet, for
    the first institution patentee. Existing records are left exactly as they are."""
    lead = {ids[row.application_number]: row.owners[0][0] for row in rows if row.owners}
    if not lead:
        return
    have: set[int] = set()
    candidates = [pk for pk in lead if created is None or pk not in created]
    for part in _slices(candidates):
        have.update(
            InventoryRecord.objects.filter(patent_id__in=part).values_list(
                "patent_id", flat=True
            )
        )
    new = [(patent_id, org_id, InventoryStatus.PENDING) for patent_id, org_id in lead.items() if patent_id not in have]
    _insert(InventoryRecord, ["patent_id", "institution_id", "status"], new)
    outcome.records_created += len(new)


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert plain value rows; every other column takes the model's default.

    On PostgreSQL the values travel as one array per column (INSERT … SELECT FROM unnest) and
    the defaults as one typed parameter each: no model instance, no per-row SQL. Building a model
    instance per row is most of the cost of bulk_create at this scale. Elsewhere, bulk_create.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=1000)
        return
    quote = connection.ops.quote_name
    given = [model._meta.get_field(name) for name in fields]
    template = model(**dict(zip(fields, rows[0], strict=True)))
    others = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in fields]
    columns = ", ".join(quote(f.column) for f in [*given, *others])
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in given)
    defaults = "".join(f", %s::{f.db_type(connection)}" for f in others)
    # In the order of the placeholders: the defaults (select list) come before the arrays (FROM).
    params = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in others]
    params += [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT v.*{defaults} FROM unnest({arrays}) AS v",
            params,
        )
