"""Organisation admins managing the accounts of their own organisation.

An admin of a ministry, provincial office, institution or enterprise adds members (who get a
one-time password they must change at first login), deactivates and reactivates them, and
resets their passwords. Who an admin may touch is `User.objects.editable_by(admin)`: the
other users of the same organisation.
"""

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.registration import check_username_available, normalize_contact_phone
from accounts.roles import Role, role_of
from accounts.services import create_account_with_initial_password, reset_password, set_active

MEMBER_ADMIN_ROLES = frozenset({Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE})
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length
# As Django's UnicodeUsernameValidator: letters (汉字 included), digits and @ . + - _
_USERNAME = re.compile(r"^[\w.@+-]+\Z")


def can_manage_members(user) -> bool:
    return bool(getattr(user, "is_org_admin", False)) and role_of(user) in MEMBER_ADMIN_ROLES


def manageable_members(actor: User):
    """The users an admin may change: the other users of their own organisation."""
    return User.objects.editable_by(actor)


def member_list(actor: User):
    """The admin's organisation as they see it on the members page: the editable members and themselves."""
    members = manageable_members(actor) | User.objects.filter(pk=actor.pk)
    return members.select_related("organization", "department").order_by("-is_org_admin", "username")


def normalize_username(raw: object) -> str:
    username = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not username:
        raise ValidationError(_("请填写用户名"), code="required")
    if len(username) > USERNAME_MAX_LENGTH:
        raise ValidationError(
            _("用户名“%(value)s”过长:最多 %(limit)d 个字符") % {"value": username, "limit": USERNAME_MAX_LENGTH},
            code="max_length",
        )
    if not _USERNAME.match(username):
        raise ValidationError(
            _("用户名“%(value)s”只能包含字母、汉字、数字和 @ . + - _ 字符") % {"value": username}, code="invalid"
        )
    return username


def _require_admin(actor: User) -> None:
    if not can_manage_members(actor):
        raise PermissionDenied(_("只有机构管理员可以管理本机构的成员"))


def _require_member(actor: User, member: User) -> User:
    _require_admin(actor)
    try:
        return manageable_members(actor).select_for_update().get(pk=member.pk)
    except User.DoesNotExist:
        raise PermissionDenied(_("只能管理本机构的其他成员")) from None


def _placement(actor: User, department, is_org_admin: bool, is_inventor: bool) -> tuple:
    """Where a new account goes: an institution-level admin places it in any of the institution's
    departments, as an admin (a department admin) or not, or makes an inventor account; a
    department admin adds members and inventors to their own department only."""
    if role_of(actor) != Role.INSTITUTION:
        return None, False, False
    if actor.department_id:
        return actor.department, False, is_inventor
    if department is not None and department.organization_id != actor.organization_id:
        raise PermissionDenied(_("只能选择本单位的二级单位"))
    if is_org_admin and not is_inventor and department is None:
        # Institution-level admin accounts are allocated by the platform; here only department admins.
        raise ValidationError({"department": [_("添加管理员时须选择其管理的二级单位")]})
    return department, is_org_admin and not is_inventor, is_inventor


@transaction.atomic
def add_member(
    *, actor: User, username: str, full_name: str, phone: str = "", email: str = "", request=None,
    department=None, is_org_admin: bool = False, is_inventor: bool = False,
) -> tuple[User, str]:
    """Create a member of the admin's organisation; returns the user and the one-time password to show once.
    In an institution the account may go into a department, be a department admin or an inventor
    account (see `_placement`).

    Raises ValidationError keyed by field when a value is refused; nothing is written then.
    """
    _require_admin(actor)
    department, is_org_admin, is_inventor = _placement(actor, department, is_org_admin, is_inventor)
    errors: dict[str, list[str]] = {}
    try:
        username = normalize_username(username)
        check_username_available(username)
    except ValidationError as error:
        errors["username"] = error.messages
    full_name = unicodedata.normalize("NFKC", str(full_name or "")).strip()
    if not full_name:
        errors["full_name"] = [_("请填写姓名")]
    if phone:
        try:
            phone = normalize_contact_phone(phone, label=_("手机"), mobile_only=True)
        except ValidationError as error:
            errors["phone"] = error.messages
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("邮箱“%(value)s”格式不正确") % {"value": email}]
    if errors:
        raise ValidationError(errors)
    try:
        member, password = create_account_with_initial_password(
            actor=actor,
            organization=actor.organization,
            username=username,
            full_name=full_name,
            phone=phone,
            email=email,
            is_org_admin=is_org_admin,
            request=request,
        )
    except ValueError as error:
        raise ValidationError({"username": [str(error)]}) from None
    if department is not None or is_inventor:
        member.department, member.is_inventor = department, is_inventor
        member.save(update_fields=["department", "is_inventor"])
    return member, password


def deactivate_member(*, actor: User, member: User, request=None) -> bool:
    """Deactivate a member (they cannot log in, their sessions end). False when already inactive."""
    return _set_member_active(actor, member, active=False, request=request)


def reactivate_member(*, actor: User, member: User, request=None) -> bool:
    """Let a deactivated member log in again. False when already active."""
    return _set_member_active(actor, member, active=True, request=request)


@transaction.atomic
def _set_member_active(actor: User, member: User, *, active: bool, request=None) -> bool:
    member = _require_member(actor, member)
    if member.is_active == active:
        return False
    set_active(actor=actor, user=member, active=active, request=request)
    return True


@transaction.atomic
def reset_member_password(*, actor: User, member: User, request=None) -> str:
    """A new one-time password, to be changed at next login; returned once for the admin to hand over."""
    member = _require_member(actor, member)
    return reset_password(actor=actor, user=member, request=request)
