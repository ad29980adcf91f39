from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("存量专利盘点")

    def ready(self) -> None:
        # Services queue their tasks by name (ground.tasks.enqueue): register them in every process.
        from inventory import tasks  # noqa: F401
