from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.audit import record
from accounts.middleware import mark_sign_in
from accounts.models import User
from accounts.tokens import revoke_all


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


@receiver(post_save, sender=User)
def revoke_tokens_of_changed_accounts(sender, instance: User, created: bool, update_fields=None, **kwargs) -> None:
    """A new password or a deactivated account ends every API token of the user
    (`User.set_password` marks the instance; the save that follows stores the new password)."""
    replaced, instance._password_replaced = getattr(instance, "_password_replaced", False), False
    if created:
        return
    if replaced:
        revoke_all(instance, reason="password_change")
    elif not instance.is_active and (update_fields is None or "is_active" in update_fields):
        revoke_all(instance, reason="deactivation")
