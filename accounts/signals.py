from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit import record
from accounts.middleware import mark_sign_in


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    record("auth.login", actor=user, request=request)
    mark_sign_in(request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record("auth.logout", actor=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    record("auth.login_failed", request=request, username=str(credentials.get("username", ""))[:150])
