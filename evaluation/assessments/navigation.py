"""Navigation entries of the evaluation area 'assessments' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("我的评价"), "evaluation:my_evaluations", frozenset({Role.ENTERPRISE, Role.EXPERT}),
                        order=300))
