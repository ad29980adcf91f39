"""ground.db_worker: database jobs on a thread of their own (PostgreSQL, outside a transaction),
else in turn on the caller's connection."""

import threading
import time

import pytest
from django.db import connection

from ground.db_worker import DatabaseWorker


def backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_inside_a_transaction_jobs_run_in_turn_on_the_callers_connection(db):
    with DatabaseWorker() as worker:
        assert not worker.threaded
        done = worker.submit(lambda: (threading.current_thread(), backend_pid()))
        assert done.result() == (threading.current_thread(), backend_pid())
        failed = worker.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failed.result()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the flush would drop the reference data
def test_outside_a_transaction_postgresql_jobs_run_on_a_thread_and_connection_of_their_own():
    with DatabaseWorker("probe") as worker:
        first = worker.submit(lambda: (threading.current_thread().name, backend_pid()))
        second = worker.submit(lambda: (threading.current_thread().name, backend_pid()))
        (thread, pid), (again, same_pid) = first.result(), second.result()
        if connection.vendor != "postgresql":  # SQLite: one writer at a time, in turn
            assert not worker.threaded and thread == threading.current_thread().name
            return
        assert worker.threaded and thread.startswith("probe") and again == thread
        assert pid != backend_pid() and same_pid == pid
        with pytest.raises(ZeroDivisionError):
            worker.submit(lambda: 1 / 0).result()
    # Closed with the worker: its server process is gone.
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.1)
    else:
        pytest.fail("the worker's connection was left open")
