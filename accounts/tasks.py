"""Celery tasks of the accounts app."""

from celery import shared_task
from django.db import connection

from accounts.models import Province


@shared_task(name="patentnavi.health_check")
def health_check() -> dict:
    """Proves a worker reaches the database it was configured with, not only the broker.

    Returns the database name the worker is connected to and how many provinces it reads
    there (the 32 provincial units come with the migrations), so a caller can tell a worker
    that is alive but pointed at the wrong or an empty database.
    """
    return {"database": str(connection.settings_dict["NAME"]), "provinces": Province.objects.count()}
