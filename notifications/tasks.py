"""Celery tasks of the notifications app: thin wrappers over notifications.sending.

Sending is idempotent: a delivery is claimed before it is sent and skipped once sent, so a task
delivered twice (acknowledged late) sends nothing twice.
"""

from celery import shared_task

from notifications import sending
from notifications.services import SEND_TASK

RETRY_TASK = "notifications.retry_due_deliveries"


@shared_task(name=SEND_TASK)
def send_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """Send the deliveries notify() created (those still due)."""
    return sending.send_due(delivery_ids)


@shared_task(name=RETRY_TASK)
def retry_due_deliveries() -> dict[str, int]:
    """The beat's sweep: send every delivery whose (re)try is due, a bounded batch at a time."""
    return sending.send_due()
