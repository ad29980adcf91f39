from celery.signals import worker_init
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("存量专利盘点")

    def ready(self) -> None:
        # Services queue their tasks by name (ground.tasks.enqueue): register them in every process;
        # the audit log names the app's objects as inventory.audit_objects registers them.
        from inventory import audit_objects, tasks  # noqa: F401

        # The formats of the one import pipeline, registered by kind (ground.imports.register), so
        # that the tasks of every import (ground.imports.tasks) find them in a worker too.
        from inventory.classification import CONCORDANCE  # noqa: F401
        from inventory.conversions import CONVERSIONS  # noqa: F401
        from inventory.patents import BASE_LIBRARY  # noqa: F401

        # A Celery worker loads the search segmenter's dictionary as it starts, not on its first
        # task that searches or indexes (the web process does the same in patentnavi/wsgi.py).
        from inventory.search import warm_up_worker
        from inventory.upload import INVENTORY  # noqa: F401

        worker_init.connect(warm_up_worker, dispatch_uid="inventory.search.warm_up_worker")
