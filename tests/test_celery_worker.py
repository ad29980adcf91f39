"""A real Celery worker, fed through Redis, runs a task against the test database.

Every other test runs tasks in-process (see the root conftest.py); this one proves the
production path: the client publishes to Redis, a separate worker process picks the task up,
reaches PostgreSQL with its own connection and sends the result back through Redis.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Province
from accounts.tasks import health_check
from patentnavi.celery import app

BASE_DIR = Path(settings.BASE_DIR)
WORKER_START_TIMEOUT = 90  # seconds; a cold worker imports Django, pandas and the apps first
WORKER_STOP_TIMEOUT = 20

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL is not set: the real-worker test needs a Redis broker (see .ci/run)",
    ),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="the worker is another process and cannot open SQLite's in-memory test database: "
        "set DATABASE_URL to PostgreSQL",
    ),
]


def _database_url(settings_dict) -> str:
    """The URL of the database this test process is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture
def worker_queue(tmp_path):
    """Start a worker on a queue of its own; stop it however the test ends.

    The queue name is unique so that neither another test run nor a production worker on the
    same Redis can take this test's task, and this worker takes nothing else.
    """
    queue = f"patentnavi-test-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    # The same interpreter as the tests, so the worker runs the same venv and code.
    command = [
        sys.executable, "-m", "celery", "-A", "patentnavi", "worker",
        "--pool=solo", "--concurrency=1", "-Q", queue,
        "--without-heartbeat", "--without-gossip", "--without-mingle",
        "--loglevel=INFO", f"--hostname={queue}@%h",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield queue, process, log_path
    finally:
        process.terminate()  # SIGTERM: Celery's warm shutdown
        try:
            process.wait(timeout=WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # A task left unconsumed (the worker died first) must not linger in Redis.
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)


def _wait_for(result, process, log_path):
    """The task's result, failing early with the worker's log if the worker dies."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while not result.ready():
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no result within {WORKER_START_TIMEOUT} s; worker log:\n{log_path.read_text()}")
        time.sleep(0.2)
    return result.get(timeout=5)


def test_real_worker_runs_task_against_test_database(transactional_db, django_db_serialized_rollback, worker_queue):
    # transactional_db: the rows the worker reads must be committed, not inside the test's
    # transaction. serialized_rollback: the flush after this test would otherwise delete the
    # provinces the migrations loaded, which later transactional tests rely on.
    queue, process, log_path = worker_queue
    assert not app.conf.task_always_eager, "with REDIS_URL set, tasks must go through the broker"

    pong = app.send_task("patentnavi.ping", queue=queue)
    assert _wait_for(pong, process, log_path) == "pong"

    result = health_check.apply_async(queue=queue)
    outcome = _wait_for(result, process, log_path)

    assert outcome == {"database": connection.settings_dict["NAME"], "provinces": Province.objects.count()}
    assert outcome["provinces"] == 32
    result.forget()
    pong.forget()


def test_worker_children_are_replaced_past_their_memory_limit():
    """Settings reach Celery under their lower-case names: a child past 1 GiB after a task is replaced."""
    from patentnavi.celery import app

    assert app.conf.worker_max_memory_per_child == 1024 * 1024  # KiB
    assert app.conf.beat_schedule["inventory-drop-abandoned-upload-stages"]["task"] == \
        "inventory.drop_abandoned_upload_stages"
