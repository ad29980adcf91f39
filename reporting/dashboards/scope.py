"""Which dashboard a viewer opens, and over which scope (ARCHITECTURE.md: who sees what).

A dashboard is one row of `QuarterlyStat` (its scope) with the rows beneath it: the platform
opens the national dashboard (every province side by side) and may pick a province, a ministry or
an institution; a ministry its own (its institutions) and any of its institutions; a provincial
office its province's and any of its institutions; an institution its own. The scope asked for is
only ever looked up among `QuarterlyStat.objects.visible_to(user)`: a scope outside it is a 404,
whatever the query string says.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts.roles import Role, role_of
from reporting.statistics.models import ScopeKind

# The scopes each role may pick (its own scope comes first: the default).
PICKABLE: dict[Role, tuple[str, ...]] = {
    Role.OPERATOR: (ScopeKind.NATIONAL, ScopeKind.PROVINCE, ScopeKind.MINISTRY, ScopeKind.INSTITUTION),
    Role.MINISTRY: (ScopeKind.MINISTRY, ScopeKind.INSTITUTION),
    Role.PROVINCE: (ScopeKind.PROVINCE, ScopeKind.INSTITUTION),
    Role.INSTITUTION: (ScopeKind.INSTITUTION,),
}
READERS = tuple(PICKABLE)


@dataclass(frozen=True)
class Scope:
    """One scope of the statistics: `kind` and the key of its row (a province code, an organisation pk)."""

    kind: str
    key: str = ""

    @property
    def param(self) -> str:
        """As written in the query string: `national`, `province:110000`, `ministry:12`, `institution:34`."""
        return self.kind if self.kind == ScopeKind.NATIONAL else f"{self.kind}:{self.key}"

    def row_filter(self) -> dict[str, object]:
        """The QuarterlyStat lookups of this scope's own row."""
        if self.kind == ScopeKind.NATIONAL:
            return {"scope": ScopeKind.NATIONAL}
        if self.kind == ScopeKind.PROVINCE:
            return {"scope": ScopeKind.PROVINCE, "province_id": self.key}
        return {"scope": self.kind, "organization_id": int(self.key)}

    def children_filter(self) -> dict[str, object] | None:
        """The rows shown beneath this scope (ranked side by side), or None (an institution)."""
        if self.kind == ScopeKind.NATIONAL:
            return {"scope": ScopeKind.PROVINCE}
        if self.kind == ScopeKind.PROVINCE:
            return {"scope": ScopeKind.INSTITUTION, "province_id": self.key}
        if self.kind == ScopeKind.MINISTRY:
            return {"scope": ScopeKind.INSTITUTION, "ministry_id": int(self.key)}
        return None


def own_scope(user) -> Scope:
    """The scope a viewer's dashboard opens on."""
    role = role_of(user)
    if role == Role.OPERATOR:
        return Scope(ScopeKind.NATIONAL)
    if role == Role.PROVINCE:
        return Scope(ScopeKind.PROVINCE, str(user.organization.province_id or ""))
    if role == Role.MINISTRY:
        return Scope(ScopeKind.MINISTRY, str(user.organization_id))
    return Scope(ScopeKind.INSTITUTION, str(user.organization_id))


def asked_scope(user, text: str | None) -> Scope:
    """The scope of `?scope=`: the viewer's own when absent; Http404 when the viewer's role may not
    pick that kind or the text is not a scope. Whether its row is visible is checked with the row
    (data.load_rows), against `visible_to(user)`."""
    if not text:
        return own_scope(user)
    kind, _sep, key = str(text).partition(":")
    if kind not in PICKABLE.get(role_of(user), ()):
        raise Http404
    if kind == ScopeKind.NATIONAL:
        return Scope(ScopeKind.NATIONAL) if not key else _refuse()
    if kind == ScopeKind.PROVINCE:
        return Scope(kind, key) if key.isdigit() and len(key) == 6 else _refuse()
    return Scope(kind, key) if key.isdigit() and len(key) < 12 else _refuse()


def _refuse() -> Scope:
    raise Http404
