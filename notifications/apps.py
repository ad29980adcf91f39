from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        # notify() queues its sending by task name (ground.tasks.enqueue): register the tasks in every process.
        from notifications import tasks  # noqa: F401
