"""Role isolation: every page and API route, as every role, shows and changes only what the
role's scope allows (ARCHITECTURE.md, "Who uses it, and what they see").

The expected scope is written out by hand in tests/isolation/expectations.py; the meta-test at
the end removes each scope rule in turn and checks that this harness notices.
"""

import pytest
from django.test import Client

from accounts.models import AuditEvent
from accounts.roles import role_of
from inventory.models import Patent

from .isolation import object_routes
from .isolation.harness import (
    check_gated,
    check_object_reads,
    check_object_writes,
    check_pages,
    check_querysets,
    written_tables,
)
from .isolation.routes import PUBLIC, SKIPPED, Route, all_routes

# Filled by classify(): routes keyed by tokens rather than world objects.
gated: dict[Route, tuple[frozenset[str], dict]] = {}
WRITE_METHODS = {"put": "PUT", "patch": "PATCH", "delete": "DELETE", "post": "POST"}


def _viewset_model(route: Route) -> str | None:
    cls = getattr(route.callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    return queryset.model._meta.label_lower if queryset is not None else None


def classify() -> tuple[list[Route], dict[Route, str], dict[Route, tuple[str, tuple[str, ...]]], list[str]]:
    """Split every route into pages, object reads and object writes; list the uncovered ones."""
    pages: dict[str, Route] = {}
    reads: dict[Route, str] = {}
    writes: dict[Route, tuple[str, tuple[str, ...]]] = {}
    gated.clear()
    uncovered: list[str] = []
    for route in all_routes():
        if route.name in SKIPPED or "format" in route.kwargs:
            continue  # DRF's ".json" suffix variants serve the same view as the route without it
        params = [k for k in route.kwargs if k != "format"]
        if not params:
            pages.setdefault(route.name, route)
            continue
        actions = getattr(route.callback, "actions", None)
        if actions is not None and _viewset_model(route):
            label = _viewset_model(route)
            if "get" in actions:
                reads[route] = label
            methods = tuple(WRITE_METHODS[m] for m in actions if m in WRITE_METHODS)
            if methods:
                writes[route] = (label, methods)
            continue
        if route.name in object_routes.READS:
            reads[route] = object_routes.READS[route.name]
        elif route.name in object_routes.WRITES:
            writes[route] = (object_routes.WRITES[route.name], ("POST",))
        elif route.name in object_routes.GATED:
            gated[route] = object_routes.GATED[route.name]
        else:
            uncovered.append(f"{route.name or '(unnamed)'} {route.pattern}")
    return list(pages.values()), reads, writes, uncovered


def test_every_route_is_covered():
    *_, uncovered = classify()
    assert not uncovered, (
        "routes with parameters missing from tests/isolation/object_routes.py: " + ", ".join(uncovered)
    )


def test_pages_show_only_scoped_data(world):
    pages, _, _, _ = classify()
    assert any(r.name == "inventory:patent_list" for r in pages)
    failures = check_pages(world, pages, world.users)
    assert not failures, "\n".join(failures)


def test_object_routes_answer_404_out_of_scope(world):
    _, reads, _, _ = classify()
    failures = check_object_reads(world, reads, world.users)
    assert not failures, "\n".join(failures)


def test_object_writes_refused_out_of_scope(world):
    _, _, writes, _ = classify()
    failures = check_object_writes(world, writes, world.users)
    assert not failures, "\n".join(failures)


def test_the_write_watch_sees_a_write_but_not_a_refusal_s_own_records(world):
    """The object-write check watches each route's statements (tests/isolation/harness.py): a
    refused 403 writes only its audit event and the session, which it lets pass; a row written
    anywhere else is named."""
    client = Client()
    client.force_login(world.user("ent_gd_admin"))
    refusals = AuditEvent.objects.filter(action="access.denied").count()
    with written_tables() as written:
        assert client.post("/evaluation/experts/review/").status_code == 403
    assert written == set() and AuditEvent.objects.filter(action="access.denied").count() == refusals + 1
    patent = world.patents["bj_moe_private"]
    with written_tables() as written:
        Patent.objects.filter(pk=patent.pk).update(title="改写")
    assert written == {"inventory_patent"}


def test_scoping_layer_matches_the_expected_scope(world):
    failures = check_querysets(world, world.users)
    assert not failures, "\n".join(failures)


def test_gated_routes_refuse_other_roles(world):
    classify()
    failures = check_gated(world, gated, world.users)
    assert not failures, "\n".join(failures)


def test_pending_enterprise_sees_nothing(world, client):
    user = world.user("ent_gd_pending_admin")
    assert role_of(user) is None
    client.force_login(user)
    assert client.get("/api/v1/patents/").json().get("results", []) == [] or \
        client.get("/api/v1/patents/").status_code in (401, 403)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_routes_exist(name):
    assert any(route.name == name for route in all_routes()), f"{name} listed as public but not routed"
