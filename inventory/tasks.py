"""Celery tasks of the inventory app: thin wrappers over the services, taking ids.

Tasks are acknowledged late (settings: CELERY_TASK_ACKS_LATE, REJECT_ON_WORKER_LOST), so a
worker killed mid-task has its task delivered again; each service is idempotent for that. The
standard-format uploads are validated and committed by the tasks of every import
(ground.imports.tasks).
"""

import logging

from celery import shared_task
from django.conf import settings

from inventory.classification import CLASSIFY_ALL_TASK, apply_overrides, classify_patents
from inventory.library import listing
from inventory.milestones import services as milestones
from inventory.models import InventoryChange, InventoryRecord, Patent

# BASE_LIBRARY: importing it registers the base library's import (ground.imports) in every worker.
from inventory.patents import BASE_LIBRARY, DERIVE_TASK, drop_abandoned_plans, sleeping  # noqa: F401
from inventory.search import services as search
from inventory.upload import drop_abandoned, remove_expired_files
from inventory.upload import services as upload

# The workbench keeps its task beside its jobs; importing it here registers it with the app's tasks.
from inventory.workbench.tasks import bulk_action_task  # noqa: F401

logger = logging.getLogger(__name__)


# --- search index, sleeping patents, milestones (inventory.search.services / .sleeping / .milestones) ---


def _patents(patent_ids: list[int] | None, updated_since: str | None):
    from django.utils.dateparse import parse_datetime


    patents = Patent.objects.all()
    if patent_ids is not None:
        patents = patents.filter(pk__in=patent_ids)
    if updated_since:
        patents = patents.filter(updated_at__gte=parse_datetime(updated_since))
    return patents


@shared_task(name="inventory.index_patents")
def index_patents_task(patent_ids: list[int] | None = None, updated_since: str | None = None) -> int:
    """(Re)build the full-text search documents of the given patents, of those updated since an
    ISO timestamp, or of all patents."""
    return search.index_patents(_patents(patent_ids, updated_since))


@shared_task(name=DERIVE_TASK)
def derive_patent_data_task(patent_ids: list[int] | None = None, updated_since: str | None = None) -> dict:
    """What follows from patents' base data, after a base library import touched them: industries
    and technology fields (staff overrides kept), search documents, listing scores (the abstract
    counts). A task of its own: at national scale it takes longer than the import itself, and the
    patents are usable meanwhile. Idempotent."""
    patents = _patents(patent_ids, updated_since)
    classified = classify_patents(patents).as_dict()
    indexed = search.index_patents(patents)
    scored = listing.refresh_scores(InventoryRecord.objects.filter(patent__in=patents.values("pk")))
    return {"classified": classified, "indexed": indexed, "scored": scored}


@shared_task(name=upload.INDUSTRY_OVERRIDES_TASK)
def apply_industry_overrides_task(batch_id: int) -> dict:
    """After an inventory upload: the 所属产业 the file set (or cleared) replace the automatic
    industries of those patents."""
    changed = InventoryChange.objects.filter(batch_id=batch_id, changes__has_key="industry_codes")
    return apply_overrides(InventoryRecord.objects.filter(pk__in=changed.values("record_id"))).as_dict()


@shared_task(name="inventory.flag_sleeping_patents")
def flag_sleeping_patents_task() -> dict:
    """Nightly: recompute the sleeping-patent flags (idempotent)."""
    counts = sleeping.flag_sleeping_patents()
    logger.info("sleeping patents: %s", counts)
    return counts


@shared_task(name="inventory.check_milestones")
def check_milestones_task() -> dict:
    """Nightly: count the institutions behind the milestones and the overdue new grants (logged)."""
    counts = milestones.institutions_behind()
    logger.info("inventory milestones: %s", counts)
    return counts


@shared_task(name="inventory.drop_abandoned_upload_stages")
def drop_abandoned_upload_stages_task() -> list[int]:
    """Nightly: drop the PostgreSQL staging tables of uploads that will not be committed from them,
    and the plans of base library previews left unconfirmed."""
    dropped = drop_abandoned(keep_days=settings.UPLOAD_STAGE_KEEP_DAYS)
    dropped += drop_abandoned_plans(keep_days=settings.UPLOAD_STAGE_KEEP_DAYS)
    logger.info("upload stages dropped: %s", dropped)
    return dropped


@shared_task(name="inventory.remove_expired_upload_files")
def remove_expired_upload_files_task() -> list[int]:
    """Nightly: the files of uploads failed or cancelled more than UPLOAD_REJECTED_KEEP_DAYS ago are
    deleted, their batches kept (inventory.upload.retention)."""
    return remove_expired_files(keep_days=settings.UPLOAD_REJECTED_KEEP_DAYS)


@shared_task(name=CLASSIFY_ALL_TASK)
def classify_all_patents_task() -> dict:
    """Re-classify every patent into industries and technology fields (after a concordance load).

    Idempotent: classification writes the state the concordance and the overrides describe."""
    return classify_patents(Patent.objects.all()).as_dict()

