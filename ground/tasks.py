"""Queueing a Celery task by the name it is registered under.

A service that hands its own work to a task cannot import the task module, which imports the
service: the service names the task instead (a constant beside it, which the task's decorator
uses too). Each app's AppConfig.ready() imports its tasks module, so the name is registered in
every process, and with CELERY_TASK_ALWAYS_EAGER the task runs in-process as `.delay()` would.
"""

from celery import current_app
from celery.result import AsyncResult


def enqueue(name: str, *args, **kwargs) -> AsyncResult:
    """`.delay(*args, **kwargs)` on the task registered as `name`."""
    if name not in current_app.tasks:
        # Sending an unknown name would go to the broker even in eager mode, and nobody would run it.
        raise LookupError(f"no Celery task is registered as {name!r}")
    return current_app.tasks[name].delay(*args, **kwargs)
