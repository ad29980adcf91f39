"""Celery task of the spot checks (collected by reporting/tasks.py): a large population's draw."""

from celery import shared_task

from reporting.spotchecks import services


@shared_task(name=services.DRAW_TASK)
def draw_spot_check_task(check_id: int) -> str:
    return services.draw_sample(check_id).status
