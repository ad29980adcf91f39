"""The Celery tasks of every import: validate a batch, commit a batch, by the format's kind; and
the sweeper of stalled batches (ground.imports.sweeper), on beat.

Tasks are acknowledged late (settings: CELERY_TASK_ACKS_LATE, REJECT_ON_WORKER_LOST), so a
worker killed mid-task has its task delivered again; each step is idempotent for that: a
committed batch is never applied twice, and a commit is one transaction, so a killed commit
leaves nothing half written. A delivery finding the batch claimed by a live worker, or no longer
in the step's state, leaves it alone; a step started more than IMPORT_MAX_DELIVERIES times fails
its batch (ground.imports.deliveries).
"""

import contextlib
import logging
from collections.abc import Callable

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _

from ground.imports import deliveries, pipeline, sweeper
from ground.imports.batches import Batch, BatchStatus
from ground.imports.registry import importer_for
from ground.uploads import UploadError

logger = logging.getLogger(__name__)

VALIDATING = frozenset({BatchStatus.UPLOADED, BatchStatus.VALIDATING})
COMMITTING = frozenset({BatchStatus.COMMITTING})


def _run_step(kind: str, batch_id, expected: frozenset, step: Callable[[pipeline.SheetImport, Batch], str]) -> str:
    """Run `step` on the batch under its claim, once counted; see the module's docstring."""
    importer = importer_for(kind)
    store = importer.batches
    with deliveries.claim(batch_id) as claimed:
        if not claimed:
            return "busy"
        try:
            batch = store.get(batch_id)
        except store.DoesNotExist:
            return "missing"
        if batch.status not in expected:
            return str(batch.status)  # done already: a message delivered again
        if deliveries.too_many(store.count_delivery(batch)):
            logger.error("%s batch %s: its step started %s times, the workers before died; failed",
                         kind, batch_id, batch.delivery_attempts)
            pipeline.fail(importer, batch, str(deliveries.DIED_MESSAGE), only_if=expected)
            return "failed"
        return step(importer, batch)


@shared_task(name=pipeline.VALIDATE_TASK)
def validate_batch(kind: str, batch_id: int) -> str:
    """Validate an uploaded file (the uploader's right to upload is re-read from the batch)."""
    return _run_step(kind, batch_id, VALIDATING, lambda importer, batch: pipeline.validate(importer, batch.pk).status)


@shared_task(name=pipeline.COMMIT_TASK)
def commit_batch(kind: str, batch_id: int, actor_id: int, all_or_nothing: bool = False) -> str:
    """Commit a validated batch as `actor_id`, whose scope is re-checked here."""
    return _run_step(kind, batch_id, COMMITTING,
                     lambda importer, batch: _commit(importer, batch, actor_id, all_or_nothing))


def _commit(importer: pipeline.SheetImport, batch: Batch, actor_id: int, all_or_nothing: bool) -> str:
    store = importer.batches
    actor = get_user_model().objects.select_related("organization").filter(pk=actor_id, is_active=True).first()
    if actor is None:
        pipeline.refuse_commit(importer, batch, _("确认导入的账号已停用,没有写入任何数据"))
        return "refused"
    try:
        return pipeline.commit(importer, actor=actor, batch=batch, all_or_nothing=all_or_nothing).status
    except pipeline.StalePlan as error:
        # Records changed since the preview: validate again; the page shows why and the new preview.
        pipeline.revalidate(importer, batch)
        store.update(batch, failure=str(error))
        return "revalidated"
    except (UploadError, store.DoesNotExist) as error:
        # Refused as a whole: nothing was written; the batch goes back to validated with the reason.
        message = str(error) if isinstance(error, UploadError) else _("无权导入该批次")
        pipeline.refuse_commit(importer, batch, message)
        logger.info("commit of %s batch %s refused: %s", importer.kind, batch.pk, message)
        return "refused"
    except Exception:
        # The commit's transaction was rolled back (its connection may be gone: a new one says so).
        logger.exception("commit of %s batch %s failed", importer.kind, batch.pk)
        if not connection.in_atomic_block:
            with contextlib.suppress(Exception):
                connection.close_if_unusable_or_obsolete()
        pipeline.refuse_commit(importer, batch, str(pipeline.COMMIT_ERROR))
        return "refused"


@shared_task(name=sweeper.SWEEP_TASK)
def sweep_stalled_batches() -> dict:
    """On beat: batches without progress for IMPORT_STALL_MINUTES queued again or failed."""
    return sweeper.sweep()
