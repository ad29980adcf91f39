"""The response headers of GB/T 22239-2019 level 3 (ground.middleware.SecurityHeadersMiddleware and
Django's SecurityMiddleware): a strict Content-Security-Policy and a Permissions-Policy on every
response, nothing cached of the API or of a signed-in user's pages, and no template that needs the
policy loosened (no inline script, event handler, <style> block or style="" attribute).

The browser's side, that no page of any role triggers a policy violation, is
tests/browser/test_csp_browser.py.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import include, path, reverse

pytestmark = pytest.mark.django_db


@login_not_required
def _boom(request):
    raise RuntimeError("a failure no view expected")


# The project's URLs and handlers with a view that fails (pytest.mark.urls(__name__) below).
urlpatterns = [path("boom/", _boom), path("", include("patentnavi.urls"))]
from patentnavi.urls import handler400, handler403, handler404, handler500  # noqa: E402, F401

ROOT = Path(settings.BASE_DIR)
SKIPPED_DIRS = {".venv", "node_modules", "test-artifacts", "staticfiles", "htmlcov", "media", ".git"}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert "*" not in response["Content-Security-Policy"]


def _assert_permissions(response) -> None:
    features = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "display-capture"):
        assert features.get(feature) == "()", (feature, response["Permissions-Policy"])


DJANGO_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _responses(world, client):
    """A signed-in page, an API answer, the login page (anonymous) and error pages (page and API)."""
    anonymous = {
        "login": client.get(reverse("accounts:login")),
        "404 page": client.get("/no-such-page/"),
        "404 api": client.get("/api/v1/no-such-thing/"),
        "api refused": client.get("/api/v1/patents/"),
    }
    client.force_login(world.user("inst_bj_moe_admin"))
    signed_in = {
        "home": client.get(reverse("home")),
        "api": client.get("/api/v1/patents/"),
        "403 page": client.get(reverse("accounts:audit_log")),
    }
    return anonymous | signed_in


def test_control_csp_strict_on_pages_api_login_and_errors(world, client):
    responses = _responses(world, client)
    assert responses["home"].status_code == 200 and responses["api"].status_code == 200
    assert responses["404 page"].status_code == 404 and responses["403 page"].status_code in (302, 403)
    for name, response in responses.items():
        assert "Content-Security-Policy" in response, name
        _assert_strict(response)


@pytest.mark.urls(__name__)
def test_control_csp_on_the_server_error_and_csrf_failure_pages(world, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    anonymous_500 = client.get("/boom/")
    client.force_login(world.user("inst_bj_moe_admin"))
    signed_in_500 = client.get("/boom/")
    csrf_refused = client.post(reverse("accounts:logout"))
    assert (anonymous_500.status_code, signed_in_500.status_code, csrf_refused.status_code) == (500, 500, 403)
    for response in (anonymous_500, signed_in_500, csrf_refused):
        _assert_strict(response)
        _assert_permissions(response)
    assert _no_store(signed_in_500) and _no_store(csrf_refused)


def test_control_permissions_policy_denies_device_features(world, client):
    for name, response in _responses(world, client).items():
        assert "Permissions-Policy" in response, name
        _assert_permissions(response)


def test_control_nosniff_referrer_and_framing_headers(world, client):
    for name, response in _responses(world, client).items():
        for header, value in DJANGO_HEADERS.items():
            assert response.get(header) == value, (name, header, response.get(header))


def test_control_no_store_on_every_api_response(world, client, password):
    assert _no_store(client.get("/api/v1/patents/"))  # refused, anonymous
    assert _no_store(client.post("/api/v1/auth/token/", {"username": "inst_bj_moe_admin", "password": password}))
    client.force_login(world.user("inst_bj_moe_admin"))
    for url in ("/api/v1/", "/api/v1/patents/", "/api/v1/library/", "/api/v1/no-such-thing/", "/api/schema/"):
        response = client.get(url)
        assert _no_store(response), (url, response.status_code, response.get("Cache-Control"))


def test_control_no_store_on_signed_in_pages(world, client):
    client.force_login(world.user("inst_bj_moe_admin"))
    for url in (reverse("home"), reverse("inventory:patent_list"), reverse("inventory:library"),
                reverse("inventory:milestones"), "/no-such-page/"):
        response = client.get(url)
        assert _no_store(response), (url, response.status_code, response.get("Cache-Control"))
        assert "private" in response["Cache-Control"]


def test_anonymous_public_page_is_not_marked_private_by_the_rule(client):
    """The rule follows the user: an anonymous 404 carries no no-store of its own."""
    assert not _no_store(client.get("/no-such-page/"))


def test_control_api_docs_need_no_inline_script(world, client):
    client.force_login(world.user("inst_bj_moe_admin"))
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), html
    assert "<style" not in html
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert client.get(reverse("api-redoc")).status_code == 302


# What a strict policy refuses in a template: a <script> with code (a json_script block, of type
# application/json, is data and allowed), an on…= event handler, a <style> block, a style="" attribute.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\b(src|type)=)[^>]*>", re.I),
    "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"""(href|action)\s*=\s*["']\s*javascript:""", re.I),
}


def _templates() -> list[Path]:
    return [path for path in ROOT.rglob("*.html") if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)]


def test_control_csp_no_template_needs_inline_code():
    templates = _templates()
    assert len(templates) > 50, len(templates)
    found = [
        f"{path.relative_to(ROOT)}:{text[:match.start()].count(chr(10)) + 1}: {kind}"
        for path in templates
        for text in [path.read_text(encoding="utf-8")]
        for kind, pattern in INLINE.items()
        for match in pattern.finditer(text)
    ]
    assert not found, "\n".join(found)


def test_the_template_scan_can_fail(tmp_path):
    samples = {
        "inline script": '<script>alert(1)</script>',
        "event handler": '<form method="post" onsubmit="return confirm(1)">',
        "style block": "<style>p {}</style>",
        "style attribute": '<div class="x" style="width: 5%">',
        "javascript: URL": '<a href="javascript:void(0)">',
    }
    for kind, sample in samples.items():
        assert INLINE[kind].search(sample), kind
    assert not any(pattern.search('<script src="/static/js/x.js"></script><script type="application/json">{}</script>')
                   for pattern in INLINE.values())
