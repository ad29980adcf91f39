"""The feeds follow large imports (the hourly sync covers everything else): a committed sheet
that added or changed FEED_SYNC_AFTER_ROWS rows or more of what provinces receive queues the sync
of the province concerned at once, which pushes when it appended many entries
(services.sync_and_push). An institution's sheet concerns its province; a sheet of the platform
(the base library, evaluations gathered by the platform) every province."""

from django.conf import settings
from django.dispatch import receiver

from accounts.models import Organization
from evaluation.feedback.models import EVALUATIONS_BATCH_KIND
from ground.imports.signals import sheet_committed
from ground.tasks import enqueue_follow_up
from inventory.models import ImportBatch
from reporting.feeds.tasks import SYNC_ALL_TASK, SYNC_ONE_TASK

# The sheets whose rows a province receives: the inventory (screening into the library), the base
# library (the patents' data), the conversion records and the evaluations.
FOLLOWED = frozenset({ImportBatch.Kind.INVENTORY, ImportBatch.Kind.BASE_LIBRARY, ImportBatch.Kind.CONVERSIONS,
                      EVALUATIONS_BATCH_KIND})


@receiver(sheet_committed, dispatch_uid="reporting.feeds.follow")
def sync_after_large_import(sender, *, importer, organization_id: int | None, counts: dict, **kwargs) -> None:
    changed = counts.get("new", 0) + counts.get("updated", 0)
    if importer.kind not in FOLLOWED or changed < settings.FEED_SYNC_AFTER_ROWS:
        return
    province = (Organization.objects.filter(pk=organization_id, kind=Organization.Kind.INSTITUTION)
                .values_list("province_id", flat=True).first()) if organization_id else None
    if province:
        enqueue_follow_up(SYNC_ONE_TASK, province)
    else:
        enqueue_follow_up(SYNC_ALL_TASK)
