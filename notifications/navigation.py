"""The notifications app's navigation entry: the operator's failed deliveries. The bell, the
preferences and the robots are reached from the top bar and the user menu (templates/base.html)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("投递失败"), "notifications:deliveries", frozenset({Role.OPERATOR}), order=85,
                        group="accounts"))
