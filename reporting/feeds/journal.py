"""Filling a province's journal: what the province should have now, compared with what it was last sent.

`sync(province)` builds every record the province receives (reporting.feeds.records), digests each,
and compares with the digests of FeedState: a new or changed record appends an upsert with its
snapshot, a record no longer there (its patent left the library, its institution moved province,
an evaluation was withdrawn, anything deleted) appends a tombstone. All in sets: the digests are
read in one query per kind, entries and states written with bulk INSERTs of WRITE_CHUNK rows, so a
province's first full sync of 100,000 records costs a few hundred statements, not one per row. A
sync with no change writes nothing. The province's FeedEndpoint row is locked for the sync, so two
syncs of one province never interleave their entries.

Entries are appended, never rewritten: a cursor (an entry id) means the same thing forever.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Province
from reporting.feeds.models import FeedEndpoint, FeedEntry, FeedState, Op
from reporting.feeds.records import BUILDERS, tombstone

WRITE_CHUNK = 2000


@dataclass(frozen=True)
class SyncResult:
    province: str
    upserts: int
    deletes: int

    @property
    def entries(self) -> int:
        return self.upserts + self.deletes


def canonical(data: dict) -> str:
    """A record's snapshot as canonical JSON: what the journal stores and what its digest is of."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def endpoint_for(province_code: str, *, lock: bool = False) -> FeedEndpoint:
    """The province's feed setting, made (disabled, contacts masked) when first needed."""
    endpoint, _created = FeedEndpoint.objects.get_or_create(province_id=province_code)
    if lock:
        endpoint = FeedEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    return endpoint


class _Writer:
    """Entries and states of one sync, written WRITE_CHUNK rows a statement. The snapshots are
    serialised once (for the digest) and handed to the database as they are: no model instances,
    no second serialisation, for 100,000 records."""

    def __init__(self, province_code: str, now) -> None:
        self.province, self.now = province_code, now
        self.entries: list[tuple] = []
        self.states: list[tuple] = []
        self.upserts = self.deletes = 0

    def upsert(self, kind: str, key: str, text: str, data_digest: str) -> None:
        self.entries.append((self.province, kind, Op.UPSERT.value, key, text, self.now))
        self.states.append((self.province, kind, key, data_digest))
        self.upserts += 1
        if len(self.entries) >= WRITE_CHUNK:
            self.flush()

    def delete(self, kind: str, keys: list[str]) -> None:
        for start in range(0, len(keys), WRITE_CHUNK):
            chunk = keys[start:start + WRITE_CHUNK]
            self.flush()
            self._insert_entries([(self.province, kind, Op.DELETE.value, key, canonical(tombstone(kind, key)),
                                   self.now) for key in chunk])
            FeedState.objects.filter(province_id=self.province, kind=kind, key__in=chunk).delete()
            self.deletes += len(chunk)

    def flush(self) -> None:
        if not self.entries:
            return
        self._insert_entries(self.entries)
        entry_rows = ", ".join(["(%s, %s, %s, %s)"] * len(self.states))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FeedState._meta.db_table} (province_id, kind, key, digest) VALUES {entry_rows} "
                "ON CONFLICT (province_id, kind, key) DO UPDATE SET digest = EXCLUDED.digest",
                [value for row in self.states for value in row])
        self.entries, self.states = [], []

    @staticmethod
    def _insert_entries(rows: list[tuple]) -> None:
        # The rows go in the order given: their ids (the cursor) follow the sync's order.
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FeedEntry._meta.db_table} (province_id, kind, op, key, data, created_at) "
                f"VALUES {placeholders}",
                _params(rows))


def _params(rows: list[tuple]) -> list:
    field = FeedEntry._meta.get_field("created_at")
    params = []
    for province, kind, op, key, text, created_at in rows:
        params += [province, kind, op, key, text, field.get_db_prep_value(created_at, connection)]
    return params


def sync(province_code: str) -> SyncResult:
    """Append to the province's journal what changed since its last sync (see the module's docstring)."""
    with transaction.atomic():
        endpoint = endpoint_for(province_code, lock=True)
        now = timezone.now()
        writer = _Writer(province_code, now)
        for kind, build in BUILDERS.items():
            sent = dict(FeedState.objects.filter(province_id=province_code, kind=kind).values_list("key", "digest"))
            present: set[str] = set()
            for key, data in build(province_code):
                present.add(key)
                text = canonical(data)
                data_digest = digest(text)
                if sent.get(key) != data_digest:
                    writer.upsert(kind, key, text, data_digest)
            writer.flush()
            writer.delete(kind, sorted(set(sent) - present))
        FeedEndpoint.objects.filter(pk=endpoint.pk).update(last_synced_at=now)
    return SyncResult(province_code, writer.upserts, writer.deletes)


def ensure_endpoints() -> list[Province]:
    """Every province, each with its feed setting row (made disabled and masked where missing), so
    that the operator can open and configure any province's feed."""
    every = list(Province.objects.order_by("code"))
    FeedEndpoint.objects.bulk_create([FeedEndpoint(province_id=p.code) for p in every], ignore_conflicts=True)
    return every


def provinces() -> list[str]:
    """Every province code, in order (the beat syncs each)."""
    return list(Province.objects.order_by("code").values_list("code", flat=True))


def head(province_code: str) -> int:
    """The province's latest cursor (0 for an empty journal)."""
    last = FeedEntry.objects.filter(province_id=province_code).order_by("-id").values_list("id", flat=True).first()
    return last or 0
