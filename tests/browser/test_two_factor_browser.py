"""Two-step verification in a real browser: an administrator signs in with the password, is sent to
enrolment, scans (reads) the secret, confirms with a code, sees the recovery codes once; signs out
and in again, and passes the code step with a fresh code."""

import base64

import pytest

from accounts.models import User
from tests.two_factor_helpers import device_code, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _password_step(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_control_identity_admin_enrols_in_totp_and_signs_in_with_a_code(
        page, live_server, world, password, settings, screenshot):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    settings.TWO_FACTOR_REQUIRED = True
    _password_step(page, live_server, "sysadmin", password)
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/**")
    assert page.locator("#pn-two-factor-required").is_visible()
    assert page.locator("img.pn-qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    screenshot("two-factor-enrol")
    key = base64.b32decode(page.locator("#pn-totp-secret").inner_text().strip())
    page.get_by_label("验证码").fill(totp_code(key))
    page.get_by_role("button", name="确认并启用").click()
    codes = page.locator("#pn-recovery-codes li")
    expect(codes).to_have_count(10)
    screenshot("two-factor-recovery-codes")
    page.get_by_role("link", name="我已保存,进入工作台").click()
    page.wait_for_url(f"{live_server.url}/")
    # Sign out, then in again: the password leads to the code step, the code to the home page.
    page.locator("#pn-user-toggle").click()
    page.get_by_role("button", name="退出").click()
    _password_step(page, live_server, "sysadmin", password)
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/**")
    screenshot("two-factor-verify")
    # The step after the one the device expects: the enrolment's step cannot be used twice.
    page.get_by_label("验证码").fill(device_code(User.objects.get(username="sysadmin"), ahead=1))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="账号管理").first.is_visible()
