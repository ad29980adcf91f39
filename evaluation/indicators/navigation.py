"""Navigation entries of the evaluation area 'indicators' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("评价指标体系"), "evaluation:indicator_current",
                        frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE,
                                   Role.EXPERT}), order=330))
