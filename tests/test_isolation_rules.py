"""The isolation harness must notice when a scope rule is taken away.

Every rule of every scoped queryset, for every purpose of `visible_to` and every action of
`editable_by` (`_visible_to_<role>[__<purpose>]`, `_editable_by_<role>[__<action>]`, inherited
ones included), is replaced in turn by "no filtering" (`self.all()`), and the harness, run as that
role's world users, must report a failure. A rule that already returns everything for every
world user of its role (the audit administrator's audit log, say) has nothing to take away and
is listed as skipped instead.
"""

import pytest
from django.apps import apps

from accounts.roles import Role, role_of
from accounts.scoping import ScopedQuerySet, rule_names
from inventory.upload.models import ImportBatchQuerySet

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
    rules = [(cls, name) for cls in _scoped_querysets() for name in rule_names(cls)]
    return sorted(rules, key=lambda rule: (rule[0].__name__, rule[1]))


def _role_and_name(method: str) -> tuple[Role, str | None]:
    """`_visible_to_institution__own` → (Role.INSTITUTION, "own")."""
    role, _sep, name = method.removeprefix("_visible_to_").removeprefix("_editable_by_").partition("__")
    return Role(role), name or None


def _widened(method_name: str):
    def no_filtering(self, user):
        return self.all()

    no_filtering.__name__ = method_name
    return no_filtering


@pytest.mark.parametrize("cls,method", _rules(), ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_removing_a_scope_rule_is_caught(world, monkeypatch, cls, method):
    role, name = _role_and_name(method)
    users = [username for username, user in world.users.items() if role_of(user) == role]
    if not users:
        pytest.skip(f"no world user holds the role {role}")
    model = next(m for m in apps.get_models() if isinstance(m._default_manager.all(), cls))
    original = getattr(cls, method)
    everything = model._default_manager.count()
    if all(original(model._default_manager.all(), world.users[u]).count() == everything for u in users):
        pytest.skip(f"{cls.__name__}.{method} already returns everything in the world: nothing to remove")
    monkeypatch.setattr(cls, method, _widened(method))
    if name is not None:
        # A named purpose or action is read by the services behind the routes; the scoping
        # layer's own check below compares it with its expectation table.
        assert check_querysets(world, users), f"the harness did not notice {cls.__name__}.{method} widened"
        return
    pages, reads, writes, _ = classify()
    # Public pages carry no scoped data; leaving them out keeps this matrix fast.
    pages = [route for route in pages if route.name not in PUBLIC]
    label = model._meta.label_lower
    reads = {route: lbl for route, lbl in reads.items() if lbl == label}
    writes = {route: spec for route, spec in writes.items() if spec[0] == label}
    # The scoping layer is compared with the tables first; where it alone does not notice, the
    # routes that read or write the model must. The verdict is the same as running both every
    # time (either noticing passes), without crawling every page for the rules the layer check
    # already catches.
    failures = check_querysets(world, users)
    if not failures and method.startswith("_visible_to_"):
        failures = check_object_reads(world, reads, users) or check_pages(world, pages, users)
    elif not failures:
        failures = check_object_writes(world, writes, users)
    assert failures, f"the harness did not notice {cls.__name__}.{method} being widened to everything"


def test_dropping_the_department_rule_of_batch_commits_is_caught(world, monkeypatch):
    """The rule that once escaped every test: a department admin acts on the department's uploads,
    not on the whole institution's."""

    def without_department_rule(self, user):
        own = self.filter(organization_id=user.organization_id)
        return own if user.is_org_admin else own.filter(created_by=user)

    assert not check_querysets(world, ["inst_bj_moe_dept_admin"])
    monkeypatch.setattr(ImportBatchQuerySet, "_editable_by_institution", without_department_rule)
    failures = check_querysets(world, ["inst_bj_moe_dept_admin"])
    assert "inventory.importbatch.editable_by(inst_bj_moe_dept_admin) offers bj_moe_upload" in failures
