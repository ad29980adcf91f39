"""三员分立: the platform's administration, split between three administrators.

- The system administrator (系统管理员) manages accounts: creates platform operators, deactivates and
  reactivates accounts, resets passwords. It changes no permission and reads no audit log.
- The security administrator (安全管理员) manages permissions and login protection: unlocks locked-out
  accounts and changes an account's organisation-admin flag or platform role, never its own.
- The audit administrator (审计管理员) reads and exports the audit log, and changes nothing.

Every rule checks the actor's role itself (views check it too), so a command, task or API that calls
these functions cannot do one administrator's work as another. Every change is audited with its
before and after, in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import lockout, two_person
from accounts.audit import record
from accounts.lockout import AddressLockout
from accounts.models import ApprovalRequest, AuditEvent, Organization, User
from accounts.roles import THREE_ADMINS, Role, role_of
from accounts.services import create_account_with_initial_password, platform_organization, reset_password, set_active


def require_role(user, role: str) -> None:
    """Refuse (403) anyone but a holder of `role`."""
    if role_of(user) != role:
        raise PermissionDenied


def _require_editable(actor: User, user: User) -> None:
    # editable_by excludes the actor's own account for both account-managing administrators.
    if not User.objects.editable_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied


def search_accounts(actor: User, query: str = "") -> QuerySet:
    """Accounts the system or security administrator looks through, by username, name or organisation."""
    users = User.objects.visible_to(actor).select_related("organization")
    query = query.strip()
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(full_name__icontains=query) | Q(organization__name__icontains=query)
        )
    return users.order_by("username", "pk")


# 系统管理员 ------------------------------------------------------------------------------------


@transaction.atomic
def create_operator_account(
    *, actor: User, username: str, full_name: str = "", phone: str = "", email: str = "", request=None
) -> tuple[User, str]:
    """A platform account with a one-time password (returned once, never stored in clear), and the
    request that a second administrator grant it the operator's role (accounts.two_person): until
    then the account has no role and sees nothing.

    The system administrator creates operators only: the three administrator roles are granted by
    the security administrator, with a second administrator's approval too.
    """
    require_role(actor, Role.SYSTEM_ADMIN)
    platform = platform_organization()
    user, password = create_account_with_initial_password(
        actor=actor, organization=platform, username=username, full_name=full_name, phone=phone, email=email,
        request=request,
    )
    two_person.file_request(
        actor, ApprovalRequest.Action.PERMISSION_CHANGE, user,
        {"is_org_admin": False, "platform_role": User.PlatformRole.OPERATOR.value}, request,
    )
    return user, password


def _keep_one_holder(user: User) -> None:
    """Refuse to take away the last active holder of one of the three administrator roles: the
    platform would lose that duty (and, for the audit administrator, its oversight)."""
    role = user.platform_role
    if role not in THREE_ADMINS or not user.is_active:
        return
    if not User.objects.filter(platform_role=role, is_active=True).exclude(pk=user.pk).exists():
        raise ValueError(_("不能撤销最后一名%(role)s的职责。") % {"role": User.PlatformRole(role).label})


@transaction.atomic
def set_account_active(*, actor: User, user: User, active: bool, request=None) -> ApprovalRequest | None:
    """Deactivate or reactivate any account but the administrator's own (or the last holder of an
    administrator role). A platform administrator's account waits for a second administrator: the
    request is returned, and nothing changes yet."""
    require_role(actor, Role.SYSTEM_ADMIN)
    _require_editable(actor, user)
    if not active:
        _keep_one_holder(user)
    action = ApprovalRequest.Action.ACTIVATE if active else ApprovalRequest.Action.DEACTIVATE
    if filed := two_person.require_approval(actor, action, user, {}, request):
        return filed
    apply_active(actor=actor, user=user, active=active, request=request)
    return None


@transaction.atomic
def apply_active(*, actor: User, user: User, active: bool, request=None) -> None:
    """Carry out a deactivation or reactivation already allowed (directly, or by approval)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not active:
        _keep_one_holder(user)
    set_active(actor=actor, user=user, active=active, request=request)


@transaction.atomic
def reset_account_password(*, actor: User, user: User, request=None) -> str | ApprovalRequest:
    """A new one-time password for any account but the administrator's own; returned once. For a
    platform administrator's account the request for a second administrator is returned instead (the
    approver receives the password)."""
    require_role(actor, Role.SYSTEM_ADMIN)
    _require_editable(actor, user)
    if filed := two_person.require_approval(actor, ApprovalRequest.Action.PASSWORD_RESET, user, {}, request):
        return filed
    return reset_password(actor=actor, user=user, request=request)


# 安全管理员 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    username: str
    addresses: list[str]
    failures: int
    last_attempt: datetime
    account: User | None


def lockouts(actor: User) -> list[Lockout]:
    """Usernames locked out now (AXES_FAILURE_LIMIT failures within the cool-off, from any address, with
    the addresses they came from), most recent first."""
    require_role(actor, Role.SECURITY_ADMIN)
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    rows = list(
        attempts.exclude(username__isnull=True).values("username")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt")
    )
    names = {row["username"] for row in rows if row["username"]}
    addresses: dict[str, set[str]] = {}
    for username, ip in attempts.filter(username__in=names).values_list("username", "ip_address"):
        addresses.setdefault(username, set()).add(ip or "-")
    accounts = {u.username: u for u in User.objects.visible_to(actor).filter(username__in=names)}
    return [
        Lockout(
            username=row["username"] or "", addresses=sorted(addresses.get(row["username"], ())),
            failures=row["failures"], last_attempt=row["last_attempt"], account=accounts.get(row["username"]),
        )
        for row in rows
    ]


def address_lockouts(actor: User) -> list[AddressLockout]:
    """Addresses slowed or blocked now for failing over many accounts (accounts.lockout)."""
    require_role(actor, Role.SECURITY_ADMIN)
    return lockout.address_lockouts()


@transaction.atomic
def unlock_address(*, actor: User, ip_address: str, request=None) -> int:
    """Clear the failed attempts recorded from an address (for every username); returns how many."""
    require_role(actor, Role.SECURITY_ADMIN)
    attempts = AccessAttempt.objects.select_for_update().filter(ip_address=ip_address)
    before = sorted(
        ({"username": a.username or "", "failures": a.failures_since_start} for a in attempts),
        key=lambda item: (item["username"], item["failures"]),
    )
    if not before:
        raise ValueError(_("地址 %(ip)s 当前没有登录失败记录,无需解锁。") % {"ip": ip_address})
    count = axes_reset(ip=ip_address)
    record(
        "security.unlock_address", actor=actor, request=request,
        before={"ip_address": ip_address, "attempts": before}, after={"ip_address": ip_address, "attempts": []},
    )
    return count


@transaction.atomic
def unlock(*, actor: User, username: str, request=None) -> int:
    """Clear the failed attempts recorded for a username (from every address); returns how many."""
    require_role(actor, Role.SECURITY_ADMIN)
    attempts = AccessAttempt.objects.select_for_update().filter(username=username)
    before = sorted(
        ({"ip_address": a.ip_address, "failures": a.failures_since_start} for a in attempts),
        key=lambda item: (item["ip_address"] or "", item["failures"]),
    )
    if not before:
        raise ValueError(_("账号“%(username)s”当前没有登录失败记录,无需解锁。") % {"username": username})
    count = axes_reset(username=username)
    account = User.objects.visible_to(actor).filter(username=username).first()
    record(
        "security.unlock", actor=actor, request=request, target=account,
        organization=account.organization if account else None,
        before={"username": username, "attempts": before}, after={"username": username, "attempts": []},
    )
    return count


def _permissions(user: User) -> dict:
    return {"is_org_admin": user.is_org_admin, "platform_role": user.platform_role}


@transaction.atomic
def change_permissions(
    *, actor: User, user: User, is_org_admin: bool, platform_role: str, request=None
) -> bool | ApprovalRequest:
    """Set an account's organisation-admin flag and (platform accounts only) its platform role.

    Never the security administrator's own account, so it never grants itself anything. Refuses to
    leave the platform without an active holder of one of the three administrator roles. A change to
    a platform administrator's account, or a grant of a platform role, waits for a second
    administrator (accounts.two_person): the request is returned. Otherwise returns whether anything
    changed (an unchanged form writes no event).
    """
    require_role(actor, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise PermissionDenied
    _require_editable(actor, user)
    user = User.objects.select_related("organization").get(pk=user.pk)
    _check_permissions(user, is_org_admin, platform_role)
    if _permissions(user) == {"is_org_admin": is_org_admin, "platform_role": platform_role}:
        return False
    payload = {"is_org_admin": is_org_admin, "platform_role": platform_role}
    if filed := two_person.require_approval(actor, ApprovalRequest.Action.PERMISSION_CHANGE, user, payload, request):
        return filed
    return apply_permissions(actor=actor, user=user, is_org_admin=is_org_admin, platform_role=platform_role,
                             request=request)


def _check_permissions(user: User, is_org_admin: bool, platform_role: str) -> None:
    org = user.organization
    is_platform = org is not None and org.kind == Organization.Kind.PLATFORM
    if platform_role not in {"", *User.PlatformRole.values}:
        raise ValueError(_("平台职责“%(role)s”无效。") % {"role": platform_role})
    if platform_role and not is_platform:
        raise ValueError(_("只有平台账号可以担任平台职责。"))
    if is_org_admin and not user.is_org_admin and (org is None or is_platform):
        raise ValueError(_("只有部委、省局、高校和科研机构、企业的账号可以设为机构管理员。"))
    if platform_role != user.platform_role:
        _keep_one_holder(user)


@transaction.atomic
def apply_permissions(
    *, actor: User | None, user: User, is_org_admin: bool, platform_role: str, request=None, **detail
) -> bool:
    """Carry out a permission change already allowed (directly, by approval, or from the command line:
    actor None, via="command_line" in `detail`), checking its rules again; returns whether anything
    changed."""
    user = User.objects.select_for_update(of=("self",)).select_related("organization").get(pk=user.pk)
    _check_permissions(user, is_org_admin, platform_role)
    before = _permissions(user)
    if before == {"is_org_admin": is_org_admin, "platform_role": platform_role}:
        return False
    user.is_org_admin = is_org_admin
    user.platform_role = platform_role
    user.save(update_fields=["is_org_admin", "platform_role"])
    record(
        "permission.change", actor=actor, request=request, target=user, organization=user.organization,
        before=before, after=_permissions(user), **detail,
    )
    return True


def security_policy(actor: User) -> list[tuple[str, str]]:
    """The password, lockout and session rules in force, as (label, value) rows."""
    require_role(actor, Role.SECURITY_ADMIN)
    cool_off = get_cool_off()
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    lock_time = (
        _("%(minutes)d 分钟") % {"minutes": cool_off.total_seconds() // 60} if cool_off else _("直至安全管理员解锁")
    )
    names = {"username": _("用户名"), "ip_address": _("IP 地址"), "user_agent": _("浏览器标识")}
    parameters = _("或").join(
        _("与").join(names.get(q, q) for q in ([p] if isinstance(p, str) else p))
        for p in settings.AXES_LOCKOUT_PARAMETERS
    )
    return [
        (_("密码规则"), " ".join(password_validators_help_texts())),
        (_("密码有效期"), _("%(days)d 天,到期须修改") % {"days": max_age} if max_age else _("不限")),
        (_("首次登录"), _("使用初始密码登录后须先修改密码")),
        (_("密码存储"), hasher),
        (_("历史密码"), _("不能与最近 %(n)d 次使用过的密码相同") % {"n": settings.PASSWORD_HISTORY_COUNT}),
        (_("登录失败锁定"), _("连续失败 %(n)d 次锁定") % {"n": settings.AXES_FAILURE_LIMIT}),
        (_("来源地址限制"), _("同一地址登录失败 %(slow)d 次后放慢(每次失败后须等待的时间加倍),%(block)d 次后封禁该地址")
         % {"slow": settings.LOGIN_ADDRESS_SLOW_AFTER, "block": settings.LOGIN_ADDRESS_FAILURE_LIMIT}),
        (_("图片验证码"), _("同一账号或地址登录失败 %(n)d 次后须输入图片验证码") % {"n": settings.LOGIN_CAPTCHA_AFTER}),
        (_("锁定时长"), lock_time),
        (_("锁定依据"), parameters),
        (
            _("会话超时"),
            _("空闲 %(minutes)d 分钟后自动退出") % {"minutes": settings.SESSION_COOKIE_AGE // 60},
        ),
        (
            _("会话最长时间"),
            _("登录 %(hours)d 小时后自动退出") % {"hours": settings.SESSION_ABSOLUTE_HOURS}
            if settings.SESSION_ABSOLUTE_HOURS else _("不限"),
        ),
    ]


# 审计管理员 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the audit administrator narrows the log to, every part optional: a person (part of a
    username or a name), an organisation (part of its name), an action ("auth.login") or a whole
    category ("auth.*"), the days from and to, one object ("accounts.user:5")."""

    person: str = ""
    organization: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    object: str = ""


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(actor: User, filters: AuditFilter) -> QuerySet:
    """The audit log as the actor may read it (the audit administrator: all of it), newest first,
    with each event's actor and organisation."""
    require_role(actor, Role.AUDIT_ADMIN)
    events = AuditEvent.objects.visible_to(actor).select_related("organization", "actor")
    if filters.action.endswith(".*"):
        events = events.filter(action__startswith=filters.action[:-1])
    elif filters.action:
        events = events.filter(action=filters.action)
    if person := filters.person.strip():
        events = events.filter(Q(actor_username__icontains=person) | Q(actor__full_name__icontains=person))
    if organization := filters.organization.strip():
        events = events.filter(organization__name__icontains=organization)
    if filters.object:
        target_type, _sep, target_id = filters.object.partition(":")
        events = events.filter(target_type=target_type, target_id=target_id)
    if filters.date_from:
        events = events.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return events.order_by("-at", "-id")


def page_after(events: QuerySet, cursor: int | None, size: int) -> tuple[list[AuditEvent], int | None]:
    """Keyset page: the `size` events after the one with id `cursor` (in newest-first order), and the
    cursor of the next page (None on the last)."""
    if cursor is not None:
        anchor = events.filter(pk=cursor).values_list("at", flat=True).first()
        if anchor is None:
            return [], None
        events = events.filter(Q(at__lt=anchor) | Q(at=anchor, pk__lt=cursor))
    rows = list(events[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


# What an approved request carries out (accounts.two_person): the requester's change, audited as theirs. --


def _approved_password_reset(filed: ApprovalRequest, approver: User, request) -> str:
    return reset_password(actor=filed.requested_by, user=filed.target, request=request)


def _approved_set_active(filed: ApprovalRequest, approver: User, request) -> None:
    apply_active(actor=filed.requested_by, user=filed.target, active=filed.action == ApprovalRequest.Action.ACTIVATE,
                 request=request)


def _approved_permission_change(filed: ApprovalRequest, approver: User, request) -> bool:
    return apply_permissions(
        actor=filed.requested_by, user=filed.target, request=request,
        is_org_admin=bool(filed.payload.get("is_org_admin")), platform_role=filed.payload.get("platform_role", ""),
    )


two_person.register_executor(ApprovalRequest.Action.PASSWORD_RESET, _approved_password_reset)
two_person.register_executor(ApprovalRequest.Action.DEACTIVATE, _approved_set_active)
two_person.register_executor(ApprovalRequest.Action.ACTIVATE, _approved_set_active)
two_person.register_executor(ApprovalRequest.Action.PERMISSION_CHANGE, _approved_permission_change)
