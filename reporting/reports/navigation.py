"""Navigation entries of the reporting area 'reports' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("进展报告"), "reporting:report_list",
                        frozenset({Role.MINISTRY, Role.PROVINCE, Role.OPERATOR}), order=420))
