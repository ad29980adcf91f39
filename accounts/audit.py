"""Writing audit events. Business events are written by the service that causes them,
inside the same transaction, so an event exists exactly when its change does.

The audit administrator reads every event, and the three administrators see no business data
(三员分立). So what an event keeps is decided here, once, when it is recorded (`payload`):

- An event about a business object (its action in BUSINESS_NAMESPACES, or its target one of
  BUSINESS_MODELS) keeps the object's reference (target type and id) and the names of the fields
  it changed; each value is replaced by WITHHELD, except under REFERENCE_KEYS (ids, counts, file
  facts, workflow states). The values stay with the object and its own history (InventoryChange),
  read by those who see the object.
- Every other event (accounts, organisations, permissions, sign-ins, exports) keeps its values.
- In every event, phones and e-mail addresses are masked (138****8000, z***@example.edu.cn).

Every action has its Chinese name in accounts.audit_labels.ACTIONS: `record` refuses one without.
"""

from typing import Any

from django.conf import settings
from django.db import models

from accounts.audit_chain import append
from accounts.audit_labels import ACTIONS
from accounts.models import AuditEvent
from ground.privacy import mask_text


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


# Events of these namespaces ("conversion.update" → "conversion") are about business objects.
BUSINESS_NAMESPACES = frozenset({"inventory", "conversion", "open_licence"})
# Events about objects of these models are business events whatever their namespace.
BUSINESS_MODELS = frozenset({
    "inventory.patent", "inventory.inventoryrecord", "inventory.conversion", "inventory.openlicensedeclaration",
})
# The keys of a business event whose values are kept: references, counts, file facts, workflow states.
REFERENCE_KEYS = frozenset({
    # references
    "records", "record_ids", "conversions", "patents", "inventor", "job", "source",
    # counts
    "total", "new", "updated", "unchanged", "skipped", "rejected", "warnings", "unknown_columns", "count",
    "selected", "changed", "refused", "statuses_changed", "rows", "unmatched", "unmatched_rows",
    "non_institution_patentees", "ownerships_added", "ownerships_removed", "records_created", "rules",
    "provisional",
    # the file and the run
    "file", "size", "sha256", "status", "failure", "all_or_nothing", "background", "action_name",
    # workflow states and platform settings (the national milestones), not a party's data
    "review_state", "milestones",
})
WITHHELD = "〔业务数据〕"

def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_text(str(k)): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _references(value: Any) -> Any:
    """A business event's payload: each key kept, its value WITHHELD unless a reference key."""
    if not isinstance(value, dict):
        return value if value is None else WITHHELD
    return {key: item if key in REFERENCE_KEYS else WITHHELD for key, item in value.items()}


def is_business_event(action: str, target: models.Model | None) -> bool:
    if action.split(".", 1)[0] in BUSINESS_NAMESPACES:
        return True
    return target is not None and target._meta.label_lower in BUSINESS_MODELS


def payload(action: str, target: models.Model | None, before: Any, after: Any, detail: dict) -> tuple:
    """(before, after, detail) as the event keeps them (see the module's docstring)."""
    if is_business_event(action, target):
        before, after, detail = _references(before), _references(after), _references(detail)
    return _masked(before), _masked(after), _masked(detail)


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
    """Append one audit event at the head of the hash chain (accounts.audit_chain). `action` is
    namespaced ("auth.login", "account.create", "export.audit_log"…) and named in
    accounts.audit_labels.ACTIONS (a ValueError otherwise). The actor's id, username and name are
    kept on the event, so it still names them once the account is deleted."""
    if action not in ACTIONS:
        raise ValueError(f"the audit action {action!r} has no name in accounts.audit_labels.ACTIONS")
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    before, after, detail = payload(action, target, before, after, detail)
    return append(
        actor=actor,
        actor_username=username or (actor.get_username() if actor else ""),
        actor_name=(getattr(actor, "full_name", "") or "") if actor else "",
        ip=client_ip(request),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        organization=organization or (getattr(actor, "organization", None) if actor else None),
        before=before,
        after=after,
        detail=detail,
    )
