"""The sweeper of stalled batches, run on beat (ground.imports.tasks.sweep_stalled_batches).

A batch waiting for a worker or worked on (uploaded, validating, committing) moves: every change
of its status or progress is kept with its time (`last_progress_at`). One that has not moved for
IMPORT_STALL_MINUTES and that no live worker claims (ground.imports.deliveries: a long commit,
whose progress is inside its transaction, holds its claim) lost its worker or its message: the
broker was down when it was queued, the worker was killed, Redis dropped the message. It is queued
again while its step has starts left (IMPORT_MAX_DELIVERIES), else failed with a message; a
commit is always one transaction, so a failed one wrote nothing.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ground.imports import deliveries
from ground.imports.batches import RUNNING, BatchStatus, ModelBatches
from ground.imports.pipeline import COMMIT_TASK, VALIDATE_TASK, SheetImport, fail, refuse_commit
from ground.imports.registry import registered
from ground.tasks import QueueUnavailable, enqueue

logger = logging.getLogger(__name__)

SWEEP_TASK = "imports.sweep_stalled_batches"

STALLED_MESSAGE = gettext_lazy(
    "文件处理长时间没有进展,已重试 %(n)d 次仍未完成,已停止处理(没有写入任何数据);请重新上传,或联系平台运营人员")
NO_CONFIRMER = gettext_lazy("确认导入的账号已不存在,导入没有完成,没有写入任何数据;请重新确认导入")


def stall_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(minutes=settings.IMPORT_STALL_MINUTES)


def sweep(now: dt.datetime | None = None) -> dict[str, list]:
    """Queue again or fail every stalled batch of every import kept as rows; returns their ids by
    what was done ("requeued", "failed", "busy": claimed by a live worker)."""
    done: dict[str, list] = {"requeued": [], "failed": [], "busy": []}
    cutoff = stall_cutoff(now)
    for importer in registered():
        store = importer.batches
        if not isinstance(store, ModelBatches):
            continue  # batches in the cache expire by themselves
        stalled = store.queryset().filter(status__in=list(RUNNING), last_progress_at__lt=cutoff)
        for pk in stalled.order_by("pk").values_list("pk", flat=True):
            try:
                outcome = _sweep_one(importer, pk, cutoff)
            except QueueUnavailable:
                logger.error("sweeper: the broker is unreachable, stalled batches wait for the next sweep")
                return done
            if outcome:
                done[outcome].append(pk)
    if any(done.values()):
        logger.warning("stalled import batches: %s", done)
    return done


def _sweep_one(importer: SheetImport, pk: Any, cutoff: dt.datetime) -> str | None:
    store = importer.batches
    with deliveries.claim(pk) as claimed:
        if not claimed:
            return "busy"
        batch = store.get(pk)  # read under the claim: no worker starts on it meanwhile
        if batch.status not in RUNNING or batch.last_progress_at >= cutoff:
            return None
        if deliveries.too_many(batch.delivery_attempts):
            fail(importer, batch, str(STALLED_MESSAGE % {"n": batch.delivery_attempts}), only_if=RUNNING)
            return "failed"
        committing = batch.status == BatchStatus.COMMITTING
        if committing and batch.commit_requested_by_id is None:
            refuse_commit(importer, batch, str(NO_CONFIRMER))
            return "failed"
        # Moving it marks the time: it is queued again at most once per stall period.
        store.update(batch, only_if=RUNNING, progress_message=_("处理中断,已重新排队"))
    # Queued with the claim released, so the worker taking it is not turned away as busy.
    if committing:
        enqueue(COMMIT_TASK, importer.kind, pk, batch.commit_requested_by_id, batch.all_or_nothing)
    else:
        store.update(batch, only_if=RUNNING, status=BatchStatus.VALIDATING)
        enqueue(VALIDATE_TASK, importer.kind, pk)
    return "requeued"
