from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("专利评价")

    def ready(self) -> None:
        # The sheets' importers register themselves with the one import pipeline: workers and the
        # sweeper of stalled imports must know them, not only the web processes that load the URLs.
        from evaluation.feedback import importer  # noqa: F401
