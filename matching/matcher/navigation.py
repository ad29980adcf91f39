"""This area's navigation entry (registered through matching/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("匹配批次"), "matching:cycle_list", frozenset({Role.OPERATOR, Role.PROVINCE}), order=160))
