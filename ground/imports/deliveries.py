"""Who works on a batch, and how often a worker started on it.

A step of the pipeline (validation, commit) running in a worker holds the batch's *claim*: on
PostgreSQL a session-level advisory lock keyed by the batch, which the database releases by
itself when the worker's connection ends, however the worker ends (killed, out of memory, its
machine gone). So whether a batch is being worked on is a question the database answers, with
no heartbeat to keep: a message delivered again while the first worker still runs (Redis
redelivers an unacknowledged task after the visibility timeout) finds the claim held and leaves
the batch alone, and the sweeper (ground.imports.sweeper) never takes a long commit for a stalled
one. Other databases run the tasks in-process (SQLite: the demo and the tests): the claim is
then always granted.

Each start of a step is counted on the batch before any work (`BatchStore.count_delivery`): a
file that kills its worker (a hostile sheet, a memory limit) leaves its count behind, and past
IMPORT_MAX_DELIVERIES starts the step is not tried again: the batch fails with DIED_MESSAGE.
"""

import contextlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

# The advisory lock space of import batches ("pnib"); the batch's id is the second key.
CLAIM_SPACE = 0x706E_6962

DIED_MESSAGE = _("文件处理时工作进程两次异常退出,已停止处理,请检查文件或联系平台")


def _claimable(batch_id: Any) -> bool:
    return connection.vendor == "postgresql" and isinstance(batch_id, int)


def is_claimed(batch_id: Any) -> bool:
    """True when a live process holds the batch's claim (always False off PostgreSQL)."""
    if not _claimable(batch_id):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
                       "AND objid = %s AND objsubid = 2 AND granted", [CLAIM_SPACE, batch_id])
        return bool(cursor.fetchone()[0])


@contextlib.contextmanager
def claim(batch_id: Any) -> Iterator[bool]:
    """Hold the batch's claim for the block; yields False (and holds nothing) when another live
    process holds it."""
    if not _claimable(batch_id):
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [CLAIM_SPACE, batch_id])
        held = cursor.fetchone()[0]
    if not held:
        yield False
        return
    try:
        yield True
    finally:
        # A dropped connection has released the lock already.
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [CLAIM_SPACE, batch_id])


def too_many(attempts: int) -> bool:
    """True when a step started `attempts` times: the starts before this one all died."""
    return attempts > settings.IMPORT_MAX_DELIVERIES
