"""DRF's format-suffix routes (`/api/v1/<route>.json/`) work like the routes without the suffix:
every one of them, with every method it routes, as a signed-in user of each role, answers
something other than a server error."""

import json

from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.roles import role_of

from .isolation.routes import all_routes

ERRORS = 500


def _one_user_per_role(world) -> dict[str, object]:
    users: dict[str, object] = {}
    for user in world.users.values():
        users.setdefault(str(role_of(user)), user)
    return users


def _url(route, pk: str) -> str:
    """The route with the suffix `json` and every other parameter `pk` (or "1" where `pk` does not fit,
    as an industry code)."""
    for value in (pk, "1"):
        try:
            return reverse(route.name, kwargs={name: "json" if name == "format" else value for name in route.kwargs})
        except NoReverseMatch:
            continue
    raise AssertionError(f"cannot fill {route.pattern}")


def test_every_format_suffix_route_answers_without_a_server_error(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    routes = [r for r in all_routes() if "format" in r.kwargs and getattr(r.callback, "actions", None)]
    assert any("import-batches" in r.pattern and "problems" in r.pattern for r in routes)
    batch_id = str(world.batches["bj_moe_upload"].pk)
    failures = []
    for role, user in _one_user_per_role(world).items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for route in routes:
            url = _url(route, batch_id)
            for method in list(route.callback.actions):
                send = getattr(client, method)
                if method in ("get", "head"):
                    response = send(url)
                else:
                    response = send(url, data=json.dumps({}), content_type="application/json")
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)  # a file answer: read to the end, which closes it
                if response.status_code >= ERRORS:
                    failures.append(f"{role} {method.upper()} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
