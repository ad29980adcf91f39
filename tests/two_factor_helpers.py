"""Codes of a user's TOTP authenticator, as the app on a phone would show them."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(key: bytes, ahead: int = 0) -> str:
    """The code of `key` now, or `ahead` time steps later (a code is accepted once per step, and the
    step after the current one is still accepted)."""
    return f"{TOTP(key, drift=ahead).token():06d}"


def device_code(user, ahead: int = 0) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-pk").first()
    return totp_code(device.bin_key, ahead)
