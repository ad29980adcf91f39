"""API throttling per token and per user (settings.API_THROTTLE_RATES), counted in the default
cache (Redis in production): past the rate DRF answers 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import APIToken


class _SettingsRate(SimpleRateThrottle):
    """The rate is read from the settings at each request, so a deployment or a test changes it."""

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(_SettingsRate):
    """Requests made with one API token."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, APIToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_SettingsRate):
    """Requests of one signed-in user, whatever the token or session."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
