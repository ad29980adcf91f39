"""The plan of a base library import: the state each accepted row describes, staged while the file is
validated (nothing is written to patents, ownerships or records then) and applied by the commit in
one transaction (ground.imports.pipeline).

A row describes a patent (its base-library fields) and its institution owners (organization id
and patentee position). Applying the plan upserts each patent by its application number, makes
its ownerships exactly the matched institutions (each carrying the patent's grant date, main IPC
and sleeping flag, the workbench's keys: see PatentOwnership), and gives a patent with an
institution owner and no inventory record a pending one for its first institution patentee;
existing records are never touched. The plan is a state, never a delta, so applying the same file
again changes nothing and its rows count unchanged.

Two strategies (ground.imports.strategy), which write the same rows:

- `PostgresPlan` (inventory.patents.base_library_postgres): rows COPYed into an unlogged staging
  table per batch, counted and applied with set-based SQL;
- `PortablePlan` (here): rows kept in a gzipped JSON-lines file in the storage, counted chunk by
  chunk against the database while validating and applied with bulk writes.

Only the compared fields (`fields`: the columns the file has, and the patent type) are compared
and updated; an absent optional column leaves stored values alone, while a new patent takes
blanks for it.
"""

import datetime as dt
import gzip
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy

from ground.imports import Job, StalePlan
from ground.imports.strategy import Strategy
from inventory.choices import InventoryStatus
from inventory.models import InventoryRecord, Patent, PatentOwnership
from inventory.patents.base_library_format import PATENT_FIELDS

# Rows handled at a time: read, checked and staged while validating; written by the portable commit.
CHUNK_SIZE = 10_000
DATE_FIELDS = frozenset({"application_date", "grant_date"})

STALE = gettext_lazy("暂存的导入计划已被清理(保留期已过或已取消),已按该文件重新校验,请确认新的预览后再导入")


@dataclass(slots=True)
class PatentRow:
    """One accepted row: the patent's field values and its institution owners."""

    row_number: int
    application_number: str
    values: dict[str, object]
    owners: list[tuple[int, int]] = field(default_factory=list)  # (organization id, patentee position)


@dataclass
class Applied:
    """What a commit wrote: the patents counted exactly as new, updated (a field or its owners
    changed) or unchanged, the ownerships added and removed, the records created."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    ownerships_added: int = 0
    ownerships_removed: int = 0
    records_created: int = 0

    def add(self, other: "Applied") -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def compared_fields(job: Job) -> list[str]:
    """The fields the batch's file sets on existing patents (kept with its counts when validated)."""
    return list(job.outcome.extra.get("fields") or job.batch.counts.get("fields") or PATENT_FIELDS)


def slices(items: list, size: int | None = None) -> Iterator[list]:
    """`items` in slices an IN (…) list can take: SQLite builds may refuse more than 999 bound parameters."""
    size = size or (900 if connection.vendor == "sqlite" else 50_000)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class PortablePlan(Strategy):
    """The plan in a file of the storage, one JSON line per row; counted and applied a chunk at a time."""

    vendor = None

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        self.fields = compared_fields(job)
        self._file = None
        self._text = None

    @staticmethod
    def name(batch) -> str:
        return f"import-plans/base-library-{batch.pk}.jsonl.gz"

    # --- validation --------------------------------------------------------------------------------

    def open(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish or discard)
        self._text = io.TextIOWrapper(gzip.GzipFile(fileobj=self._file, mode="wb", compresslevel=1), encoding="utf-8")

    def stage(self, chunk: list[PatentRow]) -> None:
        outcome = self.job.outcome
        new, updated = preview_chunk(chunk, self.fields)
        outcome.new += new
        outcome.updated += updated
        outcome.unchanged += len(chunk) - new - updated
        for row in chunk:
            values = {name: value.isoformat() if name in DATE_FIELDS else value for name, value in row.values.items()}
            self._text.write(json.dumps([row.row_number, row.application_number, values, row.owners],
                                        ensure_ascii=False) + "\n")

    def finish(self) -> None:
        self._text.flush()
        self._text.detach().close()  # the gzip stream ends; the file stays open
        self._file.seek(0)
        name = self.name(self.job.batch)
        default_storage.delete(name)
        default_storage.save(name, File(self._file))
        self._file.close()

    def discard(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        self.drop(self.job.batch)

    @classmethod
    def drop(cls, batch) -> None:
        default_storage.delete(cls.name(batch))

    # --- commit ------------------------------------------------------------------------------------

    def rows(self) -> Iterator[list[PatentRow]]:
        name = self.name(self.job.batch)
        if not default_storage.exists(name):
            raise StalePlan(str(STALE))
        chunk: list[PatentRow] = []
        with default_storage.open(name, "rb") as stored, gzip.open(stored, "rt", encoding="utf-8") as lines:
            for line in lines:
                row_number, number, values, owners = json.loads(line)
                for date_field in DATE_FIELDS:
                    if values.get(date_field):
                        values[date_field] = dt.date.fromisoformat(values[date_field])
                chunk.append(PatentRow(row_number, number, values, [tuple(owner) for owner in owners]))
                if len(chunk) >= CHUNK_SIZE:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def apply(self) -> dict:
        applied = Applied()
        for chunk in self.rows():
            applied.add(apply_chunk(chunk, self.fields, self.job.started))
        return applied.as_dict()


# --- the portable writes, a chunk at a time ------------------------------------------------------------


def existing_patents(rows: list[PatentRow], fields: list[str]) -> dict[str, dict]:
    """application number → {"id", compared fields…} of the rows' stored patents."""
    found: dict[str, dict] = {}
    for part in slices([row.application_number for row in rows]):
        for values in Patent.objects.filter(application_number__in=part).values("id", "application_number", *fields):
            found[values["application_number"]] = values
    return found


def current_ownerships(patent_ids: Iterable[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """patent id → {organization id: (ownership pk, position)} of the stored ownerships."""
    current: dict[int, dict[int, tuple[int, int]]] = {}
    for part in slices(sorted(patent_ids)):
        for pk, patent_id, org_id, position in PatentOwnership.objects.filter(patent_id__in=part).values_list(
                "pk", "patent_id", "organization_id", "position"):
            current.setdefault(patent_id, {})[org_id] = (pk, position)
    return current


def preview_chunk(rows: list[PatentRow], fields: list[str]) -> tuple[int, int]:
    """(new, updated) of a chunk as its commit would count them now; the rest are unchanged."""
    existing = existing_patents(rows, fields)
    owned = current_ownerships(values["id"] for values in existing.values())
    new = updated = 0
    for row in rows:
        stored = existing.get(row.application_number)
        if stored is None:
            new += 1
            continue
        owners = {org_id: position for org_id, (_pk, position) in owned.get(stored["id"], {}).items()}
        if owners != dict(row.owners) or any(stored[name] != row.values[name] for name in fields):
            updated += 1
    return new, updated


def apply_chunk(rows: list[PatentRow], fields: list[str], now) -> Applied:
    """Write a chunk's patents, their owners and the missing records (inside the commit's transaction)."""
    applied = Applied()
    existing = existing_patents(rows, fields)
    new, changed, ids = [], [], {}
    for row in rows:
        stored = existing.get(row.application_number)
        if stored is None:
            new.append(Patent(application_number=row.application_number, created_at=now, updated_at=now,
                              **row.values))
            continue
        ids[row.application_number] = stored["id"]
        if any(stored[name] != row.values[name] for name in fields):
            changed.append(Patent(id=stored["id"], updated_at=now, **row.values))
    Patent.objects.bulk_create(new, batch_size=500)
    ids.update((patent.application_number, patent.pk) for patent in new)
    Patent.objects.bulk_update(changed, [*fields, "updated_at"], batch_size=500)
    created = {patent.pk for patent in new}
    owners_changed = sync_ownerships(rows, ids, applied, created=created)
    # A patent whose owners changed but not its fields is updated too: its updated_at moves.
    touched = owners_changed - {patent.pk for patent in changed}
    for part in slices(sorted(touched)):
        Patent.objects.filter(pk__in=part).update(updated_at=now)
    applied.new = len(new)
    applied.updated = len({patent.pk for patent in changed} | owners_changed)
    applied.unchanged = len(rows) - applied.new - applied.updated
    applied.records_created = create_missing_records(rows, ids, created=created)
    return applied


def sync_ownerships(rows: list[PatentRow], ids: dict[str, int], applied: Applied, *, created: set[int]) -> set[int]:
    """Make each patent's ownerships exactly its matched institutions, in patentee order; returns the
    ids of the existing patents whose owners changed. New ownerships take the copied fields from
    their patent (PatentOwnership's bulk_create), the existing ones are brought in step."""
    wanted = {ids[row.application_number]: row.owners for row in rows}
    existing = [pk for pk in wanted if pk not in created]
    current = current_ownerships(existing)
    add, drop, move, changed = [], [], [], set()
    for patent_id, owner_list in wanted.items():
        have = current.get(patent_id, {})
        for org_id, position in owner_list:
            if org_id not in have:
                add.append(PatentOwnership(patent_id=patent_id, organization_id=org_id, position=position))
                changed.add(patent_id)
            elif have[org_id][1] != position:
                move.append(PatentOwnership(pk=have[org_id][0], position=position))
                changed.add(patent_id)
        keep = dict(owner_list)
        for org_id, (pk, _position) in have.items():
            if org_id not in keep:
                drop.append(pk)
                changed.add(patent_id)
    for part in slices(drop):
        PatentOwnership.objects.filter(pk__in=part).delete()
    PatentOwnership.objects.bulk_update(move, ["position"], batch_size=500)
    PatentOwnership.objects.bulk_create(add, batch_size=1000)
    copy_patent_fields(existing)
    applied.ownerships_added += len(add)
    applied.ownerships_removed += len(drop)
    return changed - created


def copy_patent_fields(patent_ids: list[int]) -> None:
    """The ownerships of `patent_ids` take their patent's grant date and main IPC: a corrected date,
    or a file without the 主分类号 column (the patent keeps its own)."""
    same = Patent.objects.filter(pk=OuterRef("patent_id"))
    for part in slices(sorted(patent_ids)):
        PatentOwnership.objects.filter(patent_id__in=part).update(
            grant_date=Subquery(same.values("grant_date")[:1]), main_ipc=Subquery(same.values("main_ipc")[:1]))


def create_missing_records(rows: list[PatentRow], ids: dict[str, int], *, created: set[int]) -> int:
    """A pending inventory record for each patent with an institution owner and no record yet, for
    its first institution patentee; returns how many."""
    lead = {ids[row.application_number]: min(row.owners, key=lambda owner: owner[1])[0] for row in rows if row.owners}
    have: set[int] = set()
    for part in slices([pk for pk in lead if pk not in created]):
        have.update(InventoryRecord.objects.filter(patent_id__in=part).values_list("patent_id", flat=True))
    new = [InventoryRecord(patent_id=patent_id, institution_id=org_id, status=InventoryStatus.PENDING)
           for patent_id, org_id in lead.items() if patent_id not in have]
    InventoryRecord.objects.bulk_create(new, batch_size=1000)
    return len(new)
