"""The role-isolation harness: requests every route as every world user and reports leaks.

Each check returns a list of human-readable failures (empty = isolated), so that the same
checks serve the isolation tests and the meta-test that removes scope rules one by one.
"""

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, OrganizationAlias, Province, User
from accounts.roles import role_of
from evaluation.choices import AssignmentStatus
from evaluation.rounds.models import Assignment
from inventory.models import ImportBatch, InventoryChange, InventoryRecord, Patent, PatentOwnership

from ..world import AREAS
from . import expectations as E
from .fields import field_markers
from .objects import WorldObject
from .routes import Route

DENIED = {403, 404, 405}
# The API's schema documents its vocabulary to every signed-in user: the world account `expert` is
# also a word of it (the evaluator kind, an assignment's expert), which is no account shown.
VOCABULARY_ROUTES = {"api-schema"}
VOCABULARY_WORDS = {"expert"}


def world_objects(world) -> dict[str, list[WorldObject]]:
    """World objects by model label, each with who may see and who may change it."""
    objects: dict[str, list[WorldObject]] = {
        "inventory.patent": [],
        "inventory.inventoryrecord": [],
        "accounts.organization": [],
        "accounts.user": [],
    }
    for key, patent in world.patents.items():
        viewers, editors = frozenset(E.PATENTS[key]), frozenset(E.PATENT_EDITORS[key])
        objects["inventory.patent"].append(WorldObject(key, patent, viewers, editors, named={
            "visible_to:own": frozenset(E.PATENTS_OWN[key]),
            "visible_to:workbench": frozenset(E.PATENTS_WORKBENCH[key]),
            "editable_by:record_conversion": frozenset(E.PATENT_CONVERSION_RECORDERS[key]),
        }))
        library = frozenset(E.LIBRARY_BROWSERS if patent.inventory.in_library else ())
        objects["inventory.inventoryrecord"].append(
            WorldObject(key, patent.inventory, viewers, editors, named={
                "visible_to:library": library, "visible_to:led": frozenset(E.RECORDS_LED[key])}))
    for key, org in world.orgs.items():
        objects["accounts.organization"].append(
            WorldObject(key, org, frozenset(E.ORGANIZATIONS[key]), frozenset(E.ORGANIZATION_EDITORS.get(key, ())))
        )
    # Reference data, the same for everyone signed in.
    for province in Province.objects.filter(code__in=["110000", "440000"]):
        objects.setdefault("accounts.province", []).append(
            WorldObject(province.code, province, frozenset(E.SIGNED_IN), frozenset())
        )
    for key, batch in world.batches.items():
        objects.setdefault("inventory.importbatch", []).append(
            WorldObject(key, batch, frozenset(E.IMPORT_BATCHES[key]), frozenset(E.IMPORT_BATCH_EDITORS[key]))
        )
    for label, items in world.extra_objects.items():
        objects.setdefault(label, []).extend(items)
    for key, user in world.users.items():
        objects["accounts.user"].append(
            WorldObject(key, user, frozenset(E.user_records_viewers(key)), frozenset(E.user_editors(key)))
        )
    for label in E.NAMED_IN_AUDIT_LOG:
        for item in objects.get(label, []):
            item.named["visible_to:audit"] = frozenset(E.AUDIT_LOG_READERS)
    return objects


def markers(world) -> list[tuple[str, re.Pattern, frozenset[str]]]:
    """(description, pattern, users allowed to see it) for every piece of text that must not leak:
    the objects out of scope, the fields of each audience (tests/isolation/fields.py) and personal
    data shown unmasked."""
    found = []
    # An expert reads a patent through an assignment once they declared no conflict of interest
    # (evaluation.rounds): the patent's own scope has no rule for experts, the assignment opens it.
    opened: dict[int, set[str]] = {}
    for patent_id, username in Assignment.objects.filter(
            status__in=[AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED]).values_list(
            "patent_id", "expert__user__username"):
        opened.setdefault(patent_id, set()).add(username)
    for key, patent in world.patents.items():
        digits = patent.application_number[2:].split(".")[0]
        viewers = frozenset(E.PATENTS[key]) | opened.get(patent.pk, set())
        found.append((f"patent {key}", re.compile(re.escape(digits)), viewers))
    found += field_markers(world)
    for name, viewers in E.ENTERPRISE_NAME_MARKERS.items():
        found.append((f"enterprise {name}", re.compile(re.escape(name)), frozenset(viewers)))
    for key in world.users:
        # An account named by a word of the data's vocabulary (`expert`, the evaluator kind) is not
        # found inside a quoted JSON value ("evaluator_kind": "expert"); anywhere else it is.
        edge = r'A-Za-z0-9_"-' if key in VOCABULARY_WORDS else r"A-Za-z0-9_-"
        pattern = re.compile(rf"(?<![{edge}]){re.escape(key)}(?![{edge}])")
        found.append((f"account {key}", pattern, frozenset(E.user_viewers(key))))
    return found


def response_text(response) -> str:
    """The text a person would receive: HTML, JSON, CSV, or the strings inside an .xlsx."""
    # Read to the end: that is where the test client closes a streamed file.
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml")
            )
    return body.decode("utf-8", "replace")


def _finish(response) -> None:
    """Read a streamed download to its end, which is where the test client closes its file
    (response.close() itself would also end the test's database connection)."""
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass


def fingerprint() -> tuple:
    """Everything a forbidden request might change, cheap enough to compare around each one."""
    return (
        tuple(Organization.objects.order_by("pk").values_list("pk", "status", "name", "review_note")),
        tuple(User.objects.order_by("pk").values_list(
            "pk", "is_active", "is_org_admin", "platform_role", "password", "must_change_password")),
        tuple(Patent.objects.order_by("pk").values_list("pk", "updated_at", "title")),
        tuple(tuple(r) for r in InventoryRecord.objects.order_by("pk").values_list()),
        PatentOwnership.objects.count(),
        OrganizationAlias.objects.count(),
        ImportBatch.objects.count(),
        InventoryChange.objects.count(),
        tuple(area.fingerprint() for area in AREAS),
    )


# A statement that writes rows: its verb and its table. Two writes belong to any refusal: a 403 is
# recorded in the audit log (access.denied, accounts.middleware), and the session is the client's.
_WRITE = re.compile(r'^\s*(INSERT|UPDATE|DELETE)\s+(?:OR\s+\w+\s+)?(?:INTO\s+|FROM\s+)?"?(\w+)"?', re.IGNORECASE)
_REFUSAL_WRITES = {("INSERT", "accounts_auditevent"), ("INSERT", "django_session"), ("UPDATE", "django_session"),
                   ("DELETE", "django_session")}


@contextmanager
def written_tables() -> Iterator[set[str]]:
    """The tables the requests inside the block write to (INSERT, UPDATE or DELETE on this thread's
    connection, where the test client's requests run), a refusal's own records left out. Watching
    a statement costs nothing, where `fingerprint` reads every table the areas name (0.1 s): the
    checks watch each route's requests and take the fingerprint once per user, which also catches
    what a statement-level watch cannot see (a COPY, a statement opening with WITH)."""
    tables: set[str] = set()

    def watch(execute, sql, params, many, context):
        match = _WRITE.match(sql)
        if match and (match.group(1).upper(), match.group(2)) not in _REFUSAL_WRITES:
            tables.add(match.group(2))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield tables


def denied(response) -> bool:
    """Refused: 403, 404 or 405, or sent to the login page (a session that is not, or no longer, valid)."""
    if response.status_code in DENIED:
        return True
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(route: Route, obj: Model | None) -> str:
    kwargs = {}
    for name in route.kwargs:
        if name == "format":
            continue
        kwargs[name] = obj.pk
    return reverse(route.name, kwargs=kwargs)


def check_pages(world, routes: Iterable[Route], users: Iterable[str]) -> list[str]:
    """GET every parameterless route as each user; no marker outside the user's scope may appear."""
    failures = []
    marks = markers(world)
    for username in users:
        client = _client_for(world.users[username])
        for route in routes:
            response = client.get(reverse(route.name))
            text = response_text(response)
            for description, pattern, allowed in marks:
                if route.name in VOCABULARY_ROUTES and description.startswith("account "):
                    continue
                if username not in allowed and pattern.search(text):
                    failures.append(f"{username} GET {route.name}: sees {description}")
    return failures


def check_object_reads(world, routes: dict[Route, str], users: Iterable[str]) -> list[str]:
    """GET every object route for every world object of its model: out of scope must be 403/404;
    in scope, the response shows no field outside the user's audience (tests/isolation/fields.py)."""
    failures = []
    objects = world_objects(world)
    fields = field_markers(world)
    for username in users:
        client = _client_for(world.users[username])
        hidden = [(description, pattern) for description, pattern, allowed in fields if username not in allowed]
        for route, label in routes.items():
            if label not in objects:
                failures.append(f"{route.name}: the world has no {label} objects with expected viewers")
                continue
            for item in objects[label]:
                response = client.get(_url(route, item.obj))
                if username in item.viewers and response.status_code == 200:
                    # An object the user may see, shown with no field outside the user's audience.
                    text = response_text(response)
                    failures += [f"{username} GET {route.name} {item.key}: sees {description}"
                                 for description, pattern in hidden if pattern.search(text)]
                else:
                    _finish(response)
                if username not in item.viewers and not denied(response):
                    failures.append(
                        f"{username} GET {route.name} {item.key}: {response.status_code}, expected 403/404"
                    )
                elif username in item.viewers and route.name.endswith("-detail") and response.status_code != 200:
                    # The API has no page-level role gate: whoever may see an object reads it.
                    failures.append(f"{username} GET {route.name} {item.key}: {response.status_code}, expected 200")
    return failures


def _write_targets(items: list[WorldObject], username: str) -> list[WorldObject]:
    """The objects a user may see but not change (where a missing write check would bite), plus
    two it cannot see at all: enough to catch a widened rule without trying every pair."""
    seen_not_editable = [i for i in items if username in i.viewers and username not in i.editors]
    unseen = [i for i in items if username not in i.viewers and username not in i.editors]
    return seen_not_editable + unseen[:2]


def check_object_writes(world, routes: dict[Route, tuple[str, tuple[str, ...]]], users: Iterable[str]) -> list[str]:
    """Send each write method to object routes as users who may not change the object: it must
    be refused (403/404/405, or back to the login page) and change nothing."""
    failures = []
    objects = world_objects(world)
    for username in users:
        client = _client_for(world.users[username])
        before = fingerprint()
        for route, (label, methods) in routes.items():
            if label not in objects:
                failures.append(f"{route.name}: the world has no {label} objects with expected editors")
                continue
            with written_tables() as written:
                for item in _write_targets(objects[label], username):
                    url = _url(route, item.obj)
                    for method in methods:
                        data, content_type = ({"reason": "isolation test"}, None) if method == "POST" else (
                            "{}", "application/json")
                        failures += _refusal(client, method, url, f"{username} {method} {route.name} {item.key}",
                                             "expected refusal", data=data, content_type=content_type)
            if written:
                failures.append(f"{username} {route.name}: wrote to {', '.join(sorted(written))}")
        if fingerprint() != before:
            failures.append(f"{username}: data changed by a refused write")
    return failures


def _refusal(client: Client, method: str, url: str, shown: str, expected: str, *, data=None,
             content_type: str | None = None) -> list[str]:
    """Send one request; a failure unless it was refused."""
    extra = {"content_type": content_type} if content_type else {}
    response = client.generic(method, url, data=data, **extra) if method not in ("GET", "POST") else (
        client.get(url) if method == "GET" else client.post(url, data=data or {}))
    _finish(response)
    return [] if denied(response) else [f"{shown}: {response.status_code}, {expected}"]


def check_gated(world, routes: dict[Route, tuple[frozenset[str], dict]], users: Iterable[str]) -> list[str]:
    """Routes keyed by something other than a world object (a one-time token…): every role
    outside the allowed ones is refused, for GET and POST alike, and nothing changes."""
    failures = []
    for username in users:
        user = world.users[username]
        client = _client_for(user)
        before = fingerprint()
        for route, (roles, kwargs) in routes.items():
            if role_of(user) in roles:
                continue
            url = reverse(route.name, kwargs=kwargs)
            for method in ("GET", "POST"):
                with written_tables() as written:
                    failures += _refusal(client, method, url, f"{username} {method} {route.name}", "expected 403/404")
                if written:
                    failures.append(f"{username} {method} {route.name}: wrote to {', '.join(sorted(written))}")
        if fingerprint() != before:
            failures.append(f"{username}: data changed by a refused request")
    return failures


def check_querysets(world, users: Iterable[str]) -> list[str]:
    """The scoping layer itself, model by model: `visible_to(user)` and `editable_by(user)` must
    offer exactly the world objects the expectation tables give the user, no more, no fewer.
    This pins rules that no page exercises yet (an upload's patent check, say)."""
    failures = []
    for label, items in world_objects(world).items():
        manager = apps.get_model(label)._default_manager
        if not hasattr(manager.all(), "visible_to"):
            continue  # reference data, not scoped
        pks = [item.obj.pk for item in items]
        key_of = {item.obj.pk: item.key for item in items}
        queryset_class = type(manager.all())
        rules = [("visible_to", None), ("editable_by", None)]
        rules += [("visible_to", purpose) for purpose in sorted(queryset_class.purposes)]
        rules += [("editable_by", action) for action in sorted(queryset_class.actions)]
        for method, name in rules:
            if name is not None and any(f"{method}:{name}" not in item.named for item in items):
                failures.append(f"{label}: no expectation declared for {method}(user, {name!r})")
                continue
            for username in users:
                got = set(getattr(manager.filter(pk__in=pks), method)(world.users[username], name)
                          .values_list("pk", flat=True))
                expected = {item.obj.pk for item in items if username in _expected(item, method, name)}
                shown = f"{label}.{method}({username}{f', {name!r}' if name else ''})"
                failures += [f"{shown} offers {key_of[pk]}" for pk in got - expected]
                failures += [f"{shown} withholds {key_of[pk]}" for pk in expected - got]
    return failures


def _expected(item: WorldObject, method: str, name: str | None) -> frozenset[str]:
    if name is not None:
        return item.named[f"{method}:{name}"]
    return item.viewers if method == "visible_to" else item.editors
