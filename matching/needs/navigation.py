"""This area's navigation entries (registered by matching/navigation.py with ground.registry)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from ground.registry import NavEntry


def entries() -> list[NavEntry]:
    """The links of the profile and needs pages, by role."""
    return [
        NavEntry(_("需求大厅"), "matching:need_board",
                 frozenset({Role.INSTITUTION, Role.PROVINCE, Role.OPERATOR, Role.ENTERPRISE}), order=200),
        NavEntry(_("企业画像"), "matching:profile_mine", frozenset({Role.ENTERPRISE}), order=210),
        NavEntry(_("企业画像"), "matching:profile_list", frozenset({Role.PROVINCE, Role.OPERATOR}), order=210),
        NavEntry(_("技术需求"), "matching:need_list", frozenset({Role.ENTERPRISE, Role.PROVINCE, Role.OPERATOR}),
                 order=220),
    ]
