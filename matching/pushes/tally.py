"""The pushes' tally (PushTally, PushSectorTally), kept by delta in the transaction of every write
to the pushes, so that a territory's page sums a few thousand tally rows instead of scanning its
pushes.

Every change is an upsert `n = n + delta` computed in SQL from the pushes themselves (INSERT …
SELECT … ON CONFLICT DO UPDATE, the same text on PostgreSQL and SQLite): concurrent writers add to
a row, none reads a count and writes it back. Each statement touches its buckets in key order and a
push only ever moves forward (delivered → viewed → answered), so two writers take the tally's row
locks in one order and cannot deadlock on them. `rebuild` recomputes both tables from the pushes
(the command rebuild_push_tally).

Bulk writers add their rows themselves (`add_statements`, `add_pushes_after`); a push created one
at a time through the ORM (Push.objects.create) is added by the post_save receiver `added`, in the
transaction of its INSERT. Answers move a push between buckets with `move`."""

from django.db import connection, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from inventory.classification.models import Industry, PatentIndustry
from matching.pushes.models import Push, PushSectorTally, PushTally

# The columns a source of pushes must offer to `add_statements`.
SOURCE_COLUMNS = ("patent_id", "institution_id", "enterprise_province_id", "institution_province_id", "status",
                  "dismiss_reason", "viewed_at")

_TALLY_KEYS = ("institution_id", "enterprise_province", "institution_province", "status", "dismiss_reason", "viewed")
_SECTOR_KEYS = ("institution_id", "enterprise_province", "institution_province", "sector", "status", "viewed")


def _upsert(table: str, keys: tuple[str, ...]) -> str:
    return (f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table}.n + EXCLUDED.n")


def add_statements(source: str) -> tuple[str, str]:
    """The two statements adding the pushes of `source` (a table name, a CTE's name or a
    parenthesised SELECT offering SOURCE_COLUMNS) to the tally: one row per bucket, summed."""
    tally, sectors = PushTally._meta.db_table, PushSectorTally._meta.db_table
    links, industries = PatentIndustry._meta.db_table, Industry._meta.db_table
    buckets = ("s.institution_id, COALESCE(s.enterprise_province_id, ''), COALESCE(s.institution_province_id, '')")
    by_push = (f"INSERT INTO {tally} ({', '.join(_TALLY_KEYS)}, n) "
               f"SELECT {buckets}, s.status, s.dismiss_reason, s.viewed_at IS NOT NULL, COUNT(*) FROM {source} s "
               f"WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6 {_upsert(tally, _TALLY_KEYS)}")
    by_sector = (f"INSERT INTO {sectors} ({', '.join(_SECTOR_KEYS)}, n) "
                 f"SELECT {buckets}, COALESCE(i.parent_id, l.industry_id, ''), s.status, s.viewed_at IS NOT NULL, "
                 f"COUNT(*) FROM {source} s LEFT JOIN {links} l ON l.patent_id = s.patent_id "
                 f"LEFT JOIN {industries} i ON i.code = l.industry_id "
                 f"WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6 {_upsert(sectors, _SECTOR_KEYS)}")
    return by_push, by_sector


def _source_of(where: str) -> str:
    return f"(SELECT {', '.join(SOURCE_COLUMNS)} FROM {Push._meta.db_table} WHERE {where})"


def add_pushes_after(last_id: int) -> None:
    """Add the pushes whose id is above `last_id` (those just inserted by the caller's transaction,
    where inserts are serialised, as on SQLite or in a single-process build)."""
    with connection.cursor() as cursor:
        for statement in add_statements(_source_of("id > %s")):
            cursor.execute(statement, [last_id])


def add_pushes(ids: list[int]) -> None:
    """Add the pushes `ids` (just inserted by the caller's transaction, e.g. by bulk_create, which
    returns their ids) to the tally."""
    if not ids:
        return
    with connection.cursor() as cursor:
        for statement in add_statements(_source_of(f"id IN ({', '.join(['%s'] * len(ids))})")):
            cursor.execute(statement, list(ids))


@receiver(post_save, sender=Push, dispatch_uid="matching.pushes.tally.added")
def added(sender, instance: Push, created: bool, raw: bool = False, **kwargs) -> None:
    """A push inserted through the ORM, one at a time: its buckets get one more."""
    if created and not raw:
        with connection.cursor() as cursor:
            for statement in add_statements(_source_of("id = %s")):
                cursor.execute(statement, [instance.pk])


def last_push_id() -> int:
    return Push.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def move(push_id: int, before: dict, after: dict) -> None:
    """Move one push from the bucket of `before` to the bucket of `after` (each a dict of status,
    dismiss_reason and viewed_at, as read under the push's row lock in the same transaction)."""
    old, new = _state(before), _state(after)
    if old == new:
        return
    tally, sectors = PushTally._meta.db_table, PushSectorTally._meta.db_table
    links, industries = PatentIndustry._meta.db_table, Industry._meta.db_table
    buckets = ("p.institution_id, COALESCE(p.enterprise_province_id, ''), COALESCE(p.institution_province_id, '')")
    with connection.cursor() as cursor:
        for (status, reason, viewed), delta in ((old, -1), (new, 1)):
            cursor.execute(
                f"INSERT INTO {tally} ({', '.join(_TALLY_KEYS)}, n) SELECT {buckets}, %s, %s, %s, %s "
                f"FROM {Push._meta.db_table} p WHERE p.id = %s {_upsert(tally, _TALLY_KEYS)}",
                [status, reason, viewed, delta, push_id])
            cursor.execute(
                f"INSERT INTO {sectors} ({', '.join(_SECTOR_KEYS)}, n) "
                f"SELECT {buckets}, COALESCE(i.parent_id, l.industry_id, ''), %s, %s, %s * COUNT(*) "
                f"FROM {Push._meta.db_table} p LEFT JOIN {links} l ON l.patent_id = p.patent_id "
                f"LEFT JOIN {industries} i ON i.code = l.industry_id WHERE p.id = %s "
                f"GROUP BY 1, 2, 3, 4 ORDER BY 4 {_upsert(sectors, _SECTOR_KEYS)}",
                [status, viewed, delta, push_id])


def _state(values: dict) -> tuple[str, str, bool]:
    return values["status"], values["dismiss_reason"] or "", values["viewed_at"] is not None


def rebuild() -> tuple[int, int]:
    """Recompute both tables from the pushes, in one transaction; returns their row counts."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PushTally._meta.db_table}")
        cursor.execute(f"DELETE FROM {PushSectorTally._meta.db_table}")
        for statement in add_statements(Push._meta.db_table):
            cursor.execute(statement)
    return PushTally.objects.count(), PushSectorTally.objects.count()
