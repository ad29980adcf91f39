from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号与机构")

    def ready(self) -> None:
        # administration, two_factor: what approved two-person requests carry out; signals: login audit receivers.
        from accounts import administration, signals, two_factor  # noqa: F401
        from accounts.allocation import ALLOCATION  # noqa: F401  (its import format, registered by kind)
        from ground.imports import tasks  # noqa: F401  (every import's Celery tasks, registered in every process)
