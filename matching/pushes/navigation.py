"""This area's navigation entries (registered through matching/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry, site

site.add_entry(NavEntry(_("推送给本企业的专利"), "matching:push_inbox", frozenset({Role.ENTERPRISE}), order=140))
site.add_entry(NavEntry(_("推送反馈"), "matching:push_responses", frozenset({Role.INSTITUTION}), order=150))
site.add_entry(NavEntry(_("推送与企业响应"), "matching:push_territory",
                        frozenset({Role.PROVINCE, Role.MINISTRY, Role.OPERATOR}), order=150))
