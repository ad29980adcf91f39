"""Navigation entries of the reporting area 'cases' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("典型案例"), "reporting:case_list",
                        frozenset({Role.PROVINCE, Role.OPERATOR, Role.MINISTRY}), order=235))
