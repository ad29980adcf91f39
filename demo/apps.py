from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo world (`manage.py seed_demo`). No models: it builds on every other app."""

    name = "demo"
    verbose_name = _("演示数据")
