"""How an audit event is hashed (accounts.models.AuditEvent, accounts.audit_chain).

An event's hash is SHA-256 over a canonical JSON of HASHED_FIELDS: keys sorted, no spaces, the
time in UTC with microseconds, the JSON columns as the database returns them (`json_value`). The
fields include `prev_hash`, the hash of the event before it, so the events form a chain.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

HASHED_FIELDS = (
    "sequence", "at", "actor_id", "actor_username", "actor_name", "ip", "action", "target_type", "target_id",
    "organization_id", "before", "after", "detail", "prev_hash",
)
# The advisory lock that serialises appends on PostgreSQL (a constant the project owns: "paud").
CHAIN_LOCK = 0x70617564


def json_value(value: Any) -> Any:
    """`value` as the database returns it from a JSON column (tuples as lists, keys as strings)."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def utc_text(value: datetime | str) -> str:
    """A time as the hash reads it: ISO 8601 in UTC with microseconds."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict) -> bytes:
    """The bytes an event's hash is taken over: its HASHED_FIELDS as sorted, compact JSON."""
    data = {name: fields.get(name) for name in HASHED_FIELDS}
    data["at"] = utc_text(data["at"])
    for name in ("before", "after", "detail"):
        if isinstance(data[name], str):
            data[name] = json.loads(data[name])
    for name in ("actor_id", "organization_id", "sequence"):
        data[name] = None if data[name] is None else int(data[name])
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def event_hash(fields: dict) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()
