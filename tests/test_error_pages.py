"""The error pages (ground/errors.py, templates/errors/, templates/500.html), with DEBUG off: Chinese,
in the site's layout, saying what happened and where to go; JSON under /api/; the 500 page renders
without a database or a request context."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from ground import errors

from .isolation import expectations as E


# Open to anonymous visitors (the site otherwise asks them to log in first).
@login_not_required
def _boom(request):
    raise RuntimeError("a failure no view expected")


@login_not_required
def _refuse(request):
    raise PermissionDenied


@login_not_required
def _ok(request):
    return HttpResponse("ok")


# The project's URLs and handlers, with views that fail (settings.ROOT_URLCONF = __name__ below).
urlpatterns = [
    path("boom/", _boom),
    path("api/v1/boom/", _boom),
    path("refuse/", _refuse),
    path("", include("patentnavi.urls")),
]
from patentnavi.urls import handler400, handler403, handler404, handler500  # noqa: E402, F401


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False


def _text(response) -> str:
    return response.content.decode()


def _is_site_page(text: str) -> None:
    assert 'aria-label="主导航"' in text and "pn-navbar" in text, "the site's layout"
    assert 'href="/"' in text and "返回首页" in text
    assert "Forbidden" not in text and "Not Found" not in text and "Server Error" not in text


def test_a_role_refused_a_page_gets_a_chinese_page_with_the_navigation(world, login):
    client = login(world.users["auditor"])
    response = client.get(reverse("inventory:search"), headers={"referer": "http://testserver/accounts/audit/"})
    assert response.status_code == 403
    text = _text(response)
    _is_site_page(text)
    assert "无权访问此页面" in text and "审计管理员" in text  # what happened, to whom
    assert 'href="http://testserver/accounts/audit/"' in text and "返回上一页" in text
    assert "退出并换一个账号登录" in text
    assert reverse("accounts:audit_log") in text  # the auditor's own navigation is there


def test_a_refusal_with_a_reason_shows_it(world, login):
    response = login(world.users["inst_bj_moe_member"]).get(reverse("accounts:members"))
    assert response.status_code == 403
    assert "只有机构管理员可以管理本机构的成员" in _text(response)


def test_a_foreign_referer_is_no_way_back(world, login):
    response = login(world.users["auditor"]).get(reverse("inventory:search"),
                                                 headers={"referer": "https://elsewhere.example/x"})
    assert "elsewhere.example" not in _text(response) and "返回上一页" not in _text(response)


def test_missing_pages_and_objects_outside_the_scope_are_a_chinese_404(world, login, client):
    anonymous = client.get("/no-such-page/")
    assert anonymous.status_code == 404
    text = _text(anonymous)
    _is_site_page(text)
    assert "页面不存在" in text
    assert f'{reverse("accounts:login")}?next=/no-such-page/' in text  # not signed in: the way in
    outsider = login(world.users["inst_gd_local_admin"])
    assert "inst_gd_local_admin" not in E.PATENTS["bj_moe_private"]
    response = outsider.get(reverse("inventory:patent_detail", args=[world.patents["bj_moe_private"].pk]))
    assert response.status_code == 404
    assert "不在您的查看范围内" in _text(response)


def test_a_bad_request_is_a_chinese_400(db, client):
    response = client.get("/", headers={"host": "evil.example"})  # DisallowedHost
    assert response.status_code == 400
    text = _text(response)
    _is_site_page(text)
    assert "请求无法处理" in text


def test_a_csrf_failure_is_a_chinese_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["inst_bj_moe_admin"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    text = _text(response)
    _is_site_page(text)
    assert "页面已过期" in text and "CSRF verification failed" not in text


@pytest.mark.urls(__name__)
def test_a_server_error_is_a_chinese_page_and_json_under_the_api(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    text = _text(response)
    assert "服务器内部错误" in text and 'href="/"' in text and "重新加载此页" in text
    assert "a failure no view expected" not in text
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500 and api["content-type"] == "application/json"
    assert api.json() == {"detail": "服务器内部错误,请稍后重试"}
    assert client.get("/refuse/").status_code == 403


def test_the_500_page_needs_no_database_and_no_request_context():
    # No `db` fixture: any query here fails the test.
    response = errors.server_error(RequestFactory().get("/anywhere/"))
    assert response.status_code == 500
    assert "服务器内部错误" in _text(response) and "pn-brand" in _text(response)


def test_the_500_page_survives_its_own_template_failing(monkeypatch):
    def broken(name):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/anywhere/"))
    assert response.status_code == 500 and "服务器内部错误" in _text(response)


def test_the_api_keeps_answering_json(world, login, client):
    missing = client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404 and missing.json() == {"detail": "页面不存在"}
    refused = client.get(reverse("search-list"))  # DRF's own answer: not signed in
    assert refused.status_code in (401, 403) and "detail" in refused.json()
