"""The workbench's Celery task (registered through inventory/tasks.py)."""

from celery import shared_task

from inventory.workbench.jobs import BULK_ACTION_TASK, run_job


@shared_task(name=BULK_ACTION_TASK)
def bulk_action_task(job_id: str, actor_id: int, action: str, value: object, params: dict) -> dict:
    """A bulk action on a large filter selection (inventory.workbench.jobs)."""
    return run_job(job_id, actor_id, action, value, params)
