"""What each app adds to the shared pages: navigation entries and home-page cards.

An app registers its own in its `navigation.py` (entries, and the menu that gathers them) and
`home.py` (cards); the project collects them once, when its URLconf loads (`collect()` in
patentnavi/urls.py), as Django's admin collects each app's ModelAdmins. The ground knows no app and
no role: roles are plain strings here, and whoever asks passes the user's role.

    site.add_group(NavGroup("inventory", _("专利与盘点"), order=100))
    site.add_entry(NavEntry(_("专利"), "inventory:patent_list", roles, order=10))

An entry belongs to the menu named by its URL's namespace (or its `group`). A role with more than
NAV_FLAT_MAX entries sees them gathered in one drop-down menu per group, in the groups' order: the
province office's 26 links side by side took six rows of the top bar. An entry of no registered
group, and a group with one entry for the role, stay links of their own.

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
    # The menu it is gathered in when it is not its URL's namespace.
    group: str = ""

    @property
    def group_key(self) -> str:
        return self.group or self.url_name.partition(":")[0]


@dataclass(frozen=True)
class NavGroup:
    """A drop-down menu of the top navigation, gathering the entries of one stage of the work."""

    key: str
    label: Label
    order: int = 100
    # (role, label) where a role calls the stage otherwise (an enterprise inventories nothing).
    role_labels: tuple[tuple[str, Label], ...] = ()

    def label_for(self, role: str) -> Label:
        return dict(self.role_labels).get(role, self.label)


# Up to this many entries a role's navigation fits side by side on one or two rows of the top bar.
NAV_FLAT_MAX = 8


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
        self._groups: dict[str, NavGroup] = {}
        self._cards: list[_CardSource] = []

    def add_entry(self, entry: NavEntry) -> None:
        if any(existing.url_name == entry.url_name for existing in self._entries):
            return  # collecting twice (a second URLconf load) adds nothing
        self._entries.append(entry)

    def add_group(self, group: NavGroup) -> None:
        self._groups.setdefault(group.key, group)

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
            {"label": entry.label, "url": reverse(entry.url_name), "url_name": entry.url_name,
             "group": entry.group_key}
            for entry in sorted(self._entries, key=lambda e: e.order)
            if role in entry.roles and (is_admin or not entry.admins_only)
        ]

    def menu_for(self, user, role: str, current: str = "") -> list[dict]:
        """The top navigation of a user with `role`: links (`url`) and drop-down menus (`entries`),
        each marked `active` when it holds the page named `current` (a view name)."""
        entries = self.entries_for(user, role)
        for entry in entries:
            entry["active"] = entry["url_name"] == current
        if len(entries) <= NAV_FLAT_MAX:
            return entries
        gathered: dict[str, list[dict]] = {}
        for entry in entries:
            if entry["group"] in self._groups:
                gathered.setdefault(entry["group"], []).append(entry)
        # Links of no menu first (the workbench), then the menus in their order; a menu with one
        # entry for this role is that entry's link, in the menu's place.
        ungrouped = [entry for entry in entries if entry["group"] not in self._groups]
        menus = [members[0] if len(members) == 1 else
                 {"key": key, "label": self._groups[key].label_for(role), "entries": members,
                  "active": any(member["active"] for member in members)}
                 for key, members in sorted(gathered.items(), key=lambda item: self._groups[item[0]].order)]
        return ungrouped + menus

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
