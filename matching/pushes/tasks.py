"""Celery task of the pushes: the nightly rebuild of their tally.

The tally follows every write the platform makes to the pushes, but not what it cannot see: rows
removed by a cascade (an enterprise or patent deleted), an industry classification changed after
the push, a repair made in SQL. Rebuilding it from the pushes each night bounds any such drift to
a day; the rebuild is one transaction of two set-based statements (matching.pushes.tally.rebuild).
"""

from celery import shared_task

from matching.pushes import tally

REBUILD_TALLY_TASK = "matching.rebuild_push_tally"


@shared_task(name=REBUILD_TALLY_TASK)
def rebuild_push_tally_task() -> int:
    rows, sector_rows = tally.rebuild()
    return rows + sector_rows
