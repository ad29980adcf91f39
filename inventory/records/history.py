"""Change history of inventory records: one InventoryChange per changed record, carrying each
changed field's old and new value ({"field": [old, new]}), written in bulk by imports."""

import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from inventory.models import InventoryChange

# Fields whose change is recorded (besides the assessment fields the caller passes).
STATE_FIELDS = ("status", "in_library")


def jsonable(value: object) -> object:
    """A field value as stored in the change's JSON (and shown back in previews)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    return value


def diff(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, list]:
    """{field: [old, new]} for every field of `new` whose value differs from `old`."""
    return {field: [jsonable(old.get(field)), jsonable(value)] for field, value in new.items()
            if old.get(field) != value}


def change(*, record_id: int, changes: dict, actor, source: str, batch=None, at=None) -> InventoryChange:
    return InventoryChange(
        record_id=record_id,
        changed_at=at or timezone.now(),
        changed_by=actor,
        source=source,
        batch=batch,
        changes=changes,
    )


def record_change(*, record, changes: dict, actor, source: str, batch=None) -> InventoryChange | None:
    """Write the history of one edited record (a page or API edit); nothing when nothing changed."""
    if not changes:
        return None
    entry = change(record_id=record.pk, changes=changes, actor=actor, source=source, batch=batch)
    entry.save()
    return entry


def write_changes(entries: Iterable[InventoryChange]) -> int:
    """Insert many history rows at once: COPY on PostgreSQL, bulk_create elsewhere."""
    entries = list(entries)
    if not entries:
        return 0
    if connection.vendor != "postgresql":
        InventoryChange.objects.bulk_create(entries, batch_size=1000)
        return len(entries)
    buffer = io.StringIO()
    for entry in entries:
        buffer.write(
            "\t".join((
                str(entry.record_id),
                entry.changed_at.isoformat(),
                str(entry.changed_by_id) if entry.changed_by_id else r"\N",
                entry.source,
                str(entry.batch_id) if entry.batch_id else r"\N",
                copy_text(json.dumps(entry.changes, ensure_ascii=False)),
            ))
        )
        buffer.write("\n")
    buffer.seek(0)
    table = InventoryChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f'COPY "{table}" (record_id, changed_at, changed_by_id, source, batch_id, changes) FROM STDIN',
            buffer,
        )
    return len(entries)


def copy_text(value: str) -> str:
    """Escape a value for PostgreSQL's COPY text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
