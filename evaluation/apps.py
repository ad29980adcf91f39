from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("专利评价")

    def ready(self) -> None:
        # Services queue their tasks by name (ground.tasks.enqueue): register them in every process.
        from evaluation import tasks  # noqa: F401

        # The sheets' importers register themselves with the one import pipeline: workers and the
        # sweeper of stalled imports must know them, not only the web processes that load the URLs.
        from evaluation.experts import importer as experts_importer  # noqa: F401
        from evaluation.feedback import importer as feedback_importer  # noqa: F401
