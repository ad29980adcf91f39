from datetime import timedelta

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone


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
