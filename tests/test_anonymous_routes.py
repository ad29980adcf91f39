"""What an anonymous visitor reaches: the login, enterprise registration, the inventors' password
link, the language switch and the static files; every other route of the URLconf sends it to the
login page, or answers 401/403 on the API (the API description and its pages included)."""

from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from .isolation.routes import all_routes

# Routes an anonymous visitor may use (any answer but a server error).
ANONYMOUS = {
    "accounts:login", "accounts:register", "accounts:register_done", "set_language",
    # The link an invited inventor follows to set a first password (a password reset).
    "inventory:self_assessment_set_password",
    # The login form's captcha images (a one-time key; 410 for an unknown one).
    "captcha-image", "captcha-image-2x",
}
SAMPLE = {"token": "no-such-token", "uidb64": "MQ", "job": "no-such-job", "format": "json"}


def _url(route, pk: int) -> str:
    for value in (pk, "1"):
        try:
            return reverse(route.name, kwargs={name: SAMPLE.get(name, value) for name in route.kwargs})
        except NoReverseMatch:
            continue
    raise AssertionError(f"cannot fill {route.pattern}")


def _refused(url: str, response) -> bool:
    login = reverse(settings.LOGIN_URL)
    if response.status_code == 302 and response.url.startswith(login):
        return True
    return url.startswith("/api/") and response.status_code in (401, 403)


def test_anonymous_reaches_only_the_public_pages(world):
    client = Client(raise_request_exception=False)
    pk = world.batches["bj_moe_upload"].pk
    failures = []
    routes = [route for route in all_routes() if route.name]
    assert len(routes) > 100
    for route in routes:
        url = _url(route, pk)
        methods = {"get", "post", *getattr(route.callback, "actions", {})} - {"head"}
        for method in sorted(methods):
            response = getattr(client, method)(url)
            ok = response.status_code < 500 if route.name in ANONYMOUS else _refused(url, response)
            if not ok:
                failures.append(f"{method.upper()} {url} ({route.name}): {response.status_code}")
    assert not failures, "\n".join(failures)


def test_public_routes_exist():
    names = {route.name for route in all_routes()}
    assert names >= ANONYMOUS, ANONYMOUS - names


def test_api_description_needs_a_login(world, client):
    for name in ("api-schema", "api-docs", "api-redoc"):
        assert _refused("/api/", client.get(reverse(name))), name
    client.force_login(world.user("inst_bj_moe_admin"))
    for name in ("api-schema", "api-docs"):
        assert client.get(reverse(name)).status_code == 200, name
    # Redoc's old address leads to Swagger UI (Redoc needs inline styles the CSP refuses).
    assert client.get(reverse("api-redoc"))["Location"] == reverse("api-docs")
