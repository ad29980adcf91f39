"""This area's navigation entry (registered through matching/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from ground.registry import NavEntry, site
from matching.events.services import READER_ROLES

site.add_entry(NavEntry(_("对接活动"), "matching:event_list", READER_ROLES, order=170))
