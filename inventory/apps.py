from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("存量专利盘点")

    def ready(self) -> None:
        # Services queue their tasks by name (ground.tasks.enqueue): register them in every process.
        from inventory import tasks  # noqa: F401

        # The formats of the one import pipeline, registered by kind (ground.imports.register), so
        # that the tasks of every import (ground.imports.tasks) find them in a worker too.
        from inventory.conversions import CONVERSIONS  # noqa: F401
        from inventory.upload import INVENTORY  # noqa: F401
