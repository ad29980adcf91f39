"""The matching app's Celery tasks, collected from its areas (Celery discovers `matching.tasks`)."""

from matching.matcher.tasks import daily_cycle_task, run_chunk_task, run_cycle_task
from matching.pushes.tasks import rebuild_push_tally_task

__all__ = ["daily_cycle_task", "rebuild_push_tally_task", "run_chunk_task", "run_cycle_task"]
