"""Login protection per account and per address, on top of django-axes (等保2.0 身份鉴别: 登录失败处理).

django-axes records each failed sign-in as an AccessAttempt (username, address, browser) and counts
an account's failures from every address (AXES_LOCKOUT_PARAMETERS = ["username"]): the account locks
after AXES_FAILURE_LIMIT of them. `LockoutHandler` adds the address:

- an address whose failures over every account reach LOGIN_ADDRESS_SLOW_AFTER is slowed: each further
  attempt must wait a delay that doubles with every failure (capped at LOGIN_ADDRESS_MAX_DELAY_SECONDS),
  and an attempt made sooner is refused (and counted);
- at LOGIN_ADDRESS_FAILURE_LIMIT the address is blocked, for every account.

Both last AXES_COOLOFF_TIME after the latest failure, or until the security administrator unlocks
them (accounts.administration.unlock / unlock_address). From LOGIN_CAPTCHA_AFTER failures of the
username or of the address, the login form asks for an image captcha (django-simple-captcha, drawn on
the server with Pillow, no outside service).
"""

import math
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.audit import client_ip

ACCOUNT, ADDRESS, SLOW = "account", "address", "slow"


def _recent() -> QuerySet:
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    return attempts.filter(attempt_time__gte=timezone.now() - cool_off) if cool_off else attempts


def account_failures(username: str | None) -> int:
    """The failed sign-ins of a username within the cool-off, from every address."""
    if not username:
        return 0
    return _recent().filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0


def address_failures(ip_address: str | None) -> tuple[int, datetime | None]:
    """The failed sign-ins from an address within the cool-off, over every username, and the latest."""
    if not ip_address:
        return 0, None
    found = _recent().filter(ip_address=ip_address).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    return found["n"] or 0, found["last"]


def slow_down_delay(failures: int) -> int:
    """Seconds an address with `failures` must wait between attempts (0: not slowed)."""
    over = failures - settings.LOGIN_ADDRESS_SLOW_AFTER
    if over < 0:
        return 0
    return min(2**over, settings.LOGIN_ADDRESS_MAX_DELAY_SECONDS)


def address_refusal(ip_address: str | None) -> tuple[str | None, int]:
    """(ADDRESS, 0) for a blocked address, (SLOW, seconds left) for one that must wait, else (None, 0)."""
    failures, last = address_failures(ip_address)
    if failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return ADDRESS, 0
    delay = slow_down_delay(failures)
    if delay and last is not None:
        left = delay - (timezone.now() - last).total_seconds()
        if left > 0:
            return SLOW, math.ceil(left)
    return None, 0


def captcha_required(request: HttpRequest, username: str | None = None) -> bool:
    """Whether the login form asks for the captcha: the username or the address failed often enough."""
    after = settings.LOGIN_CAPTCHA_AFTER
    failures, _last = address_failures(client_ip(request))
    return failures >= after or account_failures(username) >= after


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the address's slowing and block beside the account's lock.

    `request.pn_lockout` tells the lockout page which of the three refused the sign-in."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            request.pn_lockout = ACCOUNT
            return True
        reason, wait = address_refusal(request.axes_ip_address)
        if reason:
            request.pn_lockout, request.pn_retry_after = reason, wait
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out:
            if request is not None and not getattr(request, "pn_lockout", None):
                request.pn_lockout = ACCOUNT
            return
        reason = getattr(request, "pn_lockout", None)
        if reason is None and address_refusal(request.axes_ip_address)[0] == ADDRESS:
            reason = ADDRESS
        if reason:
            # Refused before the password was checked (slowed or blocked address): the page says why.
            request.pn_lockout = reason
            request.axes_locked_out = True
            request.axes_credentials = credentials


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page of a refused sign-in (AXES_LOCKOUT_CALLABLE), 429: the account locked, the address
    blocked, or the address slowed (with Retry-After)."""
    reason = getattr(request, "pn_lockout", None) or ACCOUNT
    wait = getattr(request, "pn_retry_after", 0)
    cool_off = get_cool_off(request)
    response = render(request, "accounts/locked_out.html", {
        "reason": reason,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "retry_after": wait,
    }, status=429)
    if reason == SLOW and wait:
        response["Retry-After"] = str(wait)
    elif cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


@dataclass(frozen=True)
class AddressLockout:
    ip_address: str
    failures: int
    accounts: int
    last_attempt: datetime
    blocked: bool


def address_lockouts() -> list[AddressLockout]:
    """Addresses slowed or blocked now (failures over every account), most recent first."""
    rows = (
        _recent().exclude(ip_address__isnull=True).values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"),
                  accounts=Count("username", distinct=True))
        .filter(failures__gte=settings.LOGIN_ADDRESS_SLOW_AFTER)
        .order_by("-last_attempt")
    )
    return [
        AddressLockout(
            ip_address=row["ip_address"], failures=row["failures"], accounts=row["accounts"],
            last_attempt=row["last_attempt"], blocked=row["failures"] >= settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        )
        for row in rows
    ]
