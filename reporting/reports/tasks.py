"""Celery tasks of the progress reports (collected by reporting/tasks.py)."""

from celery import shared_task

from reporting.reports import services


@shared_task(name=services.BUILD_TASK)
def build_report_task(job_id: int) -> str:
    return services.build_report(job_id).status
