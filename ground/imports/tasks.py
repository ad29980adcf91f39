"""The Celery tasks of every import: validate a batch, commit a batch, by the format's kind.

Tasks are acknowledged late (settings: CELERY_TASK_ACKS_LATE, REJECT_ON_WORKER_LOST), so a
worker killed mid-task has its task delivered again; each step is idempotent for that: a
committed batch is never applied twice, and a commit is one transaction, so a killed commit
leaves nothing half written.
"""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ground.imports import pipeline
from ground.imports.batches import BatchStatus
from ground.imports.registry import importer_for
from ground.uploads import UploadError

logger = logging.getLogger(__name__)


@shared_task(name=pipeline.VALIDATE_TASK)
def validate_batch(kind: str, batch_id: int) -> str:
    """Validate an uploaded file (the uploader's right to upload is re-read from the batch)."""
    return pipeline.validate(importer_for(kind), batch_id).status


@shared_task(name=pipeline.COMMIT_TASK)
def commit_batch(kind: str, batch_id: int, actor_id: int, all_or_nothing: bool = False) -> str:
    """Commit a validated batch as `actor_id`, whose scope is re-checked here."""
    importer = importer_for(kind)
    store = importer.batches
    actor = get_user_model().objects.select_related("organization").filter(pk=actor_id, is_active=True).first()
    try:
        batch = store.get(batch_id)
    except store.DoesNotExist:
        return "missing"
    if actor is None:
        return "missing"
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
        store.update(batch, only_if=frozenset({BatchStatus.COMMITTING}), status=BatchStatus.VALIDATED,
                     failure=message, progress=100, progress_message="")
        logger.info("commit of %s batch %s refused: %s", kind, batch_id, message)
        return "refused"
