"""The evaluation app's Celery tasks, collected from its areas (Celery discovers `evaluation.tasks`).
Each area adds its own import line below."""

from evaluation.rounds.tasks import build_coinventors_task, collect_push_requests_task, remind_assignments_task

__all__: list[str] = ["build_coinventors_task", "collect_push_requests_task", "remind_assignments_task"]
