"""Checking the rows of an inventory upload (inventory.upload.importer.InventoryImport.check, run
by the validation of ground.imports.pipeline).

Rows stream from the sheet reader and are checked a chunk at a time against the records they
name: rejected (with every reason, by row and column), unchanged (identical to the record,
whatever its state), skipped (left blank over a pending record), or a line of the *plan*
(inventory.upload.plan) with the review state the change leads to (inventory.records.review).
Three threads share the work. This one parses and checks; a database worker reads the records and
their values (all of them while python-calamine loads the sheet and this thread would only wait,
when the file covers most of them, else each chunk's); another keeps the plan: the file, and the
format's strategy for the database (inventory.upload.strategies: on PostgreSQL the staging table
with each record's history entry, inventory.upload.stage). Nothing grows with the file but the
plan on disk and the rows that have problems (kept as read, for the error report, in the job's
ground.imports.Outcome).
"""

import contextlib
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from ground.db_worker import DatabaseWorker
from ground.imports import Job, Outcome
from ground.imports.strategy import Strategy
from ground.sheets import CellError, cells
from inventory.choices import InventoryStatus, LicenseType
from inventory.library import listing
from inventory.models import Conversion, InventoryRecord, Patent
from inventory.records import (
    RECORD_FIELDS,
    REQUIRED_FIELDS,
    InventoryFormat,
    blank_value,
    cross_field_errors,
    is_blank,
    review,
)
from inventory.upload.plan import PLAN_VERSION, PlanWriter

# Column header by record field, for the messages.
_HEADERS = {column.key: column.header for column in InventoryFormat().columns}
# Rows checked against the database per query (SQLite bounds its parameters; PostgreSQL takes an array).
LOOKUP_CHUNK = 900
DIFF_CHUNK = 5000


def check_file(job: Job, plan: PlanWriter) -> None:
    """Every row of the job's file checked, its figures in `job.outcome` and the plan written;
    raises SheetError for an unreadable file."""
    # Two database workers, so that lookups never queue behind staging: one reads the records
    # (all of them first, while python-calamine loads the sheet and lets go of the GIL), the other
    # keeps the plan (the file and, on PostgreSQL, the stage).
    with DatabaseWorker("upload-read") as reader, DatabaseWorker("upload-stage") as stager:
        known = reader.submit(_records_by_number, job.actor, job.estimated_rows)
        job.open_sheet()
        _check_sheet(job, plan, _Workers(reader, stager), known)


@dataclass
class _Workers:
    reader: DatabaseWorker
    stager: DatabaseWorker


def _check_sheet(job: Job, plan: PlanWriter, workers: _Workers, known: Future) -> None:
    outcome = job.outcome
    present = job.layout.present_keys
    fields = [name for name in RECORD_FIELDS if name in present]
    # The file's fields and the plan's layout are kept in the batch's counts: the preview and the
    # commit read them there (each plan line carries the review state it leads to).
    outcome.extra["fields"] = fields
    outcome.extra["plan_version"] = PLAN_VERSION
    plan.start(fields)
    checker = _ChunkChecker(job.actor, fields, outcome, plan, has_title="title" in present, known=known)
    # The plan staged for the database in use, on the stager (PostgreSQL: the batch's staging table).
    strategy = job.strategy()
    stager = workers.stager
    stager.submit(strategy.open).result()
    try:
        _check_rows(job.rows(), fields, outcome, checker, workers, strategy, job)
        stager.submit(strategy.finish).result()
    except BaseException:
        with contextlib.suppress(Exception):
            stager.submit(strategy.discard).result()
        raise


def _check_rows(rows: Iterator, fields: list[str], outcome: Outcome, checker: "_ChunkChecker",
                workers: _Workers, strategy: Strategy, job: Job) -> None:
    """The rows a chunk at a time: while this thread parses chunk N, the reader looks up chunk N's
    records and the stager keeps chunk N-1's plan; chunk N-1 is then checked here with its records
    in hand."""
    reader, stager = workers.reader, workers.stager
    estimated_rows = job.estimated_rows
    blanks = [blank_value(name) for name in fields]
    field_values = _picker(fields)
    size = _in_size()
    loads: list[Future] = []
    previous: tuple[list[tuple], Future] | None = None

    def settle(chunk: list[tuple], found: Future) -> None:
        checker.check(chunk, found.result())
        job.report(95 * outcome.total / max(estimated_rows, outcome.total),
                   _("已校验 %(n)d 行") % {"n": outcome.total})
        text = checker.plan.end_chunk()
        if text:
            # Compressed into the plan file (zlib lets go of the GIL) and staged by one thread, in order.
            loads.append(stager.submit(_keep_chunk, checker.plan, strategy, text))

    chunk: list[tuple] = []
    take = outcome.take
    for item in rows:
        if take(item):
            values = item.values
            new = [b if v is None else v for v, b in zip(field_values(values), blanks, strict=True)]
            chunk.append((item.row_number, values["application_number"], values.get("title"),
                          values.get("license_type"), new, item.raw))
        if len(chunk) >= size:
            found = reader.submit(checker.fetch, *_numbers(chunk))
            if previous:
                settle(*previous)
            previous, chunk = (chunk, found), []
    if previous:
        settle(*previous)
    if chunk:
        settle(chunk, reader.submit(checker.fetch, *_numbers(chunk)))
    checker.finish()
    for load in loads:
        load.result()


def _numbers(chunk: list[tuple]) -> tuple[list[str], list[str]]:
    """The chunk's application numbers, and those of its rows that declare an open licence."""
    return [row[1] for row in chunk], [row[1] for row in chunk if row[3] == LicenseType.OPEN]


def _keep_chunk(plan: PlanWriter, strategy: Strategy, text: str) -> None:
    plan.write_chunk(text)
    strategy.stage(text)


# The actor's records are read all at once, while the sheet loads, when the file is expected to
# cover at least this share of them; otherwise a chunk at a time, by the chunk's numbers.
READ_ALL_SHARE = 0.5


def _records_by_number(actor, estimated_rows: int) -> "_Known | None":
    """Every record the actor may inventory: by application number, the columns of `_base_columns`;
    by id, the values of every RECORD_FIELDS field (`_held_values`). None when the file is expected
    to cover less than READ_ALL_SHARE of them."""
    editable = InventoryRecord.objects.editable_by(actor)
    if editable.count() * READ_ALL_SHARE > estimated_rows:
        return None
    by_number = {values[0]: values[1:] for values in _base_columns(editable).iterator(chunk_size=5000)}
    return by_number, _held_values(editable, RECORD_FIELDS, many=True)


# What `_records_by_number` reads: the records by number, and their field values by id.
_Known = tuple[dict[str, tuple], dict[int, list]]


def _base_columns(records):
    """What every row is checked against: number, id, title, licence, status, in_library,
    screening, review state and the abstract's head (for the listing score)."""
    return records.annotate(abstract_head=Substr("patent__abstract", 1, listing.MIN_ABSTRACT_CHARS)).values_list(
        "patent__application_number", "pk", "patent__title", "license_type", "status", "in_library",
        "screening", "review_state", "abstract_head",
    )


# What `_ChunkChecker.fetch` reads for a chunk: records by number, field values by id, licences in force by number.
_Fetched = tuple[dict[str, tuple], dict[int, list], dict[str, str]]


class _ChunkChecker:
    """Checks rows against the database a chunk at a time and writes the plan lines."""

    def __init__(self, actor, fields: list[str], outcome: Outcome, plan: PlanWriter, *, has_title: bool,
                 known: Future | None = None) -> None:
        # `known`: the result of `_records_by_number`, submitted to the reader before any `fetch`.
        self.known = known
        self.actor = actor
        self.fields = fields
        self.outcome = outcome
        self.plan = plan
        self.has_title = has_title
        self.editable = InventoryRecord.objects.editable_by(actor)
        self.screening_at = fields.index("screening") if "screening" in fields else None
        # The required columns (a file lacking one is refused before any row is read).
        self.required = [(index, name) for index, name in enumerate(fields) if name in REQUIRED_FIELDS]
        self.required_values = _picker([index for index, _name in self.required])
        self.missing: dict[str, list[tuple[int, list]]] = defaultdict(list)
        # The listing score needs these fields; those the file lacks are read from the records.
        self.score_fields_absent = [name for name in listing.SCORE_FIELDS if name not in fields]
        # What `fetch` reads of each record, and where those fields sit among the RECORD_FIELDS that
        # `_records_by_number` reads (None: all of them, in order).
        self.held_names = [*fields, *self.score_fields_absent]
        self.held_at = (None if self.held_names == RECORD_FIELDS
                        else _picker([RECORD_FIELDS.index(name) for name in self.held_names]))
        # What the commit does to review states, "before>after": count (the preview shows it).
        self.moves = outcome.extra["review_moves"] = {}
        self.states: dict[str, str] = {}
        self.move_names: dict[str, str] = {}  # "before>after" of each state in `states`

    def fetch(self, numbers: list[str], open_numbers: Sequence[str] = ()) -> "_Fetched":
        """The records of the chunk's numbers (`_base_columns`), then, by id, their values of the
        file's fields (to tell an untouched row) and the score fields the file lacks; and, for the
        rows declaring an open licence (`open_numbers`), the exclusive licence in force of each
        patent that has one. Database work only, a few queries a chunk, run by the validation's
        database worker."""
        known = self.known.result() if self.known is not None else None
        if known is not None:
            by_number, held = known
            found = {number: by_number[number] for number in numbers if number in by_number}
        else:
            found = {}
            for part in chunks(numbers, _in_size()):
                for values in _base_columns(self.editable.filter(patent__application_number__in=_values_in(part))):
                    found[values[0]] = values[1:]
        wanted = [values[0] for values in found.values()]
        if known is None:
            details = {}
            for part in chunks(wanted, _in_size()):
                details.update(_held_values(self.editable.filter(pk__in=_ids_in(part)), self.held_names))
        elif self.held_at is None:  # the file has every field, in RECORD_FIELDS' order
            details = held
        else:
            details = {record_id: list(self.held_at(held[record_id])) for record_id in wanted}
        in_force: dict[str, str] = {}
        for part in chunks(list(open_numbers), _in_size()):
            in_force.update(Conversion.objects.filter(patent__application_number__in=part)
                            .exclusive_licences_in_force().values_list("patent__application_number", "license_type"))
        return found, details, in_force

    def check(self, chunk: list[tuple], fetched: "_Fetched") -> None:
        """Each row of the chunk against its record (`fetch`): rejected, unchanged (the values the
        platform holds, whatever the record's state), skipped (left blank where the record is
        still pending), or a plan line with the review state the change leads to."""
        outcome, fields, absent = self.outcome, self.fields, self.score_fields_absent
        found, details, in_force = fetched
        width = len(fields)
        for row_number, number, title, _licence, new, raw in chunk:
            current = found.get(number)
            if current is None:
                self.missing[number].append((row_number, raw))
                continue
            record_id, base_title, current_licence, status, _in_library, screening, state, abstract_head = current
            if (self.has_title and title and title != base_title
                    and _same_text(title) != _same_text(base_title)):
                outcome.problem_raw[row_number] = raw
                outcome.problems.append(CellError(
                    row_number, "专利名称", title,
                    _("与基础库中的专利名称“%(title)s”不一致,以基础库为准") % {"title": base_title},
                    level="warning",
                ))
            held = details[record_id]
            if (held[:width] if absent else held) == new:
                # What the platform holds: nothing changes, whatever the record's state.
                if status == InventoryStatus.PENDING and all(is_blank(new[index]) for index, _name in self.required):
                    outcome.skipped += 1
                else:
                    outcome.unchanged += 1
                continue
            if not self._complete(row_number, new, raw, pending=status == InventoryStatus.PENDING):
                continue
            row = dict(zip(fields, new, strict=True))
            if self._rules_broken(row_number, row, raw, current_licence, in_force.get(number, "")):
                continue
            # A changed row is an edit that submits (review.state_after_edit): never an approval.
            target_state = self._state_after(state)
            target_screening = screening if self.screening_at is None else new[self.screening_at]
            target_library = review.in_library(target_state, target_screening)
            if absent:
                row.update(zip(absent, held[width:], strict=True))
            score = listing.score_values(row, abstract_head)
            if status == InventoryStatus.PENDING:
                outcome.new += 1
            else:
                outcome.updated += 1
            if target_state != state:
                move = self.move_names[state]
                self.moves[move] = self.moves.get(move, 0) + 1
            # The history's old → new values come from the records as they are when the plan is
            # staged (PostgreSQL) or committed (elsewhere); the commit refuses records changed since
            # validation began.
            self.plan.write(record_id, new, target_library, row_number, number, status, score, target_state)

    def _state_after(self, state: str) -> str:
        """The review state a changed, complete row leaves a record in `state` in (once per state)."""
        target = self.states.get(state)
        if target is None:
            target = review.state_after_edit(self.actor, state, complete=True, submit=True)
            if target not in review.ASSESSED_STATES:
                # The plan's records are all inventoried (inventory.upload.strategies relies on it).
                raise ValueError(f"an upload cannot leave a record {target!r}")
            self.states[state] = target
            self.move_names[state] = f"{state}>{target}"
        return target

    def _complete(self, row_number: int, new: list, raw: list, *, pending: bool) -> bool:
        """Whether a changed row fills every required column; a row that leaves them all blank
        over a pending record is skipped (a warning if it set other columns), any other gap is an
        error naming each column."""
        filled = self.required_values(new)
        if None not in filled and "" not in filled and [] not in filled:  # is_blank, for the whole row at once
            return True
        blank = [name for index, name in self.required if is_blank(new[index])]
        outcome = self.outcome
        outcome.problem_raw[row_number] = raw
        if pending and len(blank) == len(self.required):
            outcome.skipped += 1
            outcome.problems.append(CellError(
                row_number, "", "", _("未填写盘点内容(必填列均为空),该专利仍为待盘点,本行其他列也不导入"),
                level="warning"))
            return False
        outcome.rejected_rows.add(row_number)
        outcome.problems.extend(CellError(row_number, _HEADERS[name], "", _("必填项为空")) for name in blank)
        return False

    def _rules_broken(self, row_number: int, row: dict, raw: list, current_licence: str, in_force: str) -> bool:
        """The §3 cross-field rules on a changed row, with the database's facts for the open
        licence (`in_force`: an exclusive licence of the patent in force); True, with each error
        kept (the cell as written), when the row breaks one. A row left as the platform holds it
        is never checked: what is already recorded is not the upload's error."""
        broken = cross_field_errors(row, current_licence=current_licence, licence_in_force=in_force)
        if not broken:
            return False
        outcome = self.outcome
        outcome.rejected_rows.add(row_number)
        outcome.problem_raw[row_number] = raw
        for name, message in broken.items():
            index = outcome.column_index.get(_HEADERS[name])
            written = cells.fold(raw[index]) if index is not None and index < len(raw) else ""
            outcome.problems.append(CellError(row_number, _HEADERS[name], written, message))
        return True

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


def _held_values(records, names: list[str], *, many: bool = False) -> dict[int, list]:
    """The values of fields `names` of the records of the queryset `records`, by id, as Django reads
    them. On PostgreSQL the rows are taken as psycopg2 gives them (`many`: through a server-side
    cursor, a batch at a time), each JSON text decoded once per batch (the lists repeat); elsewhere
    through Django's values_list."""
    queryset = records.values_list("pk", *names)
    fields = [InventoryRecord._meta.get_field(name) for name in names]
    # Django reads jsonb as text on PostgreSQL, and decodes it in the field's from_db_value; no other
    # field of a record converts what psycopg2 gives (a new one that does is read through Django).
    json_at = [index for index, field in enumerate(fields) if field.get_internal_type() == "JSONField"]
    converted = any(hasattr(field, "from_db_value") for field in fields if field.get_internal_type() != "JSONField")
    if connection.vendor != "postgresql" or converted:
        return {record_id: values for record_id, *values in queryset}
    held: dict[int, list] = {}
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() if many else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(DIFF_CHUNK):
            decoded: dict[str, object] = {}
            for record_id, *values in rows:
                for index in json_at:
                    text = values[index]
                    if text is not None:
                        value = decoded.get(text, _UNDECODED)
                        if value is _UNDECODED:
                            # Shared by the rows holding the same text: only compared and read.
                            value = decoded[text] = json.loads(text)
                        values[index] = value
                held[record_id] = values
    return held


def _ids_in(ids: list[int]):
    """The right side of a `pk__in` lookup: on PostgreSQL one array parameter, elsewhere the list itself."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


_UNDECODED = object()


def _picker(keys: list) -> Callable[[Any], tuple]:
    """A function giving the items of a row (a sequence or a dict) at `keys`, as a tuple, at
    operator.itemgetter's speed."""
    if len(keys) == 1:
        key = keys[0]
        return lambda row: (row[key],)
    return operator.itemgetter(*keys) if keys else (lambda row: ())


def _same_text(value: str) -> str:
    return "".join(str(value).split())


def _in_size() -> int:
    """How many values one `IN (…)` query takes: SQLite bounds its parameters."""
    return LOOKUP_CHUNK if connection.vendor == "sqlite" else DIFF_CHUNK


def _values_in(values: list[str]):
    """The right side of an `__in` lookup: on PostgreSQL one array parameter (cheap to parse and
    plan, however many values), elsewhere the list itself."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return values


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _why_not_editable(actor, numbers: set[str]) -> dict[str, str]:
    """The Chinese reason, per number, that a row's patent cannot be inventoried by the actor."""
    visible: set[str] = set()
    existing: set[str] = set()
    for chunk in chunks(sorted(numbers), LOOKUP_CHUNK):
        visible.update(Patent.objects.visible_to(actor, "own").filter(application_number__in=chunk)
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
