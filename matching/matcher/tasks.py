"""Celery tasks of match cycles: thin wrappers over matching.matcher.services, taking ids.

Acknowledged late (settings), so a worker lost mid-chunk has the chunk delivered again; the
chunk's transaction either committed (the redelivery finds it done) or did not (it runs again).
"""

from celery import shared_task

from matching.matcher import services

DAILY_CYCLE_TASK = "matching.daily_cycle"


@shared_task(name=DAILY_CYCLE_TASK)
def daily_cycle_task() -> int:
    """Beat's daily cycle: one a day, however often beat fires."""
    return services.daily_cycle().pk


@shared_task(name=services.RUN_CYCLE_TASK)
def run_cycle_task(cycle_id: int) -> int:
    return services.run_cycle(cycle_id).chunks_total


@shared_task(name=services.RUN_CHUNK_TASK)
def run_chunk_task(chunk_id: int) -> int:
    try:
        result = services.run_chunk(chunk_id)
    except Exception as error:
        services.chunk_failed(chunk_id, error)
        raise
    return result.pushes if result else 0
