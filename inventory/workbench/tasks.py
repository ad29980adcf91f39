"""The workbench's Celery task (registered through inventory/tasks.py)."""

from celery import shared_task


@shared_task(name="inventory.workbench_bulk_action")
def bulk_action_task(job_id: str, actor_id: int, action: str, value: object, params: dict) -> dict:
    """A bulk action on a large filter selection (inventory.workbench.jobs)."""
    from inventory.workbench.jobs import run_job

    return run_job(job_id, actor_id, action, value, params)
