"""The second factor (等保2.0 身份鉴别: two factors for the administrators), on django-otp.

- Who must: the operator and the three platform administrators (TWO_FACTOR_REQUIRED), and every
  member of an organisation that requires it (`Organization.requires_two_factor`). Everyone else
  may enrol from the 两步验证 page and leave again.
- Devices: a TOTP authenticator app (enrolled by QR code, drawn here as SVG, offline), or codes sent
  by SMS through accounts.otp_delivery; both come with ten single-use recovery codes.
- Sign-in: the password, then a code (accounts.middleware.SecondFactorMiddleware sends an enrolled
  session to the code step); `django_otp.login` records in the session that the code passed.
  TWO_FACTOR_FAILURE_LIMIT wrong codes in a row lock the code step for TWO_FACTOR_LOCKOUT_MINUTES.
- The security administrator resets a user's second factor, which revokes the user's API tokens.
Enrolment, disabling, resets, wrong codes and lockouts are audited.
"""

import base64
import io
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_person
from accounts.administration import require_role
from accounts.audit import record
from accounts.members import can_manage_members
from accounts.models import ApprovalRequest, Organization, SMSDevice, User
from accounts.otp_delivery import send_code
from accounts.roles import THREE_ADMINS, Role, role_of
from accounts.tokens import revoke_all

# The roles that always need a second factor while TWO_FACTOR_REQUIRED is on.
REQUIRED_ROLES = frozenset({Role.OPERATOR, *THREE_ADMINS})
DEVICE_MODELS = (TOTPDevice, SMSDevice, StaticDevice)
SMS_CODE_SECONDS = 300


class TwoFactorError(ValueError):
    pass


def is_required(user) -> bool:
    """Whether `user` may not work without a second factor."""
    if role_of(user) in REQUIRED_ROLES and settings.TWO_FACTOR_REQUIRED:
        return True
    org = getattr(user, "organization", None)
    return bool(org is not None and org.requires_two_factor)


def session_passed(request) -> bool:
    """Whether this session gave a valid code after the password (django-otp's record)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def is_due(request) -> bool:
    """Whether the signed-in session still owes a code (enrolled) or an enrolment (required)."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.two_factor_enabled:
        return not session_passed(request)
    return is_required(user)


# Enrolment -------------------------------------------------------------------------------------


def pending_totp(user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret on first call, the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=_("验证器"), confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app takes it typed in (base32)."""
    return base64.b32encode(unhexlify(device.key)).decode()


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code in a data: URI (drawn here, no service)."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _enrolled(request, user: User, device, kind: str) -> list[str]:
    user.two_factor_enabled = True
    user.save(update_fields=["two_factor_enabled"])
    codes = _recovery_codes(user)
    otp_login(request, device)
    record("account.two_factor_enrol", actor=user, request=request, target=user, device=kind)
    return codes


@transaction.atomic
def confirm_totp(request, code: str) -> list[str]:
    """Confirm the pending authenticator with a code it shows; returns the ten recovery codes
    (shown once). The session counts as having passed the second factor."""
    return _confirm(request, TOTPDevice, code, "totp", _("验证码不正确,请核对验证器上的 6 位数字后重试。"))


def start_sms(user: User) -> SMSDevice:
    """Send a code to the user's phone for enrolling SMS codes (the user's 手机 field)."""
    if not user.phone:
        raise TwoFactorError(_("账号没有登记手机号码,无法使用短信验证码。"))
    SMSDevice.objects.filter(user=user, confirmed=False).delete()
    device = SMSDevice.objects.create(user=user, name=_("短信验证码"), number=user.phone, confirmed=False)
    _send(device)
    return device


@transaction.atomic
def confirm_sms(request, code: str) -> list[str]:
    """Confirm SMS codes with the code just sent; returns the ten recovery codes (shown once)."""
    return _confirm(request, SMSDevice, code, "sms", _("验证码不正确或已过期,请重新发送。"))


def _confirm(request, model, code: str, kind: str, wrong: str) -> list[str]:
    """The user's pending device of `model` confirmed by `code` (TwoFactorError `wrong` otherwise),
    the other devices removed, the enrolment completed."""
    user = request.user
    device = model.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None or not device.verify_token(_digits(code)):
        raise TwoFactorError(wrong)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _remove_other_devices(user, keep=device)
    return _enrolled(request, user, device, kind)


def _remove_other_devices(user: User, keep) -> None:
    for model in (TOTPDevice, SMSDevice):
        model.objects.filter(user=user).exclude(pk=keep.pk if isinstance(keep, model) else None).delete()


def _send(device: SMSDevice) -> None:
    device.generate_token(valid_secs=SMS_CODE_SECONDS)
    send_code(device.user, device.number, device.token)


def send_sms_code(user: User) -> bool:
    """At the code step: send a fresh code to an SMS-enrolled user. False when the user has none."""
    device = SMSDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    _send(device)
    return True


def has_sms(user: User) -> bool:
    return SMSDevice.objects.filter(user=user, confirmed=True).exists()


# The code step ---------------------------------------------------------------------------------


def _digits(code: str) -> str:
    return "".join(str(code or "").split())


def _failures_key(user: User) -> str:
    return f"two-factor-failures:{user.pk}"


def is_locked(user: User) -> bool:
    return cache.get(_failures_key(user), 0) >= settings.TWO_FACTOR_FAILURE_LIMIT


def verify(request, code: str) -> bool:
    """Check a code (authenticator, SMS or a recovery code, which is used up) for the signed-in
    user; on success the session has passed the second factor. Wrong codes are counted and
    audited; at TWO_FACTOR_FAILURE_LIMIT the code step refuses every code until the lockout ends."""
    user = request.user
    if is_locked(user):
        return False
    code = _digits(code)
    with transaction.atomic():
        for model in DEVICE_MODELS:
            for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
                if code and device.verify_token(code):
                    otp_login(request, device)
                    cache.delete(_failures_key(user))
                    return True
    _count_failure(request, user)
    return False


def _count_failure(request, user: User) -> None:
    key, timeout = _failures_key(user), settings.TWO_FACTOR_LOCKOUT_MINUTES * 60
    cache.add(key, 0, timeout)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        failures = 1
    record("auth.two_factor_failed", actor=user, request=request, target=user, failures=failures)
    if failures == settings.TWO_FACTOR_FAILURE_LIMIT:
        record("auth.two_factor_locked", actor=user, request=request, target=user, failures=failures)


# Leaving and resetting -------------------------------------------------------------------------


def _remove_all(user: User) -> None:
    for model in DEVICE_MODELS:
        model.objects.filter(user=user).delete()
    user.two_factor_enabled = False
    user.save(update_fields=["two_factor_enabled"])
    cache.delete(_failures_key(user))


@transaction.atomic
def disable(request, code: str) -> None:
    """A user for whom the second factor is optional leaves it, confirming with a current code."""
    user = request.user
    if is_required(user):
        raise TwoFactorError(_("您的账号必须使用两步验证,不能关闭。"))
    if not verify(request, code):
        raise TwoFactorError(_("验证码不正确。"))
    _remove_all(user)
    record("account.two_factor_disable", actor=user, request=request, target=user)


@transaction.atomic
def reset(*, actor: User, user: User, request=None) -> ApprovalRequest | None:
    """The security administrator removes a user's second factor (a lost phone): the user enrols
    again at next sign-in where it is required, and every API token of the user is revoked. A
    platform administrator's second factor is reset only when a second administrator approves
    (accounts.two_person): the filed request is returned and nothing changes yet."""
    require_role(actor, Role.SECURITY_ADMIN)
    if not User.objects.editable_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    filed = two_person.require_approval(actor, ApprovalRequest.Action.OTP_RESET, user, request=request)
    if filed is not None:
        return filed
    _carry_out_reset(actor, user, request)
    return None


def _carry_out_reset(actor: User, user: User, request) -> None:
    _remove_all(user)
    record("account.two_factor_reset", actor=actor, request=request, target=user, organization=user.organization)
    revoke_all(user, reason="two_factor_reset", actor=actor, request=request)


def _approved_reset(filed: ApprovalRequest, approver: User, http_request) -> None:
    # Carried out as the requester's action, the approval itself audited by accounts.two_person.
    _carry_out_reset(filed.requested_by, filed.target, http_request)


two_person.register_executor(ApprovalRequest.Action.OTP_RESET, _approved_reset)


# An organisation's own requirement ---------------------------------------------------------------


def can_set_requirement(actor) -> bool:
    """The organisation-level admin (not a department's) decides for the organisation's members."""
    return can_manage_members(actor) and not actor.department_id


@transaction.atomic
def set_organization_requirement(*, actor: User, required: bool, request=None) -> bool:
    """Require (or stop requiring) a second factor of every member of the actor's organisation.
    False when unchanged."""
    if not can_set_requirement(actor):
        raise PermissionDenied
    org = Organization.objects.visible_to(actor).select_for_update().get(pk=actor.organization_id)
    if org.requires_two_factor == required:
        return False
    org.requires_two_factor = required
    org.save(update_fields=["requires_two_factor"])
    record("organization.two_factor", actor=actor, request=request, target=org, organization=org,
           before={"requires_two_factor": not required}, after={"requires_two_factor": required})
    return True
