"""Enterprise self-registration and its approval by the provincial IP office.

An enterprise registers itself (organisation + its admin account, status "pending"); the
backend refuses to log its users in until the office of the province it is located in
approves it. Every rule lives here, so that the page, the API and commands apply the same ones.
"""

import re
import unicodedata
from collections.abc import Mapping

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.audit import record
from accounts.identifiers import normalize_credit_code
from accounts.models import Organization, Province, User
from accounts.roles import Role, role_of
from accounts.services import create_account_with_initial_password

ENTERPRISE_FLAGS = ("is_ip_advantage", "is_specialized", "is_high_tech", "is_state_owned", "is_central_soe")
REVIEW_NOTE_MAX_LENGTH = Organization._meta.get_field("review_note").max_length

_MOBILE = re.compile(r"^1\d{10}$")
# Area code (010 and 02x have three digits, every other one four), a 7 or 8 digit number and an
# optional extension: 010-12345678, 0755-1234567-801.
_LANDLINE = re.compile(r"^(0(?:[12]\d|[3-9]\d{2}))-?(\d{7,8})(?:-(\d{1,6}))?$")


def normalize_contact_phone(raw: object, *, label: str | None = None, mobile_only: bool = False) -> str:
    """A mainland mobile (11 digits starting with 1) or a landline with its area code.

    Returns the canonical form (`13800138000`, `010-12345678`, `0755-1234567-801`); raises
    ValidationError naming the field and the value otherwise.
    """
    label = label or _("联系电话")
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    compact = re.sub(r"[\s()()]", "", text)
    compact = re.sub(r"^\+?86-?(?=1\d{10}$)", "", compact)
    if _MOBILE.match(compact):
        return compact
    match = None if mobile_only else _LANDLINE.match(compact)
    if match:
        area, number, extension = match.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    if mobile_only:
        message = _("%(field)s“%(value)s”格式不正确:应为以 1 开头的 11 位手机号码")
    else:
        message = _("%(field)s“%(value)s”格式不正确:应为以 1 开头的 11 位手机号码,或带区号的固定电话(如 010-12345678)")
    raise ValidationError(message % {"field": label, "value": text}, code="phone")


def check_credit_code_available(raw: object) -> str:
    """Normalise and check a credit code (GB 32100-2015) and make sure no organisation holds it yet."""
    code = normalize_credit_code(raw)
    if Organization.objects.filter(credit_code=code).exists():
        raise ValidationError(
            _("统一社会信用代码“%(value)s”已在平台登记,不能重复注册;如有疑问请联系所在省份知识产权局")
            % {"value": code},
            code="credit_code_taken",
        )
    return code


def check_username_available(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("用户名“%(username)s”已被占用") % {"username": username}, code="username_taken")


@sensitive_variables("password")
def check_password_strength(password: str, *, username: str, email: str = "", full_name: str = "") -> None:
    """AUTH_PASSWORD_VALIDATORS, with each message saying it is about the password (never echoing it)."""
    try:
        password_validation.validate_password(
            password, User(username=username, email=email, full_name=full_name)
        )
    except ValidationError as error:
        raise ValidationError(
            [_("密码不符合要求:%(reason)s") % {"reason": message} for message in error.messages], code="password"
        ) from None


@sensitive_variables("password")
@transaction.atomic
def register_enterprise(
    *,
    name: str,
    credit_code: str,
    province: Province,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    username: str,
    password: str,
    flags: Mapping[str, bool] | None = None,
    request=None,
) -> tuple[Organization, User]:
    """Create a pending enterprise and its admin account, who chose their own password.

    Raises ValidationError (a dict keyed by field) when a rule is broken; nothing is written then.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写企业名称")})
    try:
        code = check_credit_code_available(credit_code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error.messages}) from None
    try:
        check_username_available(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None
    try:
        check_password_strength(password, username=username, email=contact_email, full_name=contact_name)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    phone = normalize_contact_phone(contact_phone)

    flag_values = {flag: bool((flags or {}).get(flag, False)) for flag in ENTERPRISE_FLAGS}
    # A central SOE (中央企业) is state-owned by definition.
    flag_values["is_state_owned"] = flag_values["is_state_owned"] or flag_values["is_central_soe"]
    organization = Organization(
        kind=Organization.Kind.ENTERPRISE,
        status=Organization.Status.PENDING,
        name=name,
        credit_code=code,
        province=province,
        contact_name=contact_name.strip(),
        contact_phone=phone,
        contact_email=contact_email.strip(),
        **flag_values,
    )
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError:
        # Another registration took the code between the check and the insert.
        raise ValidationError(
            {"credit_code": _("统一社会信用代码“%(value)s”已在平台登记,不能重复注册") % {"value": code}}
        ) from None
    try:
        user, _initial = create_account_with_initial_password(
            actor=None,
            organization=organization,
            username=username,
            full_name=contact_name.strip(),
            phone=phone if _MOBILE.match(phone) else "",
            email=contact_email.strip(),
            is_org_admin=True,
            request=request,
        )
    except ValueError as error:
        raise ValidationError({"username": str(error)}) from None
    # The applicant chose the password themselves: no forced change at first login.
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record(
        "enterprise.register",
        actor=user,
        request=request,
        target=organization,
        after={"name": name, "credit_code": code, "province": province.code, "status": organization.status,
               **flag_values},
        organization=organization,
    )
    return organization, user


def pending_enterprises(user):
    """The registrations waiting for `user`'s review (a provincial office's: its province's), the
    figure of its home card and of the review page's "待审核" filter."""
    return Organization.objects.editable_by(user).filter(status=Organization.Status.PENDING)


def can_review_enterprises(user) -> bool:
    return role_of(user) == Role.PROVINCE


def _locked_reviewable(actor: User, organization: Organization) -> Organization:
    """The enterprise, re-read under a row lock, if the actor's province may review it."""
    if not can_review_enterprises(actor):
        raise PermissionDenied(_("只有所在省份的知识产权局可以审核企业注册"))
    try:
        return Organization.objects.editable_by(actor).select_for_update().get(pk=organization.pk)
    except Organization.DoesNotExist:
        raise PermissionDenied(_("只有所在省份的知识产权局可以审核企业注册")) from None


@transaction.atomic
def approve_enterprise(*, actor: User, organization: Organization, request=None) -> bool:
    """Approve a pending (or previously rejected) enterprise. Returns False when it already was approved."""
    org = _locked_reviewable(actor, organization)
    if org.status == Organization.Status.ACTIVE:
        return False
    if org.status == Organization.Status.DISABLED:
        raise ValidationError(_("企业“%(name)s”已被停用,不能在此审核") % {"name": org.name}, code="disabled")
    before = {"status": org.status, "review_note": org.review_note}
    org.status = Organization.Status.ACTIVE
    org.review_note = ""
    org.reviewed_at = timezone.now()
    org.reviewed_by = actor
    org.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by"])
    record(
        "enterprise.approve", actor=actor, request=request, target=org, before=before,
        after={"status": org.status}, organization=org,
    )
    _refresh(organization, org)
    return True


@transaction.atomic
def reject_enterprise(*, actor: User, organization: Organization, reason: str, request=None) -> bool:
    """Reject a pending enterprise with a reason its users see at login. False when already rejected."""
    org = _locked_reviewable(actor, organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("驳回企业“%(name)s”须填写驳回理由") % {"name": org.name}, code="reason_required")
    if len(reason) > REVIEW_NOTE_MAX_LENGTH:
        raise ValidationError(
            _("驳回理由过长:最多 %(limit)d 个字符,实为 %(n)d 个") % {"limit": REVIEW_NOTE_MAX_LENGTH, "n": len(reason)},
            code="reason_too_long",
        )
    if org.status == Organization.Status.REJECTED:
        return False
    if org.status != Organization.Status.PENDING:
        raise ValidationError(
            _("企业“%(name)s”的状态是“%(status)s”,只有待审核的企业可以驳回")
            % {"name": org.name, "status": org.get_status_display()},
            code="not_pending",
        )
    before = {"status": org.status}
    org.status = Organization.Status.REJECTED
    org.review_note = reason
    org.reviewed_at = timezone.now()
    org.reviewed_by = actor
    org.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by"])
    record(
        "enterprise.reject", actor=actor, request=request, target=org, before=before,
        after={"status": org.status, "review_note": reason}, organization=org,
    )
    _refresh(organization, org)
    return True


def _refresh(stale: Organization, fresh: Organization) -> None:
    """Let the caller's instance reflect the saved review."""
    for field in ("status", "review_note", "reviewed_at", "reviewed_by_id"):
        setattr(stale, field, getattr(fresh, field))
