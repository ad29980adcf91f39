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


@app.task(name="patentnavi.health_check")
def health_check() -> dict:
    """Proves a worker reaches the database it was configured with, not only the broker.

    Returns the database name the worker is connected to and how many provinces it reads
    there (the 32 provincial units come with the migrations), so a caller can tell a worker
    that is alive but pointed at the wrong or an empty database.
    """
    from django.db import connection

    from accounts.models import Province

    return {"database": str(connection.settings_dict["NAME"]), "provinces": Province.objects.count()}
