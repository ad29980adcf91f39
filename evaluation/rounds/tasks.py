"""Celery tasks of expert evaluation's rounds (collected by evaluation/tasks.py).

- the daily reminders before and after the due dates (services.send_reminders; at most one a day
  per assignment, so a beat firing twice the same day tells nobody twice);
- the requests made from pushes answered "申请评价" in matching (services.collect_push_requests);
- the nightly refresh of the co-inventor relation (coinventors.build_coinventors).
"""

from celery import shared_task

from evaluation.rounds import coinventors, services

REMIND_TASK = "evaluation.remind_assignments"
COLLECT_TASK = "evaluation.collect_push_requests"
COINVENTORS_TASK = "evaluation.build_coinventors"


@shared_task(name=REMIND_TASK)
def remind_assignments_task() -> dict[str, int]:
    return services.send_reminders()


@shared_task(name=COLLECT_TASK)
def collect_push_requests_task() -> int:
    return services.collect_push_requests()


@shared_task(name=COINVENTORS_TASK)
def build_coinventors_task() -> int:
    return coinventors.build_coinventors()
