"""Navigation entries of the reporting area 'feeds' (ground.registry collects them on import)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("省级数据接口"), "reporting:feeds", frozenset({Role.PROVINCE, Role.OPERATOR}), order=480))
