"""Navigation entries of the reporting area 'dashboards' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from ground.registry import NavEntry, site
from reporting.dashboards.scope import READERS

site.add_entry(NavEntry(_("统计看板"), "reporting:dashboard", frozenset(READERS), order=300))
