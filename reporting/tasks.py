"""The reporting app's Celery tasks, collected from its areas (Celery discovers `reporting.tasks`).
Each area adds its own import line below."""

from reporting.feeds.tasks import push_feeds_task, retry_feed_batches_task, sync_feed_task, sync_feeds_task
from reporting.reports.tasks import build_report_task
from reporting.spotchecks.tasks import draw_spot_check_task
from reporting.statistics.tasks import compute_stats_task

__all__: list[str] = ["build_report_task", "compute_stats_task", "draw_spot_check_task", "push_feeds_task",
                      "retry_feed_batches_task", "sync_feed_task", "sync_feeds_task"]
