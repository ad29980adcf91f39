"""The isolation harness must notice when a scope rule is taken away.

Each `_visible_to_<role>` / `_editable_by_<role>` method of every scoped queryset is replaced in
turn by "no filtering" (`self.all()`), and the harness, run as that role's world users, must
report a failure. A rule that already returns everything for every world user of its role
(the audit administrator's audit log, say) has nothing to take away and is listed instead.
"""

import pytest
from django.apps import apps

from accounts.roles import role_of
from accounts.scoping import ScopedQuerySet

from .isolation.harness import check_object_reads, check_object_writes, check_pages, check_querysets
from .isolation.routes import PUBLIC
from .test_isolation import classify


def _scoped_querysets() -> list[type]:
    found, queue = [], [ScopedQuerySet]
    while queue:
        cls = queue.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            queue.append(sub)
    return found


def _rules() -> list[tuple[type, str]]:
    rules = []
    for cls in _scoped_querysets():
        for name in vars(cls):
            if name.startswith(("_visible_to_", "_editable_by_")) and not name.endswith("_operator"):
                rules.append((cls, name))
    return sorted(rules, key=lambda rule: (rule[0].__name__, rule[1]))


def _widened(method_name: str):
    def no_filtering(self, user):
        return self.all()

    no_filtering.__name__ = method_name
    return no_filtering


@pytest.mark.parametrize("cls,method", _rules(), ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_removing_a_scope_rule_is_caught(world, monkeypatch, cls, method):
    role = method.removeprefix("_visible_to_").removeprefix("_editable_by_")
    users = [name for name, user in world.users.items() if role_of(user) == role]
    if not users:
        pytest.skip(f"no world user holds the role {role}")
    model = next(m for m in apps.get_models() if isinstance(m._default_manager.all(), cls))
    original = getattr(cls, method)
    everything = model._default_manager.count()
    if all(original(model._default_manager.all(), world.users[u]).count() == everything for u in users):
        pytest.skip(f"{cls.__name__}.{method} already returns everything in the world: nothing to remove")
    monkeypatch.setattr(cls, method, _widened(method))
    pages, reads, writes, _ = classify()
    # Public pages carry no scoped data; leaving them out keeps this matrix fast.
    pages = [route for route in pages if route.name not in PUBLIC]
    label = model._meta.label_lower
    reads = {route: lbl for route, lbl in reads.items() if lbl == label}
    writes = {route: spec for route, spec in writes.items() if spec[0] == label}
    # The scoping layer is compared with the tables first; the routes must notice on their own
    # too wherever a route reads or writes the model (checked when the layer check alone passes).
    failures = check_querysets(world, users)
    if method.startswith("_visible_to_"):
        failures += check_object_reads(world, reads, users) or check_pages(world, pages, users)
    else:
        failures += check_object_writes(world, writes, users)
    assert failures, f"the harness did not notice {cls.__name__}.{method} being widened to everything"
