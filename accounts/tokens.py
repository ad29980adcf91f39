"""Managed API tokens (等保2.0 身份鉴别 and 访问控制 for the data interface).

A user creates named tokens from the API 令牌 page, each read-only or read-write, expiring after
at most API_TOKEN_MAX_DAYS. Only the SHA-256 of a token's secret is kept, with a short prefix to
recognise it by; the secret is shown once. A user with a second factor creates tokens only from a
session that passed it. Tokens are revoked by their user, by the security administrator, and when
the user's password changes, their second factor is reset or their account is deactivated
(accounts.signals). Issuance and revocation are audited.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import APIToken, User

TOKEN_START = "pn_"
PREFIX_LENGTH = 8
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    pass


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _details(token: APIToken) -> dict:
    return {"token_name": token.name, "token_prefix": token.prefix, "scope": token.scope}


@transaction.atomic
def create(*, user: User, name: str, scope: str, days: int, second_factor_passed: bool,
           request=None) -> tuple[APIToken, str]:
    """A new token for `user`; returns it and its secret, which is never stored or shown again."""
    if user.two_factor_enabled and not second_factor_passed:
        raise PermissionDenied(_("请先完成两步验证,再创建 API 令牌。"))
    name = " ".join(str(name or "").split())
    if not name:
        raise TokenError(_("请填写令牌名称"))
    if scope not in APIToken.Scope.values:
        raise TokenError(_("权限范围无效"))
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise TokenError(_("有效期须在 1 至 %(days)d 天之间") % {"days": settings.API_TOKEN_MAX_DAYS})
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = APIToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=digest(raw), scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record("token.create", actor=user, request=request, target=user, organization=user.organization,
           expires_at=token.expires_at.isoformat(), **_details(token))
    return token, raw


def authenticate(raw: str) -> APIToken | None:
    """The active token whose secret is `raw` (its user active too), its last use noted; None otherwise."""
    if not raw.startswith(TOKEN_START):
        return None
    token = (APIToken.objects.active().select_related("user", "user__organization")
             .filter(key_hash=digest(raw)).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def revoke(*, actor: User, token: APIToken, request=None) -> bool:
    """Revoke one token the actor may change (their own; any, for the security administrator).
    False when it was no longer active."""
    token = APIToken.objects.editable_by(actor).select_for_update().filter(pk=token.pk).first()
    if token is None:
        raise PermissionDenied
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record("token.revoke", actor=actor, request=request, target=token.user, organization=token.user.organization,
           reason="by_owner" if actor.pk == token.user_id else "by_security_admin", **_details(token))
    return True


def revoke_all(user: User, *, reason: str, actor: User | None = None, request=None) -> int:
    """Revoke every active token of `user` (password change, second-factor reset, deactivation);
    each revocation audited. Returns how many."""
    tokens = list(APIToken.objects.active().filter(user=user))
    if not tokens:
        return 0
    APIToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=timezone.now())
    for token in tokens:
        record("token.revoke", actor=actor, request=request, target=user, organization=user.organization,
               username=actor.get_username() if actor else "", reason=reason, **_details(token))
    return len(tokens)
