"""Change history of inventory records: one InventoryChange per changed record, carrying each
changed field's old and new value ({"field": [old, new]}), written in bulk by imports; and what
changed since a record's last review (`since_last_review`), read for a page of records at once."""

import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from inventory.choices import ReviewState
from inventory.models import InventoryChange

# Fields whose change is recorded (besides the assessment fields the caller passes).
STATE_FIELDS = ("status", "in_library")
# The states a review (审核通过 at either level, 退回修改, or 标记为已盘点) moves a record to: a
# change into one of them is a review of the record.
REVIEWED_STATES = (ReviewState.DEPARTMENT_REVIEWED, ReviewState.APPROVED, ReviewState.RETURNED)


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


def last_review(record_id: OuterRef) -> Subquery:
    """When the record `record_id` (an OuterRef to its id) was last reviewed: the time of its last
    change into REVIEWED_STATES, None if it was never reviewed. An expression, to annotate a query."""
    reviews = InventoryChange.objects.filter(
        record_id=record_id, changes__review_state__1__in=[str(state) for state in REVIEWED_STATES])
    return Subquery(reviews.order_by("-changed_at", "-id").values("changed_at")[:1])


def since_last_review(record_ids: Iterable[int], fields: Iterable[str]) -> dict[int, dict[str, list]]:
    """{record: {field: [old, new]}}, in the order of `fields`: each of them that changed since the
    record's last review (or since the record was created, if it was never reviewed), from its
    value before the first of those changes to its value after the last; a field changed back is
    left out, and so are the records with nothing changed. One query, whatever the number of records."""
    fields = tuple(fields)
    entries = (InventoryChange.objects.filter(record_id__in=list(record_ids))
               .annotate(reviewed=last_review(OuterRef("record_id")))
               .filter(Q(reviewed__isnull=True) | Q(changed_at__gt=F("reviewed")))
               .order_by("record_id", "changed_at", "id").values_list("record_id", "changes"))
    found: dict[int, dict[str, list]] = {}
    for record_id, changes in entries:
        net = found.setdefault(record_id, {})
        for name, pair in (changes or {}).items():
            if name in fields and isinstance(pair, list) and len(pair) == 2:
                net[name] = [net[name][0] if name in net else pair[0], pair[1]]
    changed = {record_id: {name: net[name] for name in fields if name in net and net[name][0] != net[name][1]}
               for record_id, net in found.items()}
    return {record_id: net for record_id, net in changed.items() if net}
