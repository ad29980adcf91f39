"""Codes of a user's TOTP authenticator, as the app on a phone would show them."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(key: bytes, ahead: int = 0) -> str:
    """The code of `key` now, or `ahead` time steps later (a code is accepted once per step, and the
    step after the current one is still accepted)."""
    return f"{TOTP(key, drift=ahead).token():06d}"


def device_code(user, ahead: int = 0) -> str:
    """The code `ahead` steps after the one the user's device expects now. The device learns the
    phone's drift from each accepted code (OTP_TOTP_SYNC): a code read at the end of a step and
    checked in the next one leaves it a step behind, and a bare `totp_code(key, ahead=1)` would
    then fall outside its window."""
    device = TOTPDevice.objects.filter(user=user).order_by("-pk").first()
    return totp_code(device.bin_key, device.drift + ahead)
