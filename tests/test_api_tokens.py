"""Managed API tokens (accounts.tokens): named, expiring, read or read-write, stored hashed and
shown once; created from a session (past the second factor where the user has one), never from a
password alone; revoked by the user, by the security administrator, on a password change, a
second-factor reset and a deactivation; throttled per token and per user (429, Retry-After)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import APIToken, AuditEvent
from accounts.services import change_own_password, set_active

from .two_factor_helpers import device_code


def _api(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _token(user, scope="read", days=30):
    return tokens.create(user=user, name="etl", scope=scope, days=days, second_factor_passed=True)


def test_control_identity_no_token_from_password_alone(world, password):
    response = APIClient().post("/api/v1/auth/token/", {"username": "operator", "password": password})
    assert response.status_code == 404


def test_control_identity_token_created_on_the_page_shown_once_stored_hashed(world, client):
    member = world.user("inst_bj_moe_member")
    client.force_login(member)
    response = client.post(reverse("accounts:tokens"), {"name": "数据同步", "scope": "read", "days": "30"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token, secret = response.context["created"]
    assert secret in response.content.decode()
    stored = APIToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(APIToken.objects.filter(pk=token.pk).values().get())
    assert secret.startswith(f"pn_{stored.prefix}_")
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)
    # Listed afterwards by prefix only.
    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert stored.prefix in listing and secret not in listing
    assert _api(secret).get("/api/v1/patents/").status_code == 200
    assert APIToken.objects.get(pk=token.pk).last_used_at is not None
    event = AuditEvent.objects.get(action="token.create")
    assert event.detail["token_prefix"] == stored.prefix and secret not in str(event.detail)


def test_control_identity_token_of_two_factor_user_needs_a_passed_session(world, client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    operator = world.user("operator")
    with pytest.raises(PermissionDenied):
        operator.two_factor_enabled = True
        tokens.create(user=operator, name="x", scope="read", days=1, second_factor_passed=False)
    operator.two_factor_enabled = False
    client.force_login(operator)
    # Not enrolled yet: the token page is out of reach.
    assert client.get(reverse("accounts:tokens")).status_code == 302
    client.get(reverse("accounts:two_factor"))
    client.post(reverse("accounts:two_factor"), {"action": "confirm_totp", "code": device_code(operator)})
    response = client.post(reverse("accounts:tokens"), {"name": "report", "scope": "write", "days": "10"})
    assert response.context["created"] is not None
    assert APIToken.objects.filter(user=operator).count() == 1


def test_control_identity_token_expiry_is_bounded_by_the_setting(world, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    with pytest.raises(tokens.TokenError):
        _token(world.user("inst_bj_moe_member"), days=31)


def test_control_access_read_token_cannot_write(world):
    member = world.user("inst_bj_moe_admin")
    _read, read_secret = _token(member, scope="read")
    _write, write_secret = _token(member, scope="write")
    assert _api(read_secret).get("/api/v1/patents/").status_code == 200
    assert _api(read_secret).post("/api/v1/import-batches/", {}).status_code == 403
    assert _api(write_secret).post("/api/v1/import-batches/", {}).status_code == 400


def test_control_identity_expired_or_revoked_token_is_refused(world, client):
    member = world.user("inst_bj_moe_member")
    expired, expired_secret = _token(member)
    APIToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _api(expired_secret).get("/api/v1/patents/").status_code in (401, 403)
    token, secret = _token(member)
    client.force_login(member)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert _api(secret).get("/api/v1/patents/").status_code in (401, 403)
    assert AuditEvent.objects.filter(action="token.revoke", detail__reason="by_owner").exists()


def test_control_access_user_cannot_revoke_anothers_token(world, client):
    token, secret = _token(world.user("inst_bj_moe_member"))
    client.force_login(world.user("inst_bj_moe_admin"))
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert _api(secret).get("/api/v1/patents/").status_code == 200


def test_control_access_security_admin_lists_and_revokes_every_token(world, client):
    token, secret = _token(world.user("inst_bj_moe_member"))
    client.force_login(world.user("sysadmin"))
    assert client.get(reverse("accounts:security_tokens")).status_code == 403
    client.force_login(world.user("secadmin"))
    page = client.get(reverse("accounts:security_tokens"))
    assert token.prefix in page.content.decode()
    client.post(reverse("accounts:security_token_revoke", args=[token.pk]))
    assert _api(secret).get("/api/v1/patents/").status_code in (401, 403)
    assert AuditEvent.objects.filter(action="token.revoke", detail__reason="by_security_admin").exists()


def test_control_identity_tokens_revoked_on_password_change_and_deactivation(world):
    member = world.user("inst_bj_moe_member")
    _t, secret = _token(member)
    change_own_password(user=member, new_password="Another-Passw0rd!")
    assert _api(secret).get("/api/v1/patents/").status_code in (401, 403)
    assert AuditEvent.objects.filter(action="token.revoke", detail__reason="password_change").exists()
    _t, secret = _token(member)
    set_active(actor=world.user("inst_bj_moe_admin"), user=member, active=False)
    member.is_active = True
    member.save(update_fields=["is_active"])
    assert _api(secret).get("/api/v1/patents/").status_code in (401, 403)
    assert AuditEvent.objects.filter(action="token.revoke", detail__reason="deactivation").exists()


def test_control_access_api_throttled_per_token_with_retry_after(world, settings):
    settings.API_THROTTLE_RATES = {"token": "3/min", "user": "100/min"}
    cache.clear()
    _t, secret = _token(world.user("inst_bj_moe_member"))
    api = _api(secret)
    assert [api.get("/api/v1/patents/").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/patents/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # Another token of another user is counted apart.
    _t, other = _token(world.user("inst_bj_moe_admin"))
    assert _api(other).get("/api/v1/patents/").status_code == 200


def test_control_access_api_throttled_per_user_across_tokens(world, settings):
    settings.API_THROTTLE_RATES = {"token": "100/min", "user": "4/min"}
    cache.clear()
    member = world.user("inst_bj_moe_member")
    first, second = _api(_token(member)[1]), _api(_token(member)[1])
    assert [c.get("/api/v1/patents/").status_code for c in (first, second, first, second)] == [200] * 4
    refused = second.get("/api/v1/patents/")
    assert refused.status_code == 429 and "Retry-After" in refused
