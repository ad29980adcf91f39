from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import two_factor
from accounts.audit import record
from ground import reads


def password_change_due(user) -> bool:
    """First login with an initial password, or the password is older than the allowed age."""
    if user.must_change_password:
        return True
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if max_age and user.password_changed_at:
        return timezone.now() - user.password_changed_at > timedelta(days=max_age)
    return False


class PasswordChangeRequiredMiddleware:
    """Sends a signed-in user whose password must change to the change page, and nowhere else."""

    EXEMPT_PREFIXES = ("/static/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and password_change_due(user):
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed and not request.path.startswith(self.EXEMPT_PREFIXES):
                return redirect("accounts:password_change")
        return self.get_response(request)


class AuditedAccessMiddleware:
    """Writes what a request's response reveals about access to the audit log, once per request:
    a refused access (any 403: PermissionDenied in a view, a DRF permission denial, a CSRF
    failure) with its path and method, never its body; the personal data it showed unmasked and
    the bulk API reads it served, as noted by the views (ground.reads), by kind and count."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        where = {"path": request.path, "method": request.method}
        if response.status_code == 403:
            record("access.denied", request=request, status=403, **where)
        if personal := reads.personal_reads(request):
            record("access.personal_data", request=request, objects=personal, **where)
        if bulk := reads.bulk_reads(request):
            record("access.bulk_read", request=request, objects=bulk, count=sum(bulk.values()), **where)
        return response


class SecondFactorMiddleware:
    """After the password, a signed-in session that owes a second factor reaches only the code
    step (an enrolled user) or the enrolment page (a user who must enrol), the password change and
    the logout. The API answers through its own permission (accounts.api.permissions)."""

    EXEMPT_PREFIXES = ("/static/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(self.EXEMPT_PREFIXES)
                and not password_change_due(user) and two_factor.is_due(request)):
            target = "accounts:two_factor_verify" if user.two_factor_enabled else "accounts:two_factor"
            allowed = {reverse(target), reverse("accounts:logout"), reverse("accounts:password_change"),
                       reverse("accounts:two_factor_sms")}
            if request.path not in allowed:
                url = reverse(target)
                if request.method == "GET" and request.path != "/":
                    url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(url)
        return self.get_response(request)


SIGNED_IN_AT = "pn_signed_in_at"


def mark_sign_in(request) -> None:
    """Remember in the session when it was signed in (the start of its absolute lifetime)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().timestamp()


class AbsoluteSessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_HOURS after its sign-in, however active it has been (the idle
    timeout, SESSION_COOKIE_AGE, ends it sooner when unused). A session without the sign-in time
    (signed in before this rule) counts from its first request seen here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        hours = settings.SESSION_ABSOLUTE_HOURS
        if hours and user is not None and user.is_authenticated:
            signed_in = request.session.get(SIGNED_IN_AT)
            if signed_in is None:
                mark_sign_in(request)
            elif timezone.now().timestamp() - signed_in > hours * 3600:
                logout(request)
                messages.info(request, _("登录已满 %(hours)d 小时,为保障账号安全已自动退出,请重新登录。")
                              % {"hours": hours})
        return self.get_response(request)
