"""The audit log's hash chain and its archive (等保2.0 安全审计: 审计记录的保护).

Every event carries its `sequence`, the hash of the event before it (`prev_hash`) and its own
`hash`: SHA-256 over a canonical JSON of its fields and `prev_hash` (accounts.audit_hash).
AuditEvent.save appends under a lock (an advisory transaction lock on PostgreSQL, SQLite's write
lock otherwise), so two requests never chain onto the same event.

`verify` walks the chain in sequence order and names the first event whose hash, link or sequence
does not hold. The chain starts at sequence 1 with an empty `prev_hash`, or, after an archive, right
after the last archived event (`AuditArchive`): removing the oldest events without archiving them
shows too.

`archive` writes the events older than a date (never younger than AUDIT_RETENTION_DAYS, at least
180 days) to a JSON-lines file signed with HMAC-SHA256 (AUDIT_ARCHIVE_KEY), then removes exactly
those events in the same transaction, under the permission the PostgreSQL trigger grants it.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit_hash import HASHED_FIELDS, event_hash, utc_text
from accounts.models import AuditArchive, AuditEvent

# The minimum retention the database trigger enforces, whatever the settings say.
MINIMUM_RETENTION_DAYS = 180
ARCHIVE_SETTING = "patentnavi.audit_archive"


def append(**fields: Any) -> AuditEvent:
    """Create an event at the head of the chain (AuditEvent.save fills in its place)."""
    return AuditEvent.objects.create(**fields)


# --- verifying ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Break:
    """The first link of the chain that does not hold."""
    event_id: int
    at: datetime
    sequence: int | None
    reason: str


def _rows() -> Iterator[dict]:
    return AuditEvent.objects.order_by("sequence").values("id", *HASHED_FIELDS, "hash").iterator(chunk_size=2000)


def verify() -> tuple[int, Break | None]:
    """(events checked, the first break or None)."""
    anchor = AuditArchive.objects.order_by("-last_sequence").values_list("last_sequence", "last_hash").first()
    expected_sequence, expected_prev = (anchor[0] + 1, anchor[1]) if anchor else (1, "")
    count = 0
    for row in _rows():
        problem = None
        if row["sequence"] is None:
            problem = "not in the chain (no sequence)"
        elif row["sequence"] != expected_sequence:
            problem = f"sequence {row['sequence']} where {expected_sequence} was expected (events missing)"
        elif row["prev_hash"] != expected_prev:
            problem = "its prev_hash is not the hash of the event before it"
        elif event_hash(row) != row["hash"]:
            problem = "its content does not match its hash (altered)"
        if problem:
            return count, Break(row["id"], row["at"], row["sequence"], problem)
        count += 1
        expected_sequence, expected_prev = row["sequence"] + 1, row["hash"]
    return count, None


# --- archiving ----------------------------------------------------------------------------------------

def retention_days() -> int:
    return max(MINIMUM_RETENTION_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)))


def archive_key() -> bytes:
    """The HMAC key of archive signatures: AUDIT_ARCHIVE_KEY, or one derived from SECRET_KEY."""
    key = getattr(settings, "AUDIT_ARCHIVE_KEY", "")
    if key:
        return key.encode()
    return hashlib.sha256(b"patentnavi.audit_archive:" + settings.SECRET_KEY.encode()).digest()


def signature_of(content: bytes) -> str:
    return hmac.new(archive_key(), content, hashlib.sha256).hexdigest()


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


class ArchiveError(Exception):
    """An archive that may not be written, or a file whose signature does not hold."""


def _archive_line(row: dict) -> str:
    data = {**row, "at": utc_text(row["at"])}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def archive(before: datetime, out: Path) -> AuditArchive | None:
    """Move the events older than `before` to `out` (JSON lines) and `out`.sig (its HMAC-SHA256),
    then remove them; None when there is nothing to archive. Refuses a date within the retention
    period and a chain that does not verify."""
    limit = timezone.now() - timedelta(days=retention_days())
    if before > limit:
        raise ArchiveError(f"events younger than {retention_days()} days are kept: choose a date on or before "
                           f"{limit:%Y-%m-%d}")
    with transaction.atomic():
        AuditEvent.chain_head()  # no event is appended while the archive is taken
        _count, broken = verify()
        if broken is not None:
            raise ArchiveError(f"the chain is broken at event {broken.event_id} ({broken.reason}): not archiving")
        first_kept = AuditEvent.objects.filter(at__gte=before).order_by("sequence").values_list(
            "sequence", flat=True).first()
        events = AuditEvent.objects.filter(at__lt=before)
        if first_kept is not None:
            events = events.filter(sequence__lt=first_kept)  # a prefix of the chain, nothing skipped
        rows = list(events.order_by("sequence").values("id", *HASHED_FIELDS, "hash"))
        if not rows:
            return None
        content = ("\n".join(_archive_line(row) for row in rows) + "\n").encode()
        signature = signature_of(content)
        out.write_bytes(content)
        signature_path(out).write_text(signature + "\n")
        entry = AuditArchive.objects.create(
            before=before, count=len(rows), first_sequence=rows[0]["sequence"], last_sequence=rows[-1]["sequence"],
            last_hash=rows[-1]["hash"], file_name=out.name, file_sha256=hashlib.sha256(content).hexdigest(),
            signature=signature,
        )
        _remove(rows[0]["sequence"], rows[-1]["sequence"])
    return entry


def _remove(first: int, last: int) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [ARCHIVE_SETTING])
        cursor.execute(f"DELETE FROM {table} WHERE sequence >= %s AND sequence <= %s", [first, last])
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'off', true)", [ARCHIVE_SETTING])


def verify_archive(path: Path) -> int:
    """The number of events in the archive at `path` when its signature and inner chain hold;
    ArchiveError otherwise."""
    content = path.read_bytes()
    sig = signature_path(path)
    if not sig.exists():
        raise ArchiveError(f"no signature file {sig.name}")
    if not hmac.compare_digest(sig.read_text().strip(), signature_of(content)):
        raise ArchiveError("the signature does not match the file (altered, or signed with another key)")
    rows = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
    for before, row in zip([None, *rows], rows, strict=False):
        if event_hash(row) != row["hash"] or (before is not None and row["prev_hash"] != before["hash"]):
            raise ArchiveError(f"event {row['id']} does not hold in the archived chain")
    return len(rows)
