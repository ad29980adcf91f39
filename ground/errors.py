"""The error pages: 400, 403, 404, 500 and the CSRF failure, in Chinese, for people and for the API.

A page answers in the site's layout (templates/errors/, extending base.html) with what happened and
where to go: home, sign-in (or another account) and back to the page the visitor came from, when it
was on this site. A request under /api/ answers JSON (`{"detail": ...}`, as DRF's own errors do).
The 500 page is templates/500.html, which extends nothing and reads no context: it renders when
the database, the session or the layout itself is what failed.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"

# What a page says when an error has no message of its own, by status.
_HEADINGS = {
    400: ("errors/400.html", lambda: _("请求无法处理")),
    403: ("errors/403.html", lambda: _("无权访问此页面")),
    404: ("errors/404.html", lambda: _("页面不存在")),
}

# The last resort of server_error: a 500 page that needs no template at all.
_BARE_500 = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>服务器错误</title></head>'
    '<body><h1>服务器内部错误</h1><p>平台暂时无法完成您的请求,请稍后重试。</p><p><a href="/">返回首页</a></p>'
    "</body></html>"
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _back_url(request: HttpRequest) -> str | None:
    """The page the visitor came from, if it is on this site and is not this page."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or referer.endswith(request.get_full_path()):
        return None
    try:
        safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure())
    except DisallowedHost:  # the 400 of a host outside ALLOWED_HOSTS itself
        return None
    return referer if safe else None


def _page(request: HttpRequest, status: int, message: str = "", *, template: str | None = None,
          heading: str = "") -> HttpResponse:
    default_template, default_heading = _HEADINGS.get(status, _HEADINGS[400])
    if _is_api(request):
        return JsonResponse({"detail": message or default_heading()}, status=status)
    context = {
        "status": status,
        "heading": heading or default_heading(),
        "message": message,
        "back_url": _back_url(request),
        "login_url": resolve_url(settings.LOGIN_URL),
        "path": request.get_full_path(),
    }
    body = loader.get_template(template or default_template).render(context, request)
    return HttpResponse(body, status=status)


def _message(exception: Exception | None) -> str:
    """The reason a view gave for refusing (PermissionDenied(_("只有机构管理员……"))), if any."""
    return str(exception or "").strip()


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


def refused_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 that says why, for a request refused before any view (a page, or JSON under /api/)."""
    return _page(request, 400, message)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, _message(exception))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django's own 404 messages (the resolver's patterns, "No Patent matches the given query.")
    # are written for developers: the page says it in its own words.
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """templates/500.html without a request context; if even that fails, a page written here."""
    if _is_api(request):
        return JsonResponse({"detail": _("服务器内部错误,请稍后重试")}, status=500)
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        body = _BARE_500
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from an expired or foreign page."""
    return _page(request, 403, template="errors/csrf.html", heading=_("页面已过期,提交未完成"))
