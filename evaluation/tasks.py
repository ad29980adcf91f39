"""The evaluation app's Celery tasks, collected from its areas (Celery discovers `evaluation.tasks`).
Each area adds its own import line below."""

__all__: list[str] = []
