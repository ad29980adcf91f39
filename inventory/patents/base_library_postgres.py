"""The base library plan on PostgreSQL: the accepted rows COPYed into an unlogged staging table per
batch while the file is validated, counted there, and applied by the commit with set-based SQL
(INSERT … SELECT, UPDATE … FROM, DELETE … USING) in its one transaction. No statement runs per
row and no row is held in Python beyond the chunk being copied.

The staging table has the patent table's column types, the sheet's row number and the owners as
one sorted bigint array (organization id × OWNER_KEY + patentee position), so the stored owners
compare with one array per patent. A stage missing at commit time (dropped with an abandoned
batch, or lost with the unlogged table in a crash) makes the commit a StalePlan: the file is
validated again. A transaction-level advisory lock keeps two base library commits from
interleaving.
"""

import json
import re
from types import SimpleNamespace

from django.db import connection
from django.db.models import Model

from ground.imports import Job, StalePlan
from ground.imports.strategy import Strategy, copy_csv, stage_table
from inventory.choices import InventoryStatus
from inventory.models import InventoryRecord, Patent, PatentOwnership
from inventory.patents.base_library_format import JSON_FIELDS, PATENT_FIELDS
from inventory.patents.base_library_plan import DATE_FIELDS, STALE, Applied, PatentRow, compared_fields

OWNER_KEY = 1_000_000
LOCK_KEY = 0x706E_626C  # "pnbl"

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')
# Only free text can hold a tab, newline or backslash (identifiers, dates and choices are validated shapes).
_FREE_TEXT = frozenset({"title", "abstract", "funding_project_number", "funding_source"})


def _json_list(items: list[str]) -> str:
    """A JSON array of strings; the plain case (no quote, backslash or control character) without json.dumps."""
    if not items:
        return "[]"
    if any(_JSON_SPECIAL.search(item) for item in items):
        return json.dumps(items, ensure_ascii=False)
    return '["' + '","'.join(items) + '"]'


def copy_line(row: PatentRow) -> str:
    """One line of COPY's text format: row number, application number, PATENT_FIELDS, owner keys."""
    parts = [str(row.row_number), row.application_number]
    values = row.values
    for name in PATENT_FIELDS:
        value = values[name]
        if name in JSON_FIELDS:
            text = _json_list(value)
        elif name in DATE_FIELDS:
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
    keys = sorted(org_id * OWNER_KEY + position for org_id, position in row.owners)
    parts.append("{" + ",".join(map(str, keys)) + "}")
    return "\t".join(parts) + "\n"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _defaults(model: type[Model], given: set[str], template: Model) -> tuple[list[str], list[str], list]:
    """(columns, typed placeholders, values) of the model's columns not in `given`: what the model
    would save for a new row like `template` (its defaults), one parameter each."""
    others = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in given]
    return ([_q(f.column) for f in others], [f"%s::{f.db_type(connection)}" for f in others],
            [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in others])


class PostgresPlan(Strategy):
    vendor = "postgresql"

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        self.fields = compared_fields(job)
        self.table = self.name(job.batch)

    @staticmethod
    def name(batch) -> str:
        return f"base_library_stage_{batch.pk}"

    # --- validation --------------------------------------------------------------------------------

    def open(self) -> None:
        columns = ["row_number integer", "application_number varchar(20)"]
        columns += [f"{_q(name)} {Patent._meta.get_field(name).db_type(connection)}" for name in PATENT_FIELDS]
        columns.append("owner_keys bigint[]")
        with connection.cursor() as cursor:
            stage_table(cursor, self.table, ", ".join(columns))

    def stage(self, chunk: list[PatentRow]) -> None:
        text = "".join(copy_line(row) for row in chunk)
        with connection.cursor() as cursor:
            copy_csv(cursor.cursor, self.table, text, options="FORMAT text")

    def finish(self) -> None:
        """The preview's counts: new, updated (a compared field or the owners differ), unchanged."""
        differs = " OR ".join(f"p.{_q(name)} IS DISTINCT FROM s.{_q(name)}" for name in self.fields)
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{self.table}"')
            cursor.execute(
                f"SELECT count(*) FILTER (WHERE p.id IS NULL), count(*) FILTER (WHERE p.id IS NOT NULL AND "
                f"({differs} OR {self._stored_keys('p.id')} IS DISTINCT FROM s.owner_keys)), count(*) "
                f'FROM "{self.table}" s LEFT JOIN {_q(Patent._meta.db_table)} p '
                f"ON p.application_number = s.application_number"
            )
            new, updated, total = cursor.fetchone()
        outcome = self.job.outcome
        outcome.new, outcome.updated, outcome.unchanged = new, updated, total - new - updated

    @staticmethod
    def _stored_keys(patent_id: str) -> str:
        """The stored owners of a patent as the stage's sorted key array ('{}' for none)."""
        key = f"o.organization_id::bigint * {OWNER_KEY} + o.position"
        return (f"(SELECT COALESCE(array_agg({key} ORDER BY {key}), '{{}}') "
                f"FROM {_q(PatentOwnership._meta.db_table)} o WHERE o.patent_id = {patent_id})")

    def discard(self) -> None:
        self.drop(self.job.batch)

    @staticmethod
    def staged_batch_ids() -> list[int]:
        """The ids of the batches whose staging table exists."""
        prefix = PostgresPlan.name(SimpleNamespace(pk=""))
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
                           [prefix.replace("_", r"\_") + "%"])
            names = [name[len(prefix):] for (name,) in cursor.fetchall()]
        return [int(name) for name in names if name.isdigit()]

    @classmethod
    def drop(cls, batch) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{cls.name(batch)}"')

    # --- commit ------------------------------------------------------------------------------------

    def apply(self) -> dict:
        applied = Applied()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s), to_regclass(%s)", [LOCK_KEY, f'"{self.table}"'])
            if cursor.fetchone()[1] is None:
                raise StalePlan(str(STALE))
            self._ids(cursor)
            applied.new = self._insert_patents(cursor)
            self._update_patents(cursor)
            self._sync_ownerships(cursor, applied)
            applied.updated = self._touch(cursor)
            applied.records_created = self._create_missing_records(cursor)
            cursor.execute(f'SELECT count(*) FROM "{self.table}"')
            applied.unchanged = cursor.fetchone()[0] - applied.new - applied.updated
            for table in ("bl_ids", "bl_owners", "bl_changed"):
                cursor.execute(f"DROP TABLE {table}")
        return applied.as_dict()

    def _ids(self, cursor) -> None:
        """bl_ids: each staged number's patent id, a new one from the sequence for a new patent;
        bl_owners: the wanted ownerships; bl_changed: the existing patents a write changed."""
        patents = _q(Patent._meta.db_table)
        stage_table(cursor, "bl_ids", "application_number varchar(20) PRIMARY KEY, patent_id bigint, is_new boolean",
                    temporary=True)
        cursor.execute(
            "INSERT INTO bl_ids SELECT s.application_number, "
            "COALESCE(p.id, nextval(pg_get_serial_sequence(%s, 'id'))), "
            f'p.id IS NULL FROM "{self.table}" s LEFT JOIN {patents} p ON p.application_number = s.application_number',
            [Patent._meta.db_table],
        )
        stage_table(cursor, "bl_owners", "patent_id bigint, organization_id bigint, position integer, is_new boolean, "
                    "PRIMARY KEY (patent_id, organization_id)", temporary=True)
        cursor.execute(
            f"INSERT INTO bl_owners SELECT i.patent_id, k / {OWNER_KEY}, k % {OWNER_KEY}, i.is_new "
            f'FROM "{self.table}" s JOIN bl_ids i ON i.application_number = s.application_number, '
            "unnest(s.owner_keys) AS k"
        )
        stage_table(cursor, "bl_changed", "patent_id bigint", temporary=True)
        cursor.execute("ANALYZE bl_ids")
        cursor.execute("ANALYZE bl_owners")

    def _insert_patents(self, cursor) -> int:
        now = self.job.started
        given = {"id", "application_number", *PATENT_FIELDS}
        columns, placeholders, params = _defaults(Patent, given, Patent(created_at=now, updated_at=now))
        staged = ", ".join(f"s.{_q(name)}" for name in PATENT_FIELDS)
        cursor.execute(
            f"INSERT INTO {_q(Patent._meta.db_table)} (id, application_number, "
            f"{', '.join(_q(name) for name in PATENT_FIELDS)}, {', '.join(columns)}) "
            f"SELECT i.patent_id, s.application_number, {staged}, {', '.join(placeholders)} "
            f'FROM "{self.table}" s JOIN bl_ids i ON i.application_number = s.application_number WHERE i.is_new',
            params,
        )
        return cursor.rowcount

    def _update_patents(self, cursor) -> None:
        """The existing patents whose compared fields differ take the file's values."""
        assign = ", ".join(f"{_q(name)} = s.{_q(name)}" for name in self.fields)
        differs = " OR ".join(f"p.{_q(name)} IS DISTINCT FROM s.{_q(name)}" for name in self.fields)
        cursor.execute(
            f"WITH changed AS (UPDATE {_q(Patent._meta.db_table)} p SET {assign}, updated_at = %s "
            f'FROM "{self.table}" s JOIN bl_ids i ON i.application_number = s.application_number '
            f"WHERE p.id = i.patent_id AND NOT i.is_new AND ({differs}) RETURNING p.id) "
            "INSERT INTO bl_changed SELECT id FROM changed",
            [self.job.started],
        )

    def _sync_ownerships(self, cursor, applied: Applied) -> None:
        """Each patent's ownerships made exactly the wanted ones; existing ones take the patent's
        copied fields where they differ."""
        ownerships, patents = _q(PatentOwnership._meta.db_table), _q(Patent._meta.db_table)
        cursor.execute(
            f"WITH dropped AS (DELETE FROM {ownerships} o USING bl_ids i WHERE o.patent_id = i.patent_id "
            "AND NOT i.is_new AND NOT EXISTS (SELECT 1 FROM bl_owners w WHERE w.patent_id = o.patent_id "
            "AND w.organization_id = o.organization_id) RETURNING o.patent_id) "
            "INSERT INTO bl_changed SELECT patent_id FROM dropped"
        )
        applied.ownerships_removed = cursor.rowcount
        cursor.execute(
            f"WITH moved AS (UPDATE {ownerships} o SET position = w.position FROM bl_owners w "
            "WHERE w.patent_id = o.patent_id AND w.organization_id = o.organization_id AND NOT w.is_new "
            "AND o.position <> w.position RETURNING o.patent_id) INSERT INTO bl_changed SELECT patent_id FROM moved"
        )
        cursor.execute(
            f"WITH added AS (INSERT INTO {ownerships} (patent_id, organization_id, position, grant_date, is_sleeping, "
            f"main_ipc) SELECT w.patent_id, w.organization_id, w.position, p.grant_date, p.is_sleeping, p.main_ipc "
            f"FROM bl_owners w JOIN {patents} p ON p.id = w.patent_id WHERE NOT EXISTS (SELECT 1 FROM {ownerships} o "
            "WHERE o.patent_id = w.patent_id AND o.organization_id = w.organization_id) RETURNING patent_id) "
            "INSERT INTO bl_changed SELECT a.patent_id FROM added a JOIN bl_ids i ON i.patent_id = a.patent_id "
            "WHERE NOT i.is_new"
        )
        applied.ownerships_added = cursor.rowcount
        cursor.execute(
            "SELECT count(*) FROM bl_owners WHERE is_new"
        )
        applied.ownerships_added += cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {ownerships} o SET grant_date = p.grant_date, main_ipc = p.main_ipc "
            f"FROM {patents} p JOIN bl_ids i ON i.patent_id = p.id WHERE o.patent_id = p.id AND NOT i.is_new "
            "AND (o.grant_date IS DISTINCT FROM p.grant_date OR o.main_ipc <> p.main_ipc)"
        )

    def _touch(self, cursor) -> int:
        """The existing patents whose owners changed but not their fields move their updated_at;
        returns how many existing patents changed in all."""
        cursor.execute(
            f"UPDATE {_q(Patent._meta.db_table)} p SET updated_at = %s "
            "FROM (SELECT DISTINCT patent_id FROM bl_changed) c "
            "WHERE p.id = c.patent_id AND p.updated_at IS DISTINCT FROM %s",
            [self.job.started, self.job.started],
        )
        cursor.execute("SELECT count(DISTINCT patent_id) FROM bl_changed")
        return cursor.fetchone()[0]

    def _create_missing_records(self, cursor) -> int:
        given = {"patent_id", "institution_id", "status"}
        columns, placeholders, params = _defaults(InventoryRecord, given, InventoryRecord())
        records = _q(InventoryRecord._meta.db_table)
        cursor.execute(
            f"INSERT INTO {records} (patent_id, institution_id, status, {', '.join(columns)}) "
            f"SELECT lead.patent_id, lead.organization_id, %s, {', '.join(placeholders)} FROM ("
            "SELECT DISTINCT ON (w.patent_id) w.patent_id, w.organization_id FROM bl_owners w "
            f"WHERE NOT EXISTS (SELECT 1 FROM {records} r WHERE r.patent_id = w.patent_id) "
            "ORDER BY w.patent_id, w.position) lead",
            [InventoryStatus.PENDING, *params],
        )
        return cursor.rowcount
