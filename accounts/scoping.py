"""The one scoping layer.

Every model with scoped data gets a queryset deriving from `ScopedQuerySet` and writes one
method per role: `_visible_to_<role>(user)` and, where writes differ, `_editable_by_<role>(user)`.
A role without a method sees nothing, so a forgotten rule fails closed.
"""

from django.db import models

from accounts.roles import role_of


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScopedQuerySet":
        method = getattr(self, f"_visible_to_{role_of(user)}", None)
        return method(user) if method else self.none()

    def editable_by(self, user) -> "ScopedQuerySet":
        method = getattr(self, f"_editable_by_{role_of(user)}", None)
        return method(user) if method else self.none()

    def _visible_to_operator(self, user) -> "ScopedQuerySet":
        return self.all()

    def _editable_by_operator(self, user) -> "ScopedQuerySet":
        return self.all()
