"""The two-person rule (两人原则) that keeps 三员分立 from being defeated by one administrator.

A change to the account of a platform administrator — the operator, the system, security or audit
administrator (PLATFORM_ROLES) — is its password reset, deactivation or reactivation, permission change
or second-factor reset; such a change, and any grant of a platform role, is never done by one
person: `require_approval` files an ApprovalRequest instead, and the change is carried out when a
second administrator approves it.

Who approves (`may_decide`): an active system or security administrator who is neither the one who
asked nor the account concerned. With one system and one security administrator, each approves the
other's requests; a second holder of the same duty may approve too. The audit administrator approves
nothing (it changes nothing). The request, the approval or rejection and the change itself are each
audited. At installation, before there are two administrators, the command line does the same
changes (manage.py set_platform_role, reset_admin_password), audited as from the command line.

Other code asks for approval through `require_approval(actor, action, target, payload)`, and names
what an approval carries out for an action of its own with `register_executor(action, function)`
(accounts.administration registers the account changes: password reset, deactivation, reactivation,
permission change; the second-factor reset registers its own).
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import ApprovalRequest, User
from accounts.roles import Role, role_of

Action = ApprovalRequest.Action

# The accounts whose changes need a second administrator: every platform role.
PLATFORM_ROLES = frozenset(User.PlatformRole.values)
# The roles that may approve another administrator's request.
APPROVER_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})

# action → function(request_obj, approver, http_request) carrying the change out; its return value is
# handed back to the approver's page (a password reset's one-time password, shown once).
_EXECUTORS: dict[str, Callable[[ApprovalRequest, User, Any], Any]] = {}


def register_executor(action: str, executor: Callable[[ApprovalRequest, User, Any], Any]) -> None:
    """Name what an approved request of `action` carries out (the second-factor reset registers its own)."""
    if action not in Action.values:
        raise ValueError(f"{action!r} is no ApprovalRequest.Action")
    _EXECUTORS[action] = executor


def is_platform_administrator(user: User) -> bool:
    return bool(user.platform_role) and user.platform_role in PLATFORM_ROLES


def needs_approval(action: str, target: User, payload: dict | None = None) -> bool:
    """Whether the change needs a second administrator: the account is a platform administrator's, or
    the change grants a platform role."""
    if is_platform_administrator(target):
        return True
    granted = (payload or {}).get("platform_role")
    return action == Action.PERMISSION_CHANGE and bool(granted) and granted != target.platform_role


@transaction.atomic
def file_request(actor: User, action: str, target: User, payload: dict | None = None, request=None) -> ApprovalRequest:
    """File (and audit) a request for a second administrator's approval."""
    if action not in Action.values:
        raise ValueError(f"{action!r} is no ApprovalRequest.Action")
    filed = ApprovalRequest.objects.create(
        action=action, target=target, payload=payload or {}, requested_by=actor,
    )
    record(
        "approval.request", actor=actor, request=request, target=target, organization=target.organization,
        after=_described(filed), approval=filed.pk,
    )
    return filed


def require_approval(
    actor: User, action: str, target: User, payload: dict | None = None, request=None
) -> ApprovalRequest | None:
    """File a request and return it when the change needs a second administrator (the caller then does
    nothing more); None when the actor may go ahead alone."""
    if not needs_approval(action, target, payload):
        return None
    return file_request(actor, action, target, payload, request)


def _described(filed: ApprovalRequest) -> dict:
    return {"action": filed.action, "username": filed.target.username, **filed.payload}


def may_decide(user: User, filed: ApprovalRequest) -> bool:
    """Whether `user` may approve or reject `filed` (see the module's docstring)."""
    return (
        role_of(user) in APPROVER_ROLES
        and user.pk not in (filed.requested_by_id, filed.target_id)
        and filed.status == ApprovalRequest.Status.PENDING
    )


def _decide(user: User, pk: int) -> ApprovalRequest:
    filed = ApprovalRequest.objects.select_for_update().select_related("target", "requested_by").filter(pk=pk).first()
    if filed is None or role_of(user) not in APPROVER_ROLES:
        raise PermissionDenied
    if filed.status != ApprovalRequest.Status.PENDING:
        raise ValueError(_("该申请已处理。"))
    if user.pk == filed.requested_by_id:
        raise ValueError(_("不能审批本人提交的申请。"))
    if user.pk == filed.target_id:
        raise ValueError(_("不能审批针对本人账号的申请。"))
    return filed


@transaction.atomic
def approve(*, actor: User, pk: int, request=None) -> tuple[ApprovalRequest, Any]:
    """Approve a pending request and carry it out, as one transaction; returns it and what the change
    returned (a password reset's one-time password). A change its rules now refuse (the last holder of
    a role, for instance) raises ValueError and nothing is approved."""
    filed = _decide(actor, pk)
    executor = _EXECUTORS.get(filed.action)
    if executor is None:
        raise ValueError(_("该类申请暂不能在此执行。"))
    filed.status = ApprovalRequest.Status.APPROVED
    filed.decided_by, filed.decided_at = actor, timezone.now()
    filed.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        "approval.approve", actor=actor, request=request, target=filed.target,
        organization=filed.target.organization, after=_described(filed), approval=filed.pk,
        requested_by=filed.requested_by.username,
    )
    result = executor(filed, actor, request)
    return filed, result


@transaction.atomic
def reject(*, actor: User, pk: int, note: str = "", request=None) -> ApprovalRequest:
    """Reject a pending request: nothing changes but the request (audited)."""
    filed = _decide(actor, pk)
    filed.status = ApprovalRequest.Status.REJECTED
    filed.decided_by, filed.decided_at, filed.note = actor, timezone.now(), note[:500]
    filed.save(update_fields=["status", "decided_by", "decided_at", "note"])
    record(
        "approval.reject", actor=actor, request=request, target=filed.target,
        organization=filed.target.organization, after=_described(filed), approval=filed.pk,
        requested_by=filed.requested_by.username, reason=filed.note,
    )
    return filed


def pending(user: User) -> list[tuple[ApprovalRequest, bool]]:
    """The pending requests the user sees, oldest first, each with whether the user may decide it."""
    rows = (
        ApprovalRequest.objects.visible_to(user).filter(status=ApprovalRequest.Status.PENDING)
        .select_related("target", "requested_by").order_by("created_at", "pk")
    )
    return [(filed, may_decide(user, filed)) for filed in rows]


def decided(user: User, limit: int = 20) -> list[ApprovalRequest]:
    """The latest decided requests the user sees, newest first."""
    return list(
        ApprovalRequest.objects.visible_to(user).exclude(status=ApprovalRequest.Status.PENDING)
        .select_related("target", "requested_by", "decided_by").order_by("-decided_at", "-pk")[:limit]
    )
