"""Database work on a thread of its own, beside the caller's Python work.

psycopg2 releases the GIL while PostgreSQL works, so queries run from a second thread let the
caller go on (parsing a file, say) in the meantime: two cores at work instead of one. The thread
has a connection of its own (Django gives each thread one), closed when the worker closes.

The thread is used on PostgreSQL outside a transaction only. Inside one (a test's, or a caller's
atomic block) another connection would not see the uncommitted rows; SQLite (the demo) takes one
writer at a time and needs no speed. There the worker runs each job at once, in the caller's
thread and on the caller's connection. Either way jobs run one at a time in the order submitted,
and a job's result or exception comes back through its Future.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


class DatabaseWorker:
    """`open`, `submit` jobs and read their Futures, `close` (or use as a context manager)."""

    def __init__(self, name: str = "db-worker", using: str = DEFAULT_DB_ALIAS) -> None:
        self.name = name
        self.using = using
        self.executor: ThreadPoolExecutor | None = None

    @property
    def threaded(self) -> bool:
        return self.executor is not None

    def __enter__(self) -> "DatabaseWorker":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> "DatabaseWorker":
        caller = connections[self.using]
        if caller.vendor == "postgresql" and not caller.in_atomic_block:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
        return self

    def submit(self, job: Callable[..., Any], *args: Any) -> Future:
        if self.executor is not None:
            return self.executor.submit(job, *args)
        future: Future = Future()
        try:
            future.set_result(job(*args))
        except Exception as error:  # handed back through the Future, as the thread would
            future.set_exception(error)
        return future

    def close(self) -> None:
        """After the jobs submitted so far; the thread's connection is closed with it."""
        if self.executor is None:
            return
        try:
            # Looked up in the worker's thread: its own connection (Django refuses to close another thread's).
            self.executor.submit(lambda: connections[self.using].close()).result()
        finally:
            self.executor.shutdown(wait=True)
            self.executor = None
