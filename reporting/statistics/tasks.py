"""Celery task of the quarterly statistics (collected by reporting/tasks.py): on the first day of
each quarter beat counts the quarter that just ended; the platform's page and `manage.py
compute_stats` count any past quarter on demand."""

from __future__ import annotations

from celery import shared_task

from accounts.models import User
from reporting.statistics import services
from reporting.statistics.quarters import Quarter


@shared_task(name=services.COMPUTE_TASK)
def compute_stats_task(quarter: str = "", user_id: int | None = None, note: str = "") -> dict:
    """Count `quarter` (default: the last quarter that has ended) for every scope."""
    target = Quarter.ended(quarter) if quarter else Quarter.last_ended()
    user = User.objects.filter(pk=user_id).first() if user_id else None
    run = services.compute_quarter(target, user=user, note=note)
    return {"quarter": run.quarter, "revision": run.revision, "rows": run.stats.count(), "seconds": run.seconds}
