from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("供需匹配")

    def ready(self) -> None:
        # Services queue their tasks by name (ground.tasks.enqueue): register them in every process.
        from matching import tasks  # noqa: F401

        # The needs sheet's importer registers itself with the one import pipeline: workers and the
        # sweeper of stalled imports must know it, not only the web processes that load the URLs.
        from matching.needs import importer  # noqa: F401

        # The pushes' tally follows pushes created one at a time (a post_save receiver).
        from matching.pushes import tally  # noqa: F401
