from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("专利评价")

    def ready(self) -> None:
        # The expert-recommendation sheet's importer registers itself with the one import pipeline:
        # workers and the sweeper of stalled imports must know it, not only the web processes.
        from evaluation.experts import importer  # noqa: F401
