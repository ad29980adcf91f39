"""The notification centre in a real browser: the bell in the top bar shows the unread count,
marking one read (htmx) lowers it in place, opening a notification follows its link and marks it
read, and "全部标为已读" empties the bell.

Screenshots go to test-artifacts/screenshots/notifications*.png for a human to look at.
"""

import pytest

from notifications import notify
from notifications.models import Notification

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_bell_counts_and_marking_read_lowers_it(world, sign_in, screenshot):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips

    member = world.user("inst_bj_moe_member")
    notify([member], "push.new", "新的专利推送:一种图像识别方法", body="广东专精特新企业对该专利感兴趣,请及时查看。",
           url="/notifications/preferences/")
    notify([member], "review.returned", "盘点记录被退回", body="请补充转化意愿后重新提交。")
    # The world gave the member one notification too: three unread.

    page = sign_in("inst_bj_moe_member")
    bell = page.locator("#pn-bell")
    expect(bell.locator("#pn-bell-count")).to_have_text("3")
    screenshot("notifications_bell")

    bell.click()
    page.wait_for_url("**/notifications/")
    returned = Notification.objects.get(title="盘点记录被退回")
    row = page.locator(f"#notification-{returned.pk}")
    expect(row).to_contain_text("请补充转化意愿后重新提交。")
    screenshot("notifications_list")
    row.get_by_role("button", name="标为已读").click()
    expect(row.get_by_role("button", name="标为已读")).to_have_count(0)
    expect(page.locator("#pn-bell-count")).to_have_text("2")

    pushed = Notification.objects.get(title__startswith="新的专利推送")
    page.locator(f"#notification-{pushed.pk}").get_by_role("link", name="新的专利推送:一种图像识别方法").click()
    page.wait_for_url("**/notifications/preferences/")
    expect(page.locator("#pn-bell-count")).to_have_text("1")

    page.goto(page.url.replace("/notifications/preferences/", "/notifications/"))
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_url("**/notifications/")
    expect(page.locator("#pn-bell-count")).to_have_count(0)
    expect(page.locator(".pn-notification-unread")).to_have_count(0)
    screenshot("notifications_all_read")
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_an_admin_is_told_why_a_robot_address_is_refused(world, sign_in, screenshot, settings):
    from playwright.sync_api import expect

    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False
    page = sign_in("inst_bj_moe_admin")
    page.locator("#pn-user-toggle").click()
    page.get_by_role("link", name="通知设置").click()
    page.wait_for_url("**/notifications/preferences/")
    page.get_by_role("link", name="管理本机构的群机器人").click()
    page.wait_for_url("**/notifications/robots/")
    page.get_by_label("名称").fill("技术转移中心工作群")
    page.get_by_label("Webhook 地址").fill("http://192.168.10.20/cgi-bin/webhook/send?key=abcdef0123456789")
    page.get_by_role("button", name="添加").click()
    expect(page.locator("#pn-robot-form")).to_contain_text("不允许使用")
    screenshot("notifications_robot_refused")
    # The world's robot is listed with its key hidden.
    expect(page.locator("#pn-robots")).to_contain_text("key=***")
    expect(page.locator("#pn-robots")).not_to_contain_text("world-inst_bj_moe-key")
