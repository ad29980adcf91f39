"""The notification centre as people use it: the bell's count, the list, opening and marking
read, the preferences, the organisation's robots page and the API; each user reaches only their
own notifications."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from notifications import notify, unread_count
from notifications.models import Notification, NotificationPreference, OrganizationRobot


@pytest.fixture
def member(world):
    return world.user("inst_bj_moe_member")


@pytest.fixture
def inbox(member, django_capture_on_commit_callbacks):
    """Three more notifications of the member (the world gave one), one of them read."""
    with django_capture_on_commit_callbacks(execute=True):
        notify([member], "push.new", "专利推送一", body="第一条", url="/inventory/")
        notify([member], "push.new", "专利推送二", url="/notifications/preferences/")
        notify([member], "push.new", "专利推送三")
    Notification.objects.filter(title="专利推送三").update(read_at="2026-01-01T00:00:00Z")
    return {n.title: n for n in Notification.objects.filter(recipient=member)}


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_the_bell_shows_the_unread_count_with_one_count_query(client, member, inbox):
    _signed_in(client, member)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert 'id="pn-bell-count">3<' in page
    counts = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    assert unread_count(member) == 3


def test_the_list_page_counts_once_too(client, member, inbox):
    _signed_in(client, member)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/notifications/").content.decode()
    assert "专利推送一" in page and "专利推送三" in page and "世界通知" in page
    counts = [q for q in queries.captured_queries
              if "notifications_notification" in q["sql"] and "read_at\" IS NULL" in q["sql"]
              and "COUNT" in q["sql"].upper()]
    assert len(counts) == 1


def test_filter_unread_and_order_unread_first(client, member, inbox):
    _signed_in(client, member)
    unread = client.get("/notifications/?filter=unread").content.decode()
    assert "专利推送一" in unread and "专利推送三" not in unread
    newest = client.get("/notifications/").content.decode()
    assert newest.index("专利推送三") < newest.index("专利推送一")
    unread_first = client.get("/notifications/?order=unread").content.decode()
    assert unread_first.index("专利推送一") < unread_first.index("专利推送三")


def test_opening_marks_read_and_goes_to_the_local_link(client, member, inbox):
    _signed_in(client, member)
    first = inbox["专利推送一"]
    response = client.get(f"/notifications/{first.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/inventory/"
    first.refresh_from_db()
    assert first.read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example.cn/", "//evil.example.cn/x", "/\\evil.example.cn",
                                 "javascript:alert(1)"])
def test_a_link_elsewhere_is_never_followed(client, member, inbox, url):
    first = inbox["专利推送一"]
    Notification.objects.filter(pk=first.pk).update(url=url)
    response = _signed_in(client, member).get(f"/notifications/{first.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"


@pytest.mark.parametrize("url", ["https://evil.example.cn/", "//evil.example.cn/", "evil", "/\\evil"])
def test_notify_refuses_a_link_that_is_not_a_local_path(member, url):
    with pytest.raises(ValueError, match="path of this site"):
        notify([member], "push.new", "标题", url=url)


@pytest.mark.parametrize(("kind", "title"), [("", "标题"), ("k" * 51, "标题"), ("push.new", ""),
                                             ("push.new", "长" * 201)])
def test_notify_refuses_a_bad_kind_or_title(member, kind, title):
    with pytest.raises(ValueError):
        notify([member], kind, title)
    assert not Notification.objects.filter(kind="push.new").exists()


def test_mark_one_read_with_htmx_updates_the_row_and_the_bell(client, member, inbox):
    _signed_in(client, member)
    first = inbox["专利推送一"]
    response = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and f'id="notification-{first.pk}"' in html
    assert 'hx-swap-oob="true"' in html and 'id="pn-bell-count">2<' in html
    assert "标为已读" not in html.split('id="pn-bell"')[0]
    # Twice: still read, no error.
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302


def test_mark_all_read(client, member, inbox):
    response = _signed_in(client, member).post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert 'id="pn-bell-count"' not in client.get("/").content.decode()


def test_others_notifications_are_invisible_and_not_markable(client, world, member, inbox):
    other = _signed_in(client, world.user("inst_bj_moe_admin"))
    first = inbox["专利推送一"]
    assert "专利推送一" not in other.get("/notifications/").content.decode()
    assert other.get(f"/notifications/{first.pk}/open/").status_code == 404
    assert other.post(f"/notifications/{first.pk}/read/").status_code == 404
    other.post("/notifications/read-all/")
    first.refresh_from_db()
    assert first.read_at is None
    api = APIClient()
    api.force_authenticate(world.user("operator"))
    assert api.get(f"/api/v1/notifications/{first.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{first.pk}/read/").status_code == 404
    assert all(n["title"] != "专利推送一" for n in api.get("/api/v1/notifications/").json()["results"])


def test_the_api_lists_counts_and_marks_read(world, member, inbox):
    api = APIClient()
    api.force_authenticate(member)
    listed = api.get("/api/v1/notifications/").json()["results"]
    assert len(listed) == 4 and {"专利推送一", "专利推送二", "专利推送三"} <= {n["title"] for n in listed}
    assert listed[0]["title"] == "专利推送三" and listed[0]["read"] is True
    unread = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert len(unread) == 3 and all(n["read_at"] is None for n in unread)
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 3}
    first = inbox["专利推送一"]
    marked = api.post(f"/api/v1/notifications/{first.pk}/read/").json()
    assert marked["read"] is True and marked["id"] == first.pk
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_the_api_needs_a_sign_in(db):
    assert APIClient().get("/api/v1/notifications/unread-count/").status_code in (401, 403)


def test_preferences_switch_email_off_and_on(client, member):
    _signed_in(client, member)
    page = client.get("/notifications/preferences/").content.decode()
    assert "同时发送邮件通知" in page and 'name="email" id="f-email" checked' in page
    assert member.email not in page  # masked
    client.post("/notifications/preferences/", {})
    assert NotificationPreference.objects.get(user=member).email is False
    assert AuditEvent.objects.filter(action="notification.preferences", actor=member).exists()
    client.post("/notifications/preferences/", {"email": "on"})
    assert NotificationPreference.objects.get(user=member).email is True


def test_the_robots_page_is_for_organisation_admins(client, world, settings):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False
    for name in ("inst_bj_moe_member", "inst_bj_moe_dept_admin", "expert", "sysadmin", "inst_bj_moe_inventor"):
        assert _signed_in(client, world.user(name)).get("/notifications/robots/").status_code == 403, name
    admin = _signed_in(client, world.user("inst_bj_moe_admin"))
    page = admin.get("/notifications/robots/").content.decode()
    assert "添加群机器人" in page and "工作群4" in page and "world-inst_bj_moe-key" not in page
    refused = admin.post("/notifications/robots/", {"service": "wecom", "name": "内网群",
                                                    "url": "http://192.168.1.10/cgi-bin/webhook/send?key=s3cr3t"})
    assert refused.status_code == 200 and "不允许使用" in refused.content.decode()
    assert not OrganizationRobot.objects.filter(name="内网群").exists()
    ding = admin.post("/notifications/robots/", {"service": "dingtalk", "name": "钉钉群",
                                                 "url": "ftp://oapi.dingtalk.com/robot/send?access_token=t"})
    text = ding.content.decode()
    assert "只能以 http:// 或 https:// 开头" in text and "钉钉机器人请填写加签密钥" in text


def test_an_admin_adds_tests_and_removes_a_robot(client, world, settings):
    from .robot_receiver import RobotReceiver

    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    admin = _signed_in(client, world.user("ent_gd_admin"))
    with RobotReceiver() as receiver:
        url = receiver.url("/robot/send?access_token=verysecrettoken0123456789")
        response = admin.post("/notifications/robots/", {"service": "dingtalk", "name": "企业群", "url": url,
                                                         "secret": "SECtopsecret"})
        assert response.status_code == 302
        robot = OrganizationRobot.objects.get(name="企业群")
        assert robot.organization == world.orgs["ent_gd"] and robot.secret == "SECtopsecret"
        page = admin.get("/notifications/robots/").content.decode()
        assert "verysecrettoken" not in page and "SECtopsecret" not in page and "access_token=***" in page
        event = AuditEvent.objects.get(action="notification.robot_add")
        assert "verysecrettoken" not in str(event.after) and "SECtopsecret" not in str(event.after)
        admin.post(f"/notifications/robots/{robot.pk}/test/")
        [request] = receiver.requests
        assert request.body["markdown"]["title"] == "测试消息" and "sign" in request.query
        receiver.answers = ["errcode"]
        followed = admin.post(f"/notifications/robots/{robot.pk}/test/", follow=True).content.decode()
        assert "测试消息发送失败" in followed and "errcode 93000" in followed
    admin.post(f"/notifications/robots/{robot.pk}/toggle/", {"enabled": "0"})
    robot.refresh_from_db()
    assert robot.enabled is False
    admin.post(f"/notifications/robots/{robot.pk}/delete/")
    assert not OrganizationRobot.objects.filter(pk=robot.pk).exists()
    assert AuditEvent.objects.filter(action="notification.robot_remove").exists()
    # Another organisation's admin cannot touch this one's robots.
    other = world.orgs["inst_bj_moe"].robots.get()
    assert admin.post(f"/notifications/robots/{other.pk}/delete/").status_code == 404
    assert OrganizationRobot.objects.filter(pk=other.pk).exists()


def test_a_pending_or_unattached_user_has_no_centre(client, world):
    assert _signed_in(client, world.user("ent_gd_pending_admin")).get("/notifications/").status_code in (302, 403)
