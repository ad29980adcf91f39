"""Navigation entries of the reporting area 'statistics' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("季度统计"), "reporting:stat_list",
                        frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION}), order=200))
