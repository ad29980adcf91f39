from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("统计报告")

    def ready(self) -> None:
        # Beat and services queue the tasks by name: register them in every process.
        from reporting import tasks  # noqa: F401

        # The province feeds follow large imports (ground.imports.signals).
        from reporting.feeds import follow  # noqa: F401
