"""Inventor self-assessment (发明人自评).

Staff invite an inventor, by an existing inventor account of the institution or by e-mail (which
creates the account, with no usable password, and mails a one-time link to set one), to assess
named patents: the invitation grants the django-guardian permission `inventory.self_assess_patent`
on exactly those patents, which is all an inventor sees (`Patent._visible_to_inventor`). The
inventor fills the §3 fields through `assessment.update_assessment`, saves drafts and submits
(`review.submit`); staff accept (`review.approve`), amend then accept, or return with a reason
(`review.return_`). Closing the invitation revokes the grants.
"""

import unicodedata
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import record as audit
from accounts.models import User
from accounts.roles import Role, role_of
from inventory.models import InventoryChange, InventoryRecord, Patent, SelfAssessmentInvitation
from inventory.patents import InvalidPatentNumber, normalize_application_number
from inventory.records import review
from inventory.records.assessment import AssessmentError, incomplete_errors, update_assessment

PERMISSION = "inventory.self_assess_patent"


class InvitationError(Exception):
    """Refused; `errors` maps a form field (or "") to a Chinese message naming the value."""
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def can_invite(user) -> bool:
    return role_of(user) == Role.INSTITUTION


def invitable_records(actor):
    """The records a staff member may put in an invitation: those they may edit."""
    return InventoryRecord.objects.editable_by(actor)


def records_from_numbers(actor, text: str) -> list[int]:
    """The editable records named by application numbers, one a line; errors name the line and value."""
    numbers: dict[str, int] = {}
    errors = []
    for line_number, raw in enumerate(str(text or "").splitlines(), start=1):
        value = raw.strip()
        if not value:
            continue
        try:
            numbers[normalize_application_number(value)] = line_number
        except InvalidPatentNumber as error:
            errors.append(_("第 %(line)d 行:%(reason)s") % {"line": line_number, "reason": error})
    found = dict(invitable_records(actor).filter(patent__application_number__in=list(numbers))
                 .values_list("patent__application_number", "pk"))
    for number, line_number in numbers.items():
        if number not in found:
            errors.append(_("第 %(line)d 行:申请号“%(value)s”不是您可以编辑的本单位专利")
                          % {"line": line_number, "value": number})
    if errors:
        raise InvitationError({"patents": "; ".join(errors)})
    if not found:
        raise InvitationError({"patents": _("请至少填写一件专利的申请号")})
    return list(found.values())


def _existing_inventor(actor, username: str) -> User:
    try:
        user = User.objects.get(username=username, organization_id=actor.organization_id)
    except User.DoesNotExist:
        raise InvitationError({"account": _("本单位没有用户名为“%(value)s”的账号") % {"value": username}}) from None
    if not user.is_inventor or not user.is_active:
        raise InvitationError({"account": _("账号“%(value)s”不是有效的发明人账号") % {"value": username}})
    return user


def _inventor_by_email(actor, email: str, full_name: str, request=None) -> tuple[User, bool]:
    """The institution's inventor account with this e-mail, or a new one (no usable password)."""
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError({"email": _("邮箱“%(value)s”格式不正确") % {"value": email}}) from None
    existing = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
    if existing is not None:
        if existing.organization_id != actor.organization_id or not existing.is_inventor:
            raise InvitationError({"email": _("邮箱“%(value)s”已被其他账号使用") % {"value": email}})
        return existing, False
    full_name = unicodedata.normalize("NFKC", str(full_name or "")).strip()
    if not full_name:
        raise InvitationError({"full_name": _("通过邮箱邀请时请填写发明人姓名")})
    user = User(username=email.lower(), email=email, full_name=full_name, organization_id=actor.organization_id,
                department_id=actor.department_id, is_inventor=True)
    user.set_unusable_password()
    user.password_changed_at = None
    user.save()
    audit("account.create", actor=actor, request=request, target=user, organization=actor.organization,
          after={"username": user.username, "organization": actor.organization.name, "is_inventor": True})
    return user, True


def set_password_url(user: User, request=None) -> str:
    path = reverse("inventory:self_assessment_set_password", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    return request.build_absolute_uri(path) if request is not None else path


def _send_invitation_mail(user: User, invitation: SelfAssessmentInvitation, *, new_account: bool, request=None) -> None:
    if not user.email:
        return
    count = invitation.patents.count()
    lines = [
        _("%(name)s 老师:") % {"name": user.full_name or user.username},
        _("%(institution)s 邀请您对 %(count)d 件专利进行发明人自评。")
        % {"institution": invitation.institution.name, "count": count},
    ]
    if invitation.message:
        lines.append(invitation.message)
    if new_account:
        lines.append(_("请通过以下链接设置登录密码(链接仅可使用一次):"))
        lines.append(set_password_url(user, request))
        lines.append(_("您的用户名:%(username)s") % {"username": user.username})
    else:
        lines.append(_("请登录平台,在“我的自评专利”中填写。"))
    send_mail(_("专利自评邀请"), "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email])


def invite(actor, *, record_ids: Iterable[int], username: str = "", email: str = "", full_name: str = "",
           message: str = "", request=None) -> tuple[SelfAssessmentInvitation, bool]:
    """Invite an inventor (an existing inventor account by username, or by e-mail) to self-assess
    the records' patents; grants the object permission on each. Returns the invitation and whether
    an account was created."""
    if not can_invite(actor):
        raise InvitationError({"": _("只有本单位的管理人员可以邀请发明人自评")})
    username, email = str(username or "").strip(), str(email or "").strip()
    if not username and not email:
        raise InvitationError({"account": _("请填写发明人的用户名或邮箱")})
    patents = Patent.objects.filter(inventory__in=invitable_records(actor).filter(pk__in=list(record_ids)))
    with transaction.atomic():
        if username:
            inventor, created = _existing_inventor(actor, username), False
        else:
            inventor, created = _inventor_by_email(actor, email, full_name, request)
        patent_ids = list(patents.values_list("pk", flat=True))
        if not patent_ids:
            raise InvitationError({"patents": _("请至少选择一件您可以编辑的本单位专利")})
        invitation = SelfAssessmentInvitation.objects.create(
            institution_id=actor.organization_id, inventor=inventor, invited_by=actor, message=message[:500])
        invitation.patents.set(patent_ids)
        assign_perm(PERMISSION, inventor, Patent.objects.filter(pk__in=patent_ids))
        audit("inventory.self_assessment_invite", actor=actor, request=request, target=invitation,
              organization=actor.organization, after={"inventor": inventor.username, "patents": patent_ids[:1000]})
        _send_invitation_mail(inventor, invitation, new_account=created, request=request)
    return invitation, created


@transaction.atomic
def close(actor, invitation: SelfAssessmentInvitation, *, request=None) -> bool:
    """Close the invitation and revoke the grants it gave (except those another open invitation of
    the same inventor still gives). False when already closed."""
    editable = SelfAssessmentInvitation.objects.editable_by(actor).filter(pk=invitation.pk).values("pk")
    # Locked by id: the department rule's DISTINCT cannot be combined with FOR UPDATE.
    invitation = SelfAssessmentInvitation.objects.select_for_update().get(pk__in=editable)
    if invitation.closed_at is not None:
        return False
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["closed_at"])
    still_open = SelfAssessmentInvitation.objects.filter(
        inventor_id=invitation.inventor_id, closed_at__isnull=True).values("patents")
    revoked = invitation.patents.exclude(pk__in=still_open)
    remove_perm(PERMISSION, invitation.inventor, revoked)
    audit("inventory.self_assessment_close", actor=actor, request=request, target=invitation,
          organization=invitation.institution)
    return True


def granted_records(inventor):
    """The records of the patents the inventor is granted (what "my patents to assess" lists)."""
    return InventoryRecord.objects.visible_to(inventor).select_related("patent").order_by("patent__application_number")


def save(actor, record: InventoryRecord, values: Mapping[str, object], *, submit: bool = False,
         source: str = InventoryChange.Source.WEB, request=None, version: int | None = None) -> None:
    """Save a self-assessment (inventor, or staff amending it) and, with `submit`, send it to review.
    `version`: the record's version the form was read at (locking.StaleRecord when it moved on).

    The caller has checked `editable_by`. An inventor cannot change a record under review, nor a
    staff field (`update_assessment` refuses both). A draft may be partial; a submission of a
    record that leaves a required field of §3 blank is refused (AssessmentError naming each
    field), and nothing is saved."""
    with transaction.atomic():
        update_assessment(actor=actor, record=record, values=dict(values), source=source, request=request,
                          version=version)
        if submit:
            record.refresh_from_db()
            missing = incomplete_errors(record)
            if missing:
                raise AssessmentError(missing)
            review.submit(actor, [record.pk], source=source, request=request)


def user_for_token(uidb64: str, token: str) -> User | None:
    """The account a set-password link names, while the link is valid (it works once: setting
    the password changes the hash the token is made from)."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_active or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def set_password_from_link(user: User, password: str, *, request=None) -> None:
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit("account.password_set", actor=user, request=request, target=user, organization=user.organization)


def open_grants(inventor) -> int:
    return UserObjectPermission.objects.filter(user=inventor, permission__codename="self_assess_patent").count()
