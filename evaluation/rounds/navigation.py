"""Navigation entries of the evaluation area 'rounds' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("评价任务"), "evaluation:assignment_list", frozenset({Role.EXPERT}), order=20))
site.add_entry(NavEntry(_("专家评价"), "evaluation:round_list", frozenset({Role.PROVINCE, Role.OPERATOR}), order=170))
site.add_entry(NavEntry(_("专家评价申请"), "evaluation:request_list", frozenset({Role.ENTERPRISE}), order=160))
