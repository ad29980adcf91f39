"""What each app adds to the shared pages: navigation entries and home-page cards.

An app registers its own in its `navigation.py` (entries) and `home.py` (cards); the project
collects them once, when its URLconf loads (`collect()` in patentnavi/urls.py), as Django's admin
collects each app's ModelAdmins. The ground knows no app and no role: roles are plain strings
here, and whoever asks passes the user's role.

    site.add_entry(NavEntry(_("专利"), "inventory:patent_list", roles, order=10))

    @site.cards({Role.INSTITUTION}, order=10)
    def pending_inventory(user) -> list[Card]: ...
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

Label = str | Promise


@dataclass(frozen=True)
class NavEntry:
    """One link of the top navigation, for the roles named."""

    label: Label
    url_name: str
    roles: frozenset[str]
    order: int = 100
    # Only organisation admins (User.is_org_admin) see the entry.
    admins_only: bool = False


@dataclass
class Card:
    """One card of the home page: a number (or none), what it means and where to act on it."""

    label: Label
    value: int | None = None
    hint: Label = ""
    url: str = ""
    action: Label = ""
    # A template included under the hint (e.g. a progress bar), with `context` as its variables.
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)


CardBuilder = Callable[[Any], list[Card]]


@dataclass(frozen=True)
class _CardSource:
    roles: frozenset[str]
    order: int
    build: CardBuilder


class Registry:
    def __init__(self) -> None:
        self._entries: list[NavEntry] = []
        self._cards: list[_CardSource] = []

    def add_entry(self, entry: NavEntry) -> None:
        if any(existing.url_name == entry.url_name for existing in self._entries):
            return  # collecting twice (a second URLconf load) adds nothing
        self._entries.append(entry)

    def cards(self, roles: Iterable[str], *, order: int = 100) -> Callable[[CardBuilder], CardBuilder]:
        """Decorator: `build(user)` returns the cards it adds for users of these roles."""

        def register(build: CardBuilder) -> CardBuilder:
            if not any(source.build is build for source in self._cards):
                self._cards.append(_CardSource(frozenset(roles), order, build))
            return build

        return register

    def entries_for(self, user, role: str) -> list[dict]:
        """The navigation of a user with `role`, in order. Every entry's URL must resolve: a
        registered entry whose route is gone is a bug, and it shows as one (NoReverseMatch)."""
        is_admin = bool(getattr(user, "is_org_admin", False))
        return [
            {"label": entry.label, "url": reverse(entry.url_name), "url_name": entry.url_name}
            for entry in sorted(self._entries, key=lambda e: e.order)
            if role in entry.roles and (is_admin or not entry.admins_only)
        ]

    def cards_for(self, user, role: str) -> list[Card]:
        """The home-page cards of a user with `role`, the most pressing first."""
        cards: list[Card] = []
        for source in sorted(self._cards, key=lambda s: s.order):
            if role in source.roles:
                cards.extend(source.build(user))
        return cards


site = Registry()


def collect() -> None:
    """Import every installed app's `navigation` and `home` module, which register with `site`."""
    autodiscover_modules("navigation", "home")
