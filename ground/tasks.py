"""Queueing a Celery task by the name it is registered under.

A service that hands its own work to a task cannot import the task module, which imports the
service: the service names the task instead (a constant beside it, which the task's decorator
uses too). Each app's AppConfig.ready() imports its tasks module, so the name is registered in
every process, and with CELERY_TASK_ALWAYS_EAGER the task runs in-process as `.delay()` would.

A broker that cannot be reached makes `enqueue` raise QueueUnavailable within seconds (the
connection and publish limits are in settings: CELERY_BROKER_CONNECTION_TIMEOUT,
CELERY_TASK_PUBLISH_RETRY_POLICY...): the caller tells the person and leaves its work retryable.
"""

import logging

from celery import current_app
from celery.result import AsyncResult
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What publishing raises when the broker (or the result backend it subscribes to) is unreachable.
_UNREACHABLE = (OperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class QueueUnavailable(Exception):
    """The task could not be handed to the broker; nothing was queued."""


def enqueue(name: str, *args, **kwargs) -> AsyncResult:
    """`.delay(*args, **kwargs)` on the task registered as `name`; raises QueueUnavailable when
    the broker cannot be reached."""
    if name not in current_app.tasks:
        # Sending an unknown name would go to the broker even in eager mode, and nobody would run it.
        raise LookupError(f"no Celery task is registered as {name!r}")
    task = current_app.tasks[name]
    if current_app.conf.task_always_eager:
        return task.delay(*args, **kwargs)  # in-process: the task's own errors are the caller's
    try:
        return task.delay(*args, **kwargs)
    except (*_UNREACHABLE, RuntimeError) as error:
        # The Redis result backend, which subscribes to the result before the task is sent, wraps
        # its connection error in a RuntimeError ("Retry limit exceeded..."); nothing was sent then.
        if isinstance(error, RuntimeError) and not isinstance(error.__cause__, _UNREACHABLE):
            raise
        logger.error("task %s not queued, the broker is unreachable: %s", name, error)
        raise QueueUnavailable(name) from error


def enqueue_follow_up(name: str, *args, **kwargs) -> None:
    """Queue a task that follows work already done (derived data after a commit): a broker
    unreachable then is logged, not raised, since what it follows stands."""
    try:
        enqueue(name, *args, **kwargs)
    except QueueUnavailable:
        logger.error("follow-up task %s was not queued (args %s %s); run it again once the broker is back",
                     name, args, kwargs)
