"""等保2.0 身份鉴别, login failure handling per account and per address, through the real pages:

the account locks after AXES_FAILURE_LIMIT failures from any address; an address failing over many
accounts is slowed, then blocked; an image captcha after LOGIN_CAPTCHA_AFTER failures; the security
administrator unlocks accounts and addresses, and both unlock by themselves after the cool-off; the
last PASSWORD_HISTORY_COUNT passwords cannot come back; a session ends SESSION_ABSOLUTE_HOURS after
its sign-in however active it is.
"""

import re
from datetime import timedelta
from itertools import pairwise

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SIGNED_IN_AT
from accounts.models import AuditEvent, User

LOGIN = reverse("accounts:login")
HOME = reverse("home")
PASSWORD_CHANGE = reverse("accounts:password_change")
MEMBER = "inst_bj_moe_member"


def _solved_captcha() -> dict:
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def sign_in(client: Client, username: str, password: str, ip: str = "127.0.0.1", captcha: bool = True):
    data = {"username": username, "password": password, **(_solved_captcha() if captcha else {})}
    return client.post(LOGIN, data, REMOTE_ADDR=ip)


def signed_in_as(client: Client) -> str | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk).username if pk else None


def _failures(ip: str, usernames: list[str], each: int, seconds_ago: float = 0) -> None:
    """Failed attempts recorded as django-axes records them, `each` per username from `ip`."""
    at = timezone.now() - timedelta(seconds=seconds_ago)
    for username in usernames:
        AccessAttempt.objects.create(
            username=username, ip_address=ip, user_agent="pytest", get_data="", post_data="", http_accept="",
            path_info=LOGIN, failures_since_start=each, attempt_time=at,
        )


# Per account ------------------------------------------------------------------------------------


def test_control_login_failure_locks_the_account_from_any_address(world, client, password):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        response = sign_in(Client(), MEMBER, f"wrong-{attempt}", ip=f"10.9.0.{attempt}")
        assert response.status_code == 200, attempt
    response = sign_in(Client(), MEMBER, "wrong-5", ip="10.9.0.5")
    assert response.status_code == 429
    assert "账号已被暂时锁定" in response.content.decode()
    # The right password, from an address never seen: still refused.
    response = sign_in(client, MEMBER, password, ip="10.9.0.99")
    assert response.status_code == 429 and signed_in_as(client) is None
    # Other accounts from those addresses are not affected.
    assert sign_in(Client(), "inst_bj_moe_admin", password, ip="10.9.0.1").status_code == 302


def test_control_lockout_ends_by_itself_after_the_cool_off(world, client, password):
    _failures("10.9.1.1", [MEMBER], each=5)
    assert sign_in(client, MEMBER, password, ip="10.9.1.2").status_code == 429
    cool_off = settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(seconds=1))
    assert sign_in(client, MEMBER, password, ip="10.9.1.2").status_code == 302
    assert signed_in_as(client) == MEMBER


# Per address ------------------------------------------------------------------------------------


def test_control_an_address_failing_over_many_accounts_is_blocked(world, client, password, settings):
    settings.LOGIN_ADDRESS_SLOW_AFTER = 10_000  # this test counts the block alone
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 30
    accounts = [name for name in world.users if name != "ent_gd_admin"][:10]
    attacker = "10.66.0.1"
    guesses = [(name, f"guess-{guess}") for guess in range(3) for name in accounts]
    for name, guess in guesses[:-1]:
        response = sign_in(Client(), name, guess, ip=attacker)
        assert response.status_code == 200, (name, guess)  # no single account reached its limit
    # The thirtieth failure from the address blocks it, for every account, the right password included.
    response = sign_in(Client(), *guesses[-1], ip=attacker)
    assert response.status_code == 429 and "来源地址已被暂时封禁" in response.content.decode()
    response = sign_in(client, "ent_gd_admin", password, ip=attacker)
    assert response.status_code == 429 and signed_in_as(client) is None
    assert "来源地址已被暂时封禁" in response.content.decode()
    # The accounts themselves are not locked: from elsewhere they sign in.
    assert sign_in(Client(), accounts[0], password, ip="10.66.0.2").status_code == 302


def test_control_an_address_is_slowed_before_it_is_blocked(world, client, password):
    assert settings.LOGIN_ADDRESS_SLOW_AFTER == 10
    attacker = "10.77.0.1"
    _failures(attacker, ["a1", "a2", "a3", "a4"], each=3)  # 12 failures: the next attempt waits 4 s
    response = sign_in(client, MEMBER, password, ip=attacker)
    assert response.status_code == 429 and signed_in_as(client) is None
    assert 0 < int(response["Retry-After"]) <= 4
    assert "请稍后再试" in response.content.decode()
    # The refused attempt counted (13 now: the wait doubles), and restarted the wait.
    assert sum(AccessAttempt.objects.filter(ip_address=attacker).values_list("failures_since_start", flat=True)) == 13
    AccessAttempt.objects.filter(ip_address=attacker).update(attempt_time=timezone.now() - timedelta(seconds=9))
    assert sign_in(client, MEMBER, password, ip=attacker).status_code == 302
    assert signed_in_as(client) == MEMBER
    # Other addresses are never slowed by it.
    assert sign_in(Client(), "inst_bj_moe_admin", password, ip="10.77.0.2").status_code == 302


# Captcha ----------------------------------------------------------------------------------------


def test_control_captcha_required_after_a_few_failures_of_the_account(world, client, password):
    assert settings.LOGIN_CAPTCHA_AFTER == 3
    page = client.get(LOGIN, REMOTE_ADDR="10.8.0.9").content.decode()
    assert "pn-login-captcha" not in page
    for attempt in range(3):
        response = sign_in(Client(), MEMBER, f"wrong-{attempt}", ip=f"10.8.0.{attempt}", captcha=False)
        assert response.status_code == 200
        # The page after the third failure asks for the captcha already.
        assert ('id="pn-login-captcha"' in response.content.decode()) == (attempt == 2), attempt
    # The right password without the captcha: refused, the form now shows it.
    response = sign_in(client, MEMBER, password, ip="10.8.0.9", captcha=False)
    assert response.status_code == 200 and signed_in_as(client) is None
    page = response.content.decode()
    assert "请输入验证码" in page and 'id="pn-login-captcha"' in page
    image_url = re.search(r'<img src="([^"]+)" alt="验证码图片"', page).group(1)
    image = Client().get(image_url)  # drawn on the server, before sign-in
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    # A wrong answer: refused, and the password was not even tried (no failure counted).
    failures = AccessAttempt.objects.filter(username=MEMBER).count()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    response = client.post(LOGIN, {"username": MEMBER, "password": password, "captcha_0": key,
                                   "captcha_1": "wrong"}, REMOTE_ADDR="10.8.0.9")
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert signed_in_as(client) is None and AccessAttempt.objects.filter(username=MEMBER).count() == failures
    # Each captcha is good once: the key just used no longer passes.
    answer = CaptchaStore.objects.filter(hashkey=key).values_list("response", flat=True).first()
    assert answer is None
    assert sign_in(client, MEMBER, password, ip="10.8.0.9").status_code == 302
    assert signed_in_as(client) == MEMBER


def test_control_captcha_required_after_a_few_failures_from_the_address(world, client):
    _failures("10.8.1.1", ["x1", "x2", "x3"], each=1)
    assert 'id="pn-login-captcha"' in client.get(LOGIN, REMOTE_ADDR="10.8.1.1").content.decode()
    assert 'id="pn-login-captcha"' not in client.get(LOGIN, REMOTE_ADDR="10.8.1.2").content.decode()


# Unlocking -------------------------------------------------------------------------------------


def test_control_security_admin_unlocks_an_account_and_an_address(world, client, password):
    _failures("10.5.0.1", [MEMBER], each=3)
    _failures("10.5.0.2", [MEMBER], each=2)
    _failures("10.5.0.3", [f"guess{i}" for i in range(10)], each=3)
    admin = Client()
    admin.force_login(world.user("secadmin"))
    page = admin.get(reverse("accounts:security")).content.decode()
    accounts = page.split('id="pn-lockouts"')[1].split("</table>")[0]
    assert MEMBER in accounts and "10.5.0.1" in accounts and "10.5.0.2" in accounts
    addresses = page.split('id="pn-address-lockouts"')[1].split("</table>")[0]
    assert "10.5.0.3" in addresses and "已封禁" in addresses

    assert sign_in(client, "inst_bj_moe_admin", password, ip="10.5.0.3").status_code == 429
    assert admin.post(reverse("accounts:security_unlock_address"), {"ip_address": "10.5.0.3"}).status_code == 302
    assert not AccessAttempt.objects.filter(ip_address="10.5.0.3").exists()
    [event] = AuditEvent.objects.filter(action="security.unlock_address")
    assert event.actor == world.user("secadmin") and event.before["ip_address"] == "10.5.0.3"
    # The ten guessed usernames, and the refused attempt just made.
    assert len(event.before["attempts"]) == 11 and event.after["attempts"] == []
    assert sign_in(client, "inst_bj_moe_admin", password, ip="10.5.0.3").status_code == 302

    assert sign_in(Client(), MEMBER, password, ip="10.5.0.9").status_code == 429
    assert admin.post(reverse("accounts:security_unlock"), {"username": MEMBER}).status_code == 302
    assert sign_in(Client(), MEMBER, password, ip="10.5.0.9").status_code == 302


# Password history -------------------------------------------------------------------------------


def _change(client: Client, old: str, new: str):
    return client.post(PASSWORD_CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_control_password_history_refuses_the_last_five(world, client, password):
    assert settings.PASSWORD_HISTORY_COUNT == 5
    member = world.user(MEMBER)
    client.force_login(member)
    passwords = [password] + [f"Hist#{n}-Kw9zq" for n in range(1, 6)]
    for old, new in pairwise(passwords):
        assert _change(client, old, new).status_code == 302, new
    current = passwords[-1]
    for used in passwords[1:-1]:
        response = _change(client, current, used)
        assert response.status_code == 200 and "最近 5 次" in response.content.decode(), used
    # Six passwords back is allowed again.
    assert _change(client, current, passwords[0]).status_code == 302
    assert User.objects.get(pk=member.pk).check_password(passwords[0])


def test_control_password_history_holds_after_an_administrators_reset(world, client, password):
    member = world.user(MEMBER)
    admin = Client()
    admin.force_login(world.user("sysadmin"))
    temporary = admin.post(reverse("accounts:user_reset_password", args=[member.pk])).context["one_time_password"]
    assert sign_in(client, MEMBER, temporary).status_code == 302
    # The forced change may not bring back the password before the reset, nor keep the temporary one.
    for reused in (password, temporary):
        response = _change(client, temporary, reused)
        assert response.status_code == 200, reused
        assert User.objects.get(pk=member.pk).check_password(temporary)
    assert "最近 5 次" in _change(client, temporary, password).content.decode()
    assert _change(client, temporary, "Brand#New-7xq").status_code == 302


# Absolute session lifetime ------------------------------------------------------------------------


def test_control_absolute_session_lifetime_ends_an_active_session(world, client, password):
    assert settings.SESSION_ABSOLUTE_HOURS == 12
    assert sign_in(client, MEMBER, password).status_code == 302
    key = client.session.session_key
    assert client.get(HOME).status_code == 200
    session = client.session
    # Eleven hours in, still active: fine.
    session[SIGNED_IN_AT] = (timezone.now() - timedelta(hours=11)).timestamp()
    session.save()
    assert client.get(HOME).status_code == 200
    # Twelve hours and a minute after the sign-in, active a second ago: signed out.
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - timedelta(hours=12, minutes=1)).timestamp()
    session.save()
    assert Session.objects.get(session_key=key).expire_date > timezone.now()  # the idle timeout has not run out
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="auth.logout", actor=world.user(MEMBER)).exists()
    page = client.get(response.url).content.decode()
    assert "登录已满 12 小时" in page


@pytest.mark.parametrize("name", ["LOGIN_ADDRESS_FAILURE_LIMIT", "LOGIN_ADDRESS_SLOW_AFTER", "LOGIN_CAPTCHA_AFTER"])
def test_the_address_limits_sit_above_the_accounts(name):
    assert getattr(settings, name) >= settings.LOGIN_CAPTCHA_AFTER
    assert settings.LOGIN_CAPTCHA_AFTER < settings.AXES_FAILURE_LIMIT < settings.LOGIN_ADDRESS_FAILURE_LIMIT
