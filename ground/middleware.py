from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from ground.errors import API_PREFIX, refused_request


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose English with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
    browser (common on office PCs and in headless tools) would get English pages on a Chinese
    government platform. Only the explicit choice, kept in the language cookie, switches.
    """

    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseNulCharactersMiddleware:
    """A request whose path or query string holds a NUL character is refused (400) before any view:
    no text column can hold one (PostgreSQL refuses it in any string), so it is never a valid value,
    and a view passing it on to a query would fail with a server error."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or any("\x00" in value for value in values)
                                         for key, values in request.GET.lists()):
            return refused_request(request, _("请求的地址或参数不能包含空字符(NUL)"))
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """The response headers of GB/T 22239-2019 level 3 that Django does not set by itself.

    On every response: `Content-Security-Policy` from settings.SECURE_CSP (a directive → sources
    mapping) and `Permissions-Policy` from settings.PERMISSIONS_POLICY (a feature → allow-list
    mapping; an empty list denies the feature). A response that already carries either header (a
    view that needs another policy) keeps its own.

    `Cache-Control: no-store` (with Django's other never-cache headers) on every response under
    API_PREFIX and on every response to a signed-in user: a browser or proxy keeps no copy of the
    API's answers or of any page of a signed-in user, so pages with personal data are covered
    without listing them. Static files are answered by WhiteNoise before authentication and keep
    their long cache lifetime.

    It comes first in settings.MIDDLEWARE so that it sees the responses of every other middleware
    (the HTTPS redirect, the static files, the login redirect).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.csp = content_security_policy()
        self.permissions = permissions_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.csp
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        if _is_private(request):
            add_never_cache_headers(response)
        return response


def content_security_policy() -> str:
    """settings.SECURE_CSP as the header's value."""
    return "; ".join(f"{directive} {' '.join(sources)}".strip() for directive, sources in settings.SECURE_CSP.items())


def permissions_policy() -> str:
    """settings.PERMISSIONS_POLICY as the header's value: `camera=(), clipboard-write=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items())


def _is_private(request) -> bool:
    if request.path.startswith(API_PREFIX):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
