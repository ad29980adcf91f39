"""Navigation per role, as data: each app adds its entries here; the base template shows the
entries whose role matches the user and whose URL exists."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Role


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    # Only organisation admins (is_org_admin) see the entry.
    admins_only: bool = False


BUSINESS_ROLES = frozenset({Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE})

ENTRIES: list[NavEntry] = [
    NavEntry(_("工作台"), "home", frozenset(Role.values)),
    NavEntry(_("专利"), "inventory:patent_list", BUSINESS_ROLES),
]


def entries_for(user, role: str) -> list[dict]:
    items = []
    for entry in ENTRIES:
        if role not in entry.roles or (entry.admins_only and not getattr(user, "is_org_admin", False)):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": entry.label, "url": url, "url_name": entry.url_name})
    return items
