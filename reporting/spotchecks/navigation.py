"""Navigation entries of the reporting area 'spotchecks' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("随机抽查"), "reporting:spotcheck_list",
                        frozenset({Role.PROVINCE, Role.OPERATOR, Role.MINISTRY}), order=230))
site.add_entry(NavEntry(_("抽查整改"), "reporting:spotcheck_corrections", frozenset({Role.INSTITUTION}), order=230))
