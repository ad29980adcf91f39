"""The one scoping layer: who sees and who changes what, per role, written once per model.

Every model with scoped data has a queryset deriving from `ScopedQuerySet` and answers two
questions, each optionally for a named purpose or action:

    Patent.objects.visible_to(user)                  # everything the user may see
    Patent.objects.visible_to(user, "own")           # a purpose: the patents' own data, not the library
    ImportBatch.objects.editable_by(user)            # what the user may change
    Patent.objects.editable_by(user, "record_conversion")   # an action with a rule of its own

A rule is a method named after the role, and after the purpose or action when there is one:
`_visible_to_<role>`, `_visible_to_<role>__<purpose>`, `_editable_by_<role>`,
`_editable_by_<role>__<action>`. The role comes from `role_of(user)`, here and nowhere else in
the scoping. A role without a rule sees nothing, so a forgotten rule fails closed; a purpose or
action the queryset does not declare in `purposes` / `actions` is a programming error and raises.
tests/test_isolation_rules.py widens every rule of every purpose and action in turn and requires
the isolation harness to notice.
"""

from typing import ClassVar, Self

from django.db import models

from accounts.roles import role_of


class ScopedQuerySet(models.QuerySet):
    # The named purposes of visible_to and actions of editable_by this model has rules for.
    purposes: ClassVar[frozenset[str]] = frozenset()
    actions: ClassVar[frozenset[str]] = frozenset()

    def visible_to(self, user, purpose: str | None = None) -> Self:
        return self._by_rule("_visible_to_", self.purposes, user, purpose)

    def editable_by(self, user, action: str | None = None) -> Self:
        return self._by_rule("_editable_by_", self.actions, user, action)

    def _by_rule(self, prefix: str, declared: frozenset[str], user, name: str | None) -> Self:
        if name is not None and name not in declared:
            raise ValueError(f"{type(self).__name__} declares no {prefix.strip('_')} rule named {name!r}")
        role = role_of(user)
        if role is None:
            return self.none()
        method = getattr(self, f"{prefix}{role.value}{f'__{name}' if name else ''}", None)
        return method(user) if method else self.none()

    def _visible_to_operator(self, user) -> Self:
        return self.all()

    def _editable_by_operator(self, user) -> Self:
        return self.all()


class NamedInAuditLog:
    """Mixin of a scoped queryset whose objects audit events are about: `visible_to(user, "audit")`
    is what the audit log may name (accounts.audit_objects), for the audit administrator every
    object, named only (an account by its name, an upload by its file), never its data."""

    purposes: ClassVar[frozenset[str]] = frozenset({"audit"})

    def _visible_to_audit_admin__audit(self, user) -> Self:
        return self.all()


def rule_names(queryset_class: type[ScopedQuerySet]) -> list[str]:
    """Every rule method a scoped queryset class answers with, its own and inherited."""
    return sorted({name for klass in queryset_class.__mro__ for name in vars(klass)
                   if name.startswith(("_visible_to_", "_editable_by_"))})
