"""The matching app's navigation entries (ground.registry collects them): each area registers its own."""

from django.utils.translation import gettext_lazy as _

from ground.registry import NavGroup, site
from matching.events import navigation as events  # noqa: F401
from matching.matcher import navigation as matcher  # noqa: F401
from matching.needs import navigation as needs
from matching.pushes import navigation as pushes  # noqa: F401

site.add_group(NavGroup("matching", _("转化对接"), order=200))
for entry in needs.entries():
    site.add_entry(entry)
