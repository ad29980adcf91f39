"""How long the files of uploads that were never imported are kept.

The file of a failed (rejected) or cancelled upload, and its error report, are deleted
UPLOAD_REJECTED_KEEP_DAYS after the upload, with whatever its plan left behind (plan file, staging
table); the batch's row stays, with its counts, problems and reason, and `file_removed_at` says
when its file went. Nightly, on beat (inventory.tasks).
"""

import datetime as dt
import logging

from django.utils import timezone

from ground.imports import importer_for
from inventory.models import ImportBatch

logger = logging.getLogger(__name__)

NEVER_IMPORTED = (ImportBatch.Status.FAILED, ImportBatch.Status.CANCELLED)


def remove_expired_files(*, keep_days: int, now: dt.datetime | None = None) -> list[int]:
    """Delete the files of the batches failed or cancelled and uploaded more than `keep_days` ago;
    returns their ids."""
    now = now or timezone.now()
    expired = ImportBatch.objects.filter(status__in=NEVER_IMPORTED, created_at__lt=now - dt.timedelta(days=keep_days),
                                         file_removed_at__isnull=True)
    removed = []
    for batch in expired.iterator():
        importer_for(batch.kind).discard(batch)
        for kept in (batch.file, batch.error_report):
            if kept:
                kept.storage.delete(kept.name)  # the name stays on the row: which file it was
        removed.append(batch.pk)
    # Marked in one statement; a run stopped before it deletes the same (already missing) files again.
    ImportBatch.objects.filter(pk__in=removed).update(file_removed_at=now)
    if removed:
        logger.info("files of %d failed or cancelled uploads deleted: %s", len(removed), removed)
    return removed
