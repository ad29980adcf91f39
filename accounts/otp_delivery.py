"""How one-time codes reach a user's phone: a small backend interface, chosen by the setting
OTP_DELIVERY_BACKEND (a dotted path to a class with `send_code(user, number, code)`).

A deployment that sends codes by SMS writes a backend for its gateway; the demo and the tests use
`ConsoleBackend`, which logs the code, and `LocmemBackend`, which keeps what it sent in memory.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("accounts.otp_delivery")


class DeliveryBackend:
    """Sends one one-time code to a phone number; raises on failure."""

    def send_code(self, user, number: str, code: str) -> None:
        raise NotImplementedError


class ConsoleBackend(DeliveryBackend):
    """Writes the code to the log (the demo): no message leaves the machine."""

    def send_code(self, user, number: str, code: str) -> None:
        logger.warning("one-time code for %s at %s: %s", user.get_username(), number, code)


class LocmemBackend(DeliveryBackend):
    """Keeps every code it was asked to send in `LocmemBackend.outbox` (tests)."""

    outbox: list[tuple[str, str, str]] = []

    def send_code(self, user, number: str, code: str) -> None:
        LocmemBackend.outbox.append((user.get_username(), number, code))


def backend() -> DeliveryBackend:
    return import_string(settings.OTP_DELIVERY_BACKEND)()


def send_code(user, number: str, code: str) -> None:
    """Send `code` to `number` through the configured backend."""
    backend().send_code(user, number, code)
