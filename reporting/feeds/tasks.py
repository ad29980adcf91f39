"""Celery tasks of the province feeds (collected by reporting/tasks.py).

- `sync_feeds_task`, hourly: every province's journal synced (and pushed at once after many changes);
- `push_feeds_task`, hourly: every enabled endpoint's new batches cut and its due batches sent;
- `retry_feed_batches_task`, every minute: the batches whose retry is due sent again;
- `sync_feed_task`: one province synced, queued by whatever made a large change.

The beat schedules them by name (patentnavi/settings.py, CELERY_BEAT_SCHEDULE).
"""

from celery import shared_task

from reporting.feeds import journal, push, services
from reporting.feeds.models import FeedEndpoint

SYNC_ALL_TASK = "reporting.sync_feeds"
SYNC_ONE_TASK = "reporting.sync_feed"
PUSH_TASK = "reporting.push_feeds"
RETRY_TASK = "reporting.retry_feed_batches"


@shared_task(name=SYNC_ALL_TASK)
def sync_feeds_task() -> dict[str, int]:
    return {code: services.sync_and_push(code).entries for code in journal.provinces()}


@shared_task(name=SYNC_ONE_TASK)
def sync_feed_task(province_code: str) -> int:
    return services.sync_and_push(province_code).entries


def _enabled():
    return FeedEndpoint.objects.filter(enabled=True).exclude(url="").order_by("province_id")


@shared_task(name=PUSH_TASK)
def push_feeds_task() -> dict[str, int]:
    return {endpoint.province_id: push.push(endpoint) for endpoint in _enabled()}


@shared_task(name=RETRY_TASK)
def retry_feed_batches_task() -> dict[str, int]:
    return {endpoint.province_id: push.deliver_due(endpoint) for endpoint in _enabled()}
