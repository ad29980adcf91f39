"""Writing audit events. Business events are written by the service that causes them,
inside the same transaction, so an event exists exactly when its change does."""

from typing import Any

from django.conf import settings
from django.db import models

from accounts.models import AuditEvent


def client_ip(request) -> str | None:
    """The client's address, for the audit log and for django-axes (AXES_CLIENT_IP_CALLABLE).

    X-Forwarded-For is only believed for the TRUSTED_PROXY_COUNT proxies we run ourselves: the
    address the outermost of them saw is the n-th hop from the right. Anything to its left was
    written by the client and can be forged, so it is never used.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return hops[-proxies] if len(hops) >= proxies else remote


def record(
    action: str,
    *,
    actor=None,
    request=None,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    username: str = "",
    organization=None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit event. `action` is namespaced: "auth.login", "account.create", "export.xlsx"…"""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=username or (actor.get_username() if actor else ""),
        ip=client_ip(request),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        organization=organization or (getattr(actor, "organization", None) if actor else None),
        before=before,
        after=after,
        detail=detail,
    )
