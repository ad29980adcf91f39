"""The upload's plan, staged in PostgreSQL for the commit (inventory.upload.strategies.PostgresPlan).

While a file is validated, each chunk's plan lines (the CSV of inventory.upload.plan) are
COPY'd into an unlogged table of the batch, `pn_upload_plan_<batch id>`, each line with its
history entry ({field: [old, new]}) computed against the record as it is then. That work runs on
the validation's database worker (ground.db_worker) while the main thread parses the next
chunk, so building the history (the larger half of the commit's work) takes the second core
during validation, and the commit only copies the staged history and updates the records.

The staged history holds as long as the records have not changed since validation began, which
is what the commit's freshness check requires before it writes anything (a changed record makes
the plan stale, and the batch is validated again).

The table is a cache of the plan file, never the only copy: the commit rebuilds it from the file
when it is missing or incomplete (a PostgreSQL crash empties unlogged tables; `drop_abandoned`
removes those of batches left uncommitted).
"""

import datetime as dt
import io
from typing import IO

from django.db import connection
from django.utils import timezone

from inventory.models import ImportBatch, InventoryRecord
from inventory.records import review

TABLE_PREFIX = "pn_upload_plan_"
# The session's table that one chunk is COPY'd into before its history is computed.
CHUNK_TABLE = "pn_upload_plan_chunk"
# Advisory-lock class (with the batch id): held while a validation fills the table.
LOCK_CLASS = 0x706E


def table_name(batch_id: int) -> str:
    return f"{TABLE_PREFIX}{int(batch_id)}"


def _columns(fields: list[str]) -> tuple[str, list[str]]:
    """The plan line's columns as SQL (in the line's order) and the text columns COPY must not read as NULL."""
    model = [InventoryRecord._meta.get_field(name) for name in fields]
    definition = ", ".join(
        ["id bigint NOT NULL", *(f'"{f.column}" {f.db_type(connection)}' for f in model),
         "in_library boolean NOT NULL", "row_number integer NOT NULL", "number text NOT NULL",
         "status_before text NOT NULL", "listing_score smallint NOT NULL",
         # A state the commit writes, so the plan file is read only as far as these (see `_STATES`).
         f"review_state text NOT NULL CHECK (review_state IN ({_STATES}))"]
    )
    text = [f'"{f.column}"' for f in model if f.get_internal_type() not in _NON_TEXT] + [
        "number", "status_before", "review_state"]
    return definition, text


_NON_TEXT = {"JSONField", "BooleanField", "PositiveSmallIntegerField", "DecimalField"}
# The review states a plan line may lead to (inventory.upload.check: an upload's changed row is
# submitted, or keeps a state that is already past submission): all of them inventoried.
_STATES = ", ".join(f"'{state}'" for state in review.ASSESSED_STATES)


def changes_expression(fields: list[str]) -> str:
    """SQL of one history entry, {field: [old, new]} for what differs, over plan line `p` and record
    `r`. Written as JSON text and parsed once: a tenth less work than jsonb_build_object over two
    dozen pairs and jsonb_strip_nulls (the same value; tests/test_upload_stage.py holds it to the
    portable path's)."""
    pairs = []
    for name in [*fields, "in_library"]:
        field = InventoryRecord._meta.get_field(name)
        old, new = f'r."{field.column}"', f'p."{field.column}"'
        if field.get_internal_type() == "DecimalField":  # the history keeps amounts as text ("12.50")
            old, new = f"{old}::text", f"{new}::text"
        pairs.append(_pair(name, f"{old} IS DISTINCT FROM {new}", old, new))
    pairs.append(_pair("status", "r.status <> 'inventoried'", "r.status", "'inventoried'::text"))
    pairs.append(_pair("review_state", "r.review_state <> p.review_state", "r.review_state", "p.review_state"))
    # concat_ws skips the NULLs: the pairs that did not change.
    return f"('{{' || concat_ws(',', {', '.join(pairs)}) || '}}')::jsonb"


def _pair(name: str, changed: str, old: str, new: str) -> str:
    return f"""CASE WHEN {changed} THEN '"{name}":' || json_build_array({old}, {new})::text END"""


class PlanStage:
    """The staging table of one batch. Each method uses the connection of the thread it runs in:
    during validation a ground.db_worker thread's (`open`, `load`, `finish` or `discard`), at
    commit the commit's own (`counts`, `rebuild`)."""

    def __init__(self, batch_id: int, fields: list[str]) -> None:
        self.batch_id = int(batch_id)
        self.table = table_name(batch_id)
        self.definition, text_columns = _columns(fields)
        self.copy_options = "FORMAT csv, NULL '\\N', FORCE_NOT_NULL ({})".format(", ".join(text_columns))
        self.changes = changes_expression(fields)
        self.locked_by = None  # the connection that holds the batch's advisory lock

    def open(self) -> None:
        """The batch's table, empty (an earlier one is dropped). The batch's advisory lock, taken
        here, keeps the cleanup away until `finish` or `discard`, or until this connection closes."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, self.batch_id])
            self.locked_by = connection.connection
            self._create(cursor)

    def _create(self, cursor) -> None:
        cursor.execute(f'DROP TABLE IF EXISTS "{self.table}"')
        cursor.execute(f'CREATE UNLOGGED TABLE "{self.table}" ({self.definition}, changes jsonb NOT NULL, '
                       "PRIMARY KEY (row_number))")

    def load(self, text: str) -> None:
        """Add one chunk of plan lines (CSV text) with their history entries, computed now."""
        with connection.cursor() as cursor:
            # One read of the whole chunk: each read from a Python stream retakes the GIL from the
            # parsing thread (up to 5 ms each time), 8 KB at a time by default.
            self._load(cursor, io.StringIO(text), block=len(text) + 1)

    def _load(self, cursor, lines: IO, *, block: int = 8192) -> None:
        # The chunk table belongs to the session: each worker thread's connection has its own.
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {CHUNK_TABLE} ({self.definition})")
        cursor.copy_expert(f"COPY {CHUNK_TABLE} FROM STDIN WITH ({self.copy_options})", lines, block)
        records = InventoryRecord._meta.db_table
        cursor.execute(f'INSERT INTO "{self.table}" SELECT p.*, {self.changes} FROM {CHUNK_TABLE} AS p '
                       f'JOIN "{records}" AS r ON r.id = p.id')
        cursor.execute(f"TRUNCATE {CHUNK_TABLE}")

    def finish(self) -> None:
        """After the last chunk: the table's statistics, and the lock released."""
        with connection.cursor() as cursor:
            self._finish(cursor)
            self._unlock(cursor)

    def _finish(self, cursor) -> None:
        # Without statistics the planner sorts 100 MB on disk for the history's ORDER BY row_number
        # (0.3 s) instead of reading the primary key in order; analysing these two columns takes 0.08 s.
        cursor.execute(f"DROP TABLE IF EXISTS {CHUNK_TABLE}")
        cursor.execute(f'ANALYZE "{self.table}" (row_number, id)')

    def discard(self) -> None:
        """The validation failed: nothing staged is kept, and the lock is released."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CHUNK_TABLE}")
            cursor.execute(f'DROP TABLE IF EXISTS "{self.table}"')
            self._unlock(cursor)

    def _unlock(self, cursor) -> None:
        # Only the session that took it can release it; another worker thread's lock goes with its connection.
        if self.locked_by is not None and self.locked_by is connection.connection:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, self.batch_id])

    def counts(self, cursor) -> tuple[int, int] | None:
        """(lines, lines of records still pending), or None when the table is gone."""
        cursor.execute("SELECT to_regclass(%s)", [self.table])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT count(*), count(*) FILTER (WHERE status_before = 'pending') FROM \"{self.table}\"")
        return cursor.fetchone()

    def rebuild(self, cursor, plan: IO) -> None:
        """The table built at once from the whole plan file (the commit, when the staged one is gone)."""
        self._create(cursor)
        self._load(cursor, plan)
        self._finish(cursor)


def drop(batch_id: int) -> None:
    """Drop the batch's table, if any (committed elsewhere, cancelled, failed, validated again)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{table_name(batch_id)}"')


def drop_abandoned(*, keep_days: int, now: dt.datetime | None = None) -> list[int]:
    """Drop the tables of batches that will not be committed from them: gone, neither validated nor
    being committed, or validated more than `keep_days` ago (a later commit rebuilds from the plan
    file). A table that a validation is filling (its advisory lock held) is left alone. Returns the
    batch ids dropped."""
    if connection.vendor != "postgresql":
        return []
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
                       [TABLE_PREFIX.replace("_", r"\_") + "%"])
        ids = [int(name[len(TABLE_PREFIX):]) for (name,) in cursor.fetchall()
               if name[len(TABLE_PREFIX):].isdigit()]
    keep = set(ImportBatch.objects.filter(pk__in=ids, validated_at__gte=cutoff,
                                          status__in=[ImportBatch.Status.VALIDATED, ImportBatch.Status.COMMITTING])
               .values_list("pk", flat=True))
    dropped = []
    for batch_id in sorted(set(ids) - keep):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, batch_id])
            if not cursor.fetchone()[0]:
                continue  # being filled right now
            try:
                cursor.execute(f'DROP TABLE IF EXISTS "{table_name(batch_id)}"')
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, batch_id])
        dropped.append(batch_id)
    return dropped
