"""ground.tasks.enqueue: a service queues its task by name without importing the task module."""

import pytest

from ground.imports.pipeline import COMMIT_TASK, VALIDATE_TASK
from ground.tasks import enqueue
from inventory.patents.base_library import DERIVE_TASK
from inventory.upload.services import INDUSTRY_OVERRIDES_TASK
from inventory.workbench.jobs import BULK_ACTION_TASK
from patentnavi.celery import app


def test_every_name_a_service_queues_is_registered():
    for name in (VALIDATE_TASK, COMMIT_TASK, DERIVE_TASK, INDUSTRY_OVERRIDES_TASK, BULK_ACTION_TASK):
        assert name in app.tasks, name


def test_an_unknown_name_is_refused_rather_than_sent_to_no_one():
    with pytest.raises(LookupError):
        enqueue("inventory.no_such_task")


def test_a_registered_task_runs_as_delay_would():
    assert enqueue("patentnavi.ping").get(timeout=5) == "pong"
