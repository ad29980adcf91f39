"""Login protection for 等保2.0 level 3, exercised through the real pages.

Lockout after repeated failures (django-axes) and its unlocking by the security administrator,
argon2 password hashing, the password rules on the change page, the forced change at first login
and after the maximum age, the 30-minute idle timeout, the audit of logins, logouts, failures and
password changes, and the production settings passing `check --deploy`.
"""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.passwords import CharacterClassValidator
from accounts.services import create_account_with_initial_password

BASE_DIR = Path(__file__).resolve().parent.parent
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
PASSWORD_CHANGE = reverse("accounts:password_change")
HOME = reverse("home")
NEW_PASSWORD = "Qz7#mNv2-Lp9"


def login_through_page(client: Client, username: str, password: str, **extra):
    # The form asks for a captcha after a few failures (accounts.lockout): a solved one is always sent,
    # and used only when asked for.
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    return client.post(LOGIN, {"username": username, "password": password, "captcha_0": key, "captcha_1": answer},
                       **extra)


def signed_in_as(client: Client) -> str | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk).username if pk else None


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


# argon2 ----------------------------------------------------------------------------------------


def test_control_confidentiality_passwords_hashed_with_argon2():
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS
    encoded = make_password("Ab3$efgh-xyz", hasher="argon2")
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("Ab3$efgh-xyz", encoded)
    assert not check_password("Ab3$efgh-xyw", encoded)


def test_argon2_is_the_default_hasher_outside_tests():
    # conftest.py puts a fast hasher first for speed; outside tests argon2 must lead.
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "patentnavi.settings"
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_an_argon2_hash_logs_in_through_the_page(world, client, password):
    member = world.user("inst_bj_moe_member")
    User.objects.filter(pk=member.pk).update(password=make_password(password, hasher="argon2"))
    response = login_through_page(client, "inst_bj_moe_member", password)
    assert response.status_code == 302
    assert signed_in_as(client) == "inst_bj_moe_member"


# Login audit -----------------------------------------------------------------------------------


def test_control_audit_logins_and_failures_recorded(world, client, password):
    member = world.user("inst_bj_moe_member")
    response = login_through_page(client, "inst_bj_moe_member", "wrong-Passw0rd", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    [failed] = events("auth.login_failed")
    assert failed.actor is None and failed.actor_username == "inst_bj_moe_member" and failed.ip == "10.1.2.3"

    response = login_through_page(client, "inst_bj_moe_member", password, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response.url == HOME
    [login] = events("auth.login")
    assert login.actor == member and login.ip == "10.1.2.3" and login.organization == member.organization

    assert client.post(LOGOUT).status_code == 302
    [logout] = events("auth.logout")
    assert logout.actor == member
    assert signed_in_as(client) is None


# Lockout ---------------------------------------------------------------------------------------


def test_lockout_after_failure_limit_refuses_the_right_password_until_unlocked(world, client, password):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        response = login_through_page(client, "inst_bj_moe_member", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "用户名或密码错误" in response.content.decode()
    response = login_through_page(client, "inst_bj_moe_member", "wrong-5")
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号已被暂时锁定" in page and "登录连续失败 5 次" in page

    # Locked: the correct password is refused too, with the same page, and nobody is signed in.
    response = login_through_page(client, "inst_bj_moe_member", password)
    assert response.status_code == 429
    assert "账号已被暂时锁定" in response.content.decode()
    assert signed_in_as(client) is None
    assert not events("auth.login")
    assert len(events("auth.login_failed", actor_username="inst_bj_moe_member")) == 6

    # The security administrator sees the lockout and lifts it.
    admin = Client()
    admin.force_login(world.user("secadmin"))
    page = admin.get(reverse("accounts:security")).content.decode()
    assert "inst_bj_moe_member" in page.split('id="pn-lockouts"')[1].split("</table>")[0]
    response = admin.post(reverse("accounts:security_unlock"), {"username": "inst_bj_moe_member"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="inst_bj_moe_member").exists()
    [unlock] = events("security.unlock")
    assert unlock.actor == world.user("secadmin")
    assert unlock.target_id == str(world.user("inst_bj_moe_member").pk)
    assert unlock.before["attempts"][0]["failures"] >= 5 and unlock.after["attempts"] == []
    page = admin.get(reverse("accounts:security")).content.decode()
    assert "inst_bj_moe_member" not in page.split('id="pn-lockouts"')[1].split("</table>")[0]

    response = login_through_page(client, "inst_bj_moe_member", password)
    assert response.status_code == 302
    assert signed_in_as(client) == "inst_bj_moe_member"


def test_a_success_before_the_limit_resets_the_count(world, client, password):
    for attempt in range(4):
        login_through_page(client, "inst_bj_moe_member", f"wrong-{attempt}")
    assert login_through_page(client, "inst_bj_moe_member", password).status_code == 302
    client.post(LOGOUT)
    for attempt in range(4):
        assert login_through_page(client, "inst_bj_moe_member", f"again-{attempt}").status_code == 200
    assert login_through_page(client, "inst_bj_moe_member", password).status_code == 302


# Password rules --------------------------------------------------------------------------------


def test_control_identity_password_complexity():
    names = {type(v).__name__: v for v in get_default_password_validators()}
    assert names["MinimumLengthValidator"].min_length >= 8
    assert names["CharacterClassValidator"].min_classes >= 3
    assert {"CommonPasswordValidator", "NumericPasswordValidator", "UserAttributeSimilarityValidator"} <= set(names)


@pytest.mark.parametrize(
    ("candidate", "ok"),
    [("Abcdefg1", True), ("abcdef1!", True), ("ABCDEF1!", True), ("Abcdefg!", True), ("abcdefg1", False),
     ("ABCDEFGH", False), ("abc!@#$%", False)],
)
def test_character_classes(candidate, ok):
    validator = CharacterClassValidator(min_classes=3)
    if ok:
        validator.validate(candidate)
    else:
        with pytest.raises(ValidationError) as caught:
            validator.validate(candidate)
        assert "至少 3 类" in caught.value.messages[0]


def test_every_rule_speaks_chinese():
    with pytest.raises(ValidationError) as caught:
        validate_password("ab1")
    assert caught.value.messages[0] == "密码太短,至少须有 8 个字符。"


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab1!xyz", "密码太短,至少须有 8 个字符。"),
        ("abcdefgh12", "密码须包含大写字母、小写字母、数字、特殊符号中的至少 3 类。"),
        ("Password123", "这个密码太常见了。"),
        ("1357924680135", "密码只包含数字。"),
        ("Inst_bj_moe_member1", "太相似了"),
    ],
)
def test_password_change_page_enforces_the_rules_in_chinese(world, client, password, new_password, message):
    member = world.user("inst_bj_moe_member")
    client.force_login(member)
    response = client.post(PASSWORD_CHANGE, {
        "old_password": password, "new_password1": new_password, "new_password2": new_password,
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(password)
    assert not events("account.password_change")


def test_password_change_page_refuses_wrong_old_mismatch_and_reuse(world, client, password):
    client.force_login(world.user("inst_bj_moe_member"))
    cases = [
        ({"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "旧密码不正确"),
        ({"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}, "不一致"),
        ({"old_password": password, "new_password1": password, "new_password2": password}, "不能与当前密码相同"),
    ]
    for data, message in cases:
        response = client.post(PASSWORD_CHANGE, data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not events("account.password_change")


def test_password_change_succeeds_and_is_audited(world, client, password):
    member = world.user("inst_bj_moe_member")
    User.objects.filter(pk=member.pk).update(password_changed_at=timezone.now() - timedelta(days=30))
    client.force_login(member)
    response = client.post(PASSWORD_CHANGE, {
        "old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert timezone.now() - member.password_changed_at < timedelta(minutes=1)
    [event] = events("account.password_change")
    assert event.actor == member and event.target_id == str(member.pk)
    # The session survives the change.
    assert client.get(HOME).status_code == 200


# Forced change ---------------------------------------------------------------------------------


def test_control_identity_initial_password_changed_at_first_login(world, client):
    account, initial = create_account_with_initial_password(
        actor=world.user("sysadmin"), organization=world.orgs["inst_bj_moe"], username="new_member",
    )
    assert account.must_change_password
    assert login_through_page(client, "new_member", initial).status_code == 302
    for url in (HOME, reverse("inventory:patent_list"), reverse("accounts:members")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == PASSWORD_CHANGE, url
    assert client.get(PASSWORD_CHANGE).status_code == 200

    response = client.post(PASSWORD_CHANGE, {
        "old_password": initial, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get(HOME).status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_control_identity_password_expiry(world, client):
    member = world.user("inst_bj_moe_member")
    client.force_login(member)
    User.objects.filter(pk=member.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert client.get(HOME).status_code == 200
    User.objects.filter(pk=member.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    response = client.get(HOME)
    assert response.status_code == 302 and response.url == PASSWORD_CHANGE
    assert client.get(PASSWORD_CHANGE).status_code == 200
    # Logging out stays possible.
    assert client.post(LOGOUT).status_code == 302


@override_settings(PASSWORD_MAX_AGE_DAYS=0)
def test_zero_max_age_disables_the_periodic_change(world, client):
    member = world.user("inst_bj_moe_member")
    User.objects.filter(pk=member.pk).update(password_changed_at=timezone.now() - timedelta(days=1000))
    client.force_login(member)
    assert client.get(HOME).status_code == 200


# Idle timeout ----------------------------------------------------------------------------------


def _expiry_seconds(client: Client) -> float:
    session = Session.objects.get(session_key=client.session.session_key)
    return (session.expire_date - timezone.now()).total_seconds()


def test_control_identity_idle_session_timeout(world, client, password):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert login_through_page(client, "inst_bj_moe_member", password).status_code == 302
    assert 30 * 60 - 60 < _expiry_seconds(client) <= 30 * 60

    # Activity pushes the expiry forward to a full 30 minutes again.
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=2))
    assert client.get(HOME).status_code == 200
    assert 30 * 60 - 60 < _expiry_seconds(client) <= 30 * 60

    # Thirty idle minutes later the session is gone: the next request is sent to the login page.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert signed_in_as(client) is None


# Production settings ---------------------------------------------------------------------------


def test_control_confidentiality_https_only_in_production():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_ENV="production", DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
               DJANGO_SETTINGS_MODULE="patentnavi.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper() and "System check identified no issues" in output, output
