"""Celery application. Without REDIS_URL, tasks run in-process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")

app = Celery("patentnavi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="patentnavi.ping")
def ping() -> str:
    """Round trip used by health checks and the worker test."""
    return "pong"
