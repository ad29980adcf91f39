"""Reading a province's journal from a cursor (the pull API and the push batches alike).

A cursor is opaque to the province: `c1.<entry id>` in URL-safe base64. No cursor (or an empty one)
starts from the beginning; an answer's `next_cursor` continues after its last record, and an answer
with no records gives back the cursor it was asked with. The same cursor always gives the same
records in the same order (entries are never rewritten).
"""

import base64
import binascii
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from reporting.feeds.models import FeedEntry
from reporting.feeds.records import masked

PREFIX = "c1."


class CursorError(ValueError):
    """A cursor or limit the feed cannot read; the message says why in Chinese."""


def encode(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"{PREFIX}{entry_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    """The entry id after which to read; CursorError for anything this feed did not hand out."""
    cursor = (cursor or "").strip()
    if not cursor:
        return 0
    if len(cursor) > 64:
        raise CursorError(_("游标无效:请使用上一次应答中的 next_cursor,或不带游标从头读取。"))
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError(_("游标无效:请使用上一次应答中的 next_cursor,或不带游标从头读取。")) from None
    number = text.removeprefix(PREFIX)
    if not text.startswith(PREFIX) or not number.isascii() or not number.isdigit() or len(number) > 18:
        raise CursorError(_("游标无效:请使用上一次应答中的 next_cursor,或不带游标从头读取。"))
    return int(number)


def parse_limit(raw: str | None) -> int:
    """The page size asked for: FEED_PULL_DEFAULT_LIMIT when absent, 1 to FEED_PULL_MAX_LIMIT otherwise."""
    if raw is None or raw == "":
        return settings.FEED_PULL_DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= settings.FEED_PULL_MAX_LIMIT:
        raise CursorError(_("limit 须为 1 至 %(max)d 之间的整数。") % {"max": settings.FEED_PULL_MAX_LIMIT})
    return int(raw)


@dataclass(frozen=True)
class Page:
    records: list[dict]
    next_cursor: str
    has_more: bool
    last_entry: int


def entries_after(province_code: str, after: int, limit: int) -> list[dict]:
    """Up to `limit` journal entries of the province after `after`, in cursor order (id, kind, op, data)."""
    return list(FeedEntry.objects.filter(province_id=province_code, id__gt=after).order_by("id")
                .values("id", "kind", "op", "data")[:limit])


def wire(entry: dict, *, contacts: bool) -> dict:
    """An entry as §9 sends it: {"kind", "op", "data"} (phones and e-mails masked unless `contacts`)."""
    return {"kind": entry["kind"], "op": entry["op"], "data": masked(entry["kind"], entry["data"], contacts=contacts)}


def read(province_code: str, cursor: str | None, limit: int, *, contacts: bool) -> Page:
    """One page of the province's feed from `cursor` (CursorError for a cursor it did not hand out)."""
    after = decode(cursor)
    entries = entries_after(province_code, after, limit + 1)
    has_more = len(entries) > limit
    entries = entries[:limit]
    last = entries[-1]["id"] if entries else after
    return Page([wire(entry, contacts=contacts) for entry in entries], encode(last), has_more, last)
