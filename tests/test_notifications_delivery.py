"""Sending notifications outside the site: e-mail through Django's mail settings, the group robots
of 企业微信 and 钉钉 posted to a real local HTTP receiver (tests/robot_receiver.py), failures
retried with a backoff, and webhook addresses refused on private networks at save and at send."""

import base64
import hashlib
import hmac
import socket
import urllib.parse
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, User
from notifications import Notified, notify, services, webhooks
from notifications.models import Delivery, Notification, NotificationPreference, OrganizationRobot
from notifications.sending import backoff
from notifications.tasks import retry_due_deliveries

from .robot_receiver import RobotReceiver

SECRET = "SEC0123456789abcdef"


@pytest.fixture
def local_robots(settings):
    """The receiver listens on 127.0.0.1: allowed here only (the setting is false everywhere else)."""
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    settings.NOTIFY_MAX_ATTEMPTS = 4


@pytest.fixture
def receiver():
    with RobotReceiver() as robot:
        yield robot


@pytest.fixture
def admin(world):
    return world.user("inst_bj_moe_admin")


def _wecom(admin, receiver) -> OrganizationRobot:
    return services.add_robot(admin, service="wecom", name="技术转移群",
                              url=receiver.url("/cgi-bin/webhook/send?key=wecom-key-123"))


def _dingtalk(admin, receiver) -> OrganizationRobot:
    return services.add_robot(admin, service="dingtalk", name="成果转化群",
                              url=receiver.url("/robot/send?access_token=ding-token-456"), secret=SECRET)


def _notify_org(world, capture, **kwargs) -> Notified:
    with capture(execute=True):
        return notify([world.user("inst_bj_moe_member")], "push.new", "新的专利推送", body="有 3 件专利待查看",
                      url="/notifications/", organizations=[world.orgs["inst_bj_moe"]], **kwargs)


def _robot_deliveries():
    return Delivery.objects.exclude(channel=Delivery.Channel.EMAIL).exclude(kind="world.test")


def test_wecom_robot_gets_markdown(world, admin, local_robots, receiver, django_capture_on_commit_callbacks):
    _wecom(admin, receiver)
    result = _notify_org(world, django_capture_on_commit_callbacks)
    assert result.notifications == 1
    [request] = receiver.requests
    assert request.path == "/cgi-bin/webhook/send" and request.query == {"key": "wecom-key-123"}
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.body["msgtype"] == "markdown"
    content = request.body["markdown"]["content"]
    assert "新的专利推送" in content and "有 3 件专利待查看" in content and "/notifications/" in content
    [delivery] = _robot_deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None and delivery.next_attempt_at is None


def test_dingtalk_robot_gets_a_signed_markdown(world, admin, local_robots, receiver,
                                               django_capture_on_commit_callbacks):
    _dingtalk(admin, receiver)
    _notify_org(world, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    assert request.path == "/robot/send" and request.query["access_token"] == "ding-token-456"
    timestamp = request.query["timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp() * 1000) < 60_000
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert request.query["sign"] == expected  # parse_qsl has unquoted it
    assert request.body == {"msgtype": "markdown", "markdown": {
        "title": "新的专利推送", "text": request.body["markdown"]["text"]}}
    assert "有 3 件专利待查看" in request.body["markdown"]["text"]
    assert _robot_deliveries().get().status == "sent"


def test_dingtalk_signature_is_url_quoted():
    signed = webhooks.dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", SECRET,
                                          now_ms=1700000000000)
    sign = signed.rpartition("&sign=")[2]
    digest = hmac.new(SECRET.encode(), f"1700000000000\n{SECRET}".encode(), hashlib.sha256).digest()
    assert sign == urllib.parse.quote_plus(base64.b64encode(digest))
    assert "&timestamp=1700000000000&sign=" in signed


@pytest.mark.parametrize("failure", ["500", "errcode", "sleep"])
def test_a_failed_robot_message_is_retried_later_then_sent(world, admin, local_robots, receiver, failure,
                                                             django_capture_on_commit_callbacks, caplog):
    _wecom(admin, receiver)
    receiver.answers = [failure]
    _notify_org(world, django_capture_on_commit_callbacks)
    delivery = _robot_deliveries().get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == {"500": "群机器人返回 HTTP 500。",
                                   "errcode": "群机器人拒绝了消息(errcode 93000:invalid webhook url)。",
                                   "sleep": "连接群机器人超时。"}[failure]
    assert timedelta(seconds=55) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert f"delivery {delivery.pk}" in caplog.text  # every failure is logged
    # Not due yet: the sweep leaves it.
    assert retry_due_deliveries() == {"sent": 0, "failed": 0}
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert retry_due_deliveries() == {"sent": 1, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(receiver.requests) == 2
    # Sent once: nothing is due any more.
    assert retry_due_deliveries() == {"sent": 0, "failed": 0}


def test_retries_back_off_and_stop_at_the_maximum(world, admin, local_robots, receiver, client,
                                                  django_capture_on_commit_callbacks):
    _wecom(admin, receiver)
    receiver.answers = ["500"] * 10
    _notify_org(world, django_capture_on_commit_callbacks)
    delivery = _robot_deliveries().get()
    waits = []
    for _attempt in range(3):
        waits.append(delivery.next_attempt_at - timezone.now())
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        retry_due_deliveries()
        delivery.refresh_from_db()
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 4, None)
    assert retry_due_deliveries() == {"sent": 0, "failed": 0}
    assert backoff(1) == timedelta(seconds=60) and backoff(5) == timedelta(seconds=960)
    # The operator's page of failed deliveries lists it, with its error.
    client.force_login(world.user("operator"))
    page = client.get("/notifications/deliveries/").content.decode()
    assert "新的专利推送" in page and "群机器人返回 HTTP 500" in page and "不再重试" in page
    client.force_login(admin)
    assert client.get("/notifications/deliveries/").status_code == 403


def test_a_delivery_is_sent_once_when_the_task_and_the_sweep_meet(world, admin, local_robots, receiver,
                                                                   django_capture_on_commit_callbacks):
    _wecom(admin, receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([], "push.new", "只发一次", organizations=[world.orgs["inst_bj_moe"]])
    assert retry_due_deliveries() == {"sent": 1, "failed": 0}  # the sweep came first
    for callback in callbacks:
        callback()  # then the queued task: nothing left to send
    assert len(receiver.requests) == 1


PRIVATE_URLS = [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://172.16.0.5/hook",
    "http://192.168.1.10/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook", "http://224.0.0.1/hook", "http://240.0.0.1/hook",
    "http://[fe80::1]/hook", "http://[fc00::1]/hook", "http://100.64.0.1/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_a_private_address_is_refused_at_save(world, admin, url):
    with pytest.raises(ValidationError) as refused:
        services.add_robot(admin, service="wecom", name="内网群", url=url)
    assert "不允许使用" in refused.value.message_dict["url"][0]
    assert not OrganizationRobot.objects.filter(name="内网群").exists()
    assert not AuditEvent.objects.filter(action="notification.robot_add").exists()


def test_a_host_resolving_to_any_private_address_is_refused(world, admin, monkeypatch):
    public, private = ("203.0.113.10", 443), ("10.0.0.7", 443)
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", public), (socket.AF_INET, socket.SOCK_STREAM, 6, "", private)])
    with pytest.raises(webhooks.WebhookError, match=r"10\.0\.0\.7"):
        webhooks.check_url("https://robots.example.cn/send?key=1")


@pytest.mark.parametrize("url", ["ftp://example.cn/hook", "file:///etc/passwd", "javascript:alert(1)",
                                 "gopher://example.cn/", "qyapi.weixin.qq.com/cgi-bin/webhook/send", "",
                                 "http:///nohost", "https://user:pw@example.cn/hook", "http://example.cn:99999/"])
def test_a_url_that_is_not_a_plain_http_address_is_refused(world, admin, url):
    with pytest.raises(ValidationError) as refused:
        services.add_robot(admin, service="wecom", name="坏地址", url=url)
    assert refused.value.message_dict["url"]
    assert not OrganizationRobot.objects.filter(name="坏地址").exists()


def test_non_http_scheme_has_a_clear_message():
    with pytest.raises(webhooks.WebhookError, match="只能以 http:// 或 https:// 开头"):
        webhooks.check_url("ftp://example.cn/hook")


def test_a_private_address_is_refused_at_send_time_too(world, admin, settings, receiver,
                                                        django_capture_on_commit_callbacks):
    """Saved while allowed (or resolving elsewhere then: DNS rebinding), refused when it is sent."""
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    _wecom(admin, receiver)
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False
    _notify_org(world, django_capture_on_commit_callbacks)
    delivery = _robot_deliveries().get()
    assert delivery.status == "failed" and "不允许使用" in delivery.last_error
    assert receiver.requests == []


def test_the_connection_goes_to_the_address_checked(world, local_robots, receiver, monkeypatch):
    """The name is resolved once, checked, and that address connected to (with the name as Host)."""
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolve)
    answer = webhooks.post_json(f"http://robots.example.cn:{receiver.port}/send?key=k", {"msgtype": "text"})
    # Resolved once by name; the connection is made to the address literal (which needs no lookup).
    assert answer["errcode"] == 0 and [host for host in calls if host != "127.0.0.1"] == ["robots.example.cn"]
    assert receiver.requests[0].headers["Host"] == f"robots.example.cn:{receiver.port}"


def test_redirects_are_not_followed(world, local_robots, monkeypatch):
    """A robot answering 3xx is a failure, never a hop to wherever it points."""
    with RobotReceiver() as receiver:
        receiver.answers = ["redirect"]
        with pytest.raises(webhooks.WebhookError, match="HTTP 302"):
            webhooks.post_json(receiver.url("/send"), {})
        assert len(receiver.requests) == 1


def test_email_goes_through_django_mail_to_those_who_keep_it_on(world, django_capture_on_commit_callbacks):
    member, admin, expert = (world.user(n) for n in ("inst_bj_moe_member", "inst_bj_moe_admin", "expert"))
    NotificationPreference.objects.create(user=admin, email=False)
    expert.email = ""
    expert.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        result = notify([member, admin, expert.pk, member], "assignment.new", "新的评价任务",
                        body="请在 7 日内完成", url="/notifications/")
    assert result == Notified(notifications=3, deliveries=1)
    [message] = mail.outbox
    assert message.to == [member.email] and "新的评价任务" in message.subject
    assert "请在 7 日内完成" in message.body and "http://localhost:8000/notifications/" in message.body
    assert Delivery.objects.get(recipient=member).status == "sent"


def test_a_failing_mail_server_is_retried(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_notifications_delivery.BrokenMailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.user("inst_bj_moe_member")], "push.new", "邮件会失败")
    delivery = Delivery.objects.get(title="邮件会失败")
    assert delivery.status == "failed" and "mail server down" in delivery.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert retry_due_deliveries() == {"sent": 1, "failed": 0}
    assert [m.subject for m in mail.outbox] == ["【国家专利导航综合服务平台】邮件会失败"]


class BrokenMailBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def open(self) -> None:
        raise ConnectionRefusedError("mail server down")

    def close(self) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("mail server down")


def test_a_rolled_back_transaction_sends_nothing(world, admin, local_robots, receiver,
                                                 django_capture_on_commit_callbacks):
    _wecom(admin, receiver)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        _notify_org_inner(world)
        raise RuntimeError("the business change failed")
    assert callbacks == [] and mail.outbox == [] and receiver.requests == []
    assert Notification.objects.count() == before and not _robot_deliveries().exists()


def _notify_org_inner(world) -> None:
    notify([world.user("inst_bj_moe_member")], "push.new", "不应发出", organizations=[world.orgs["inst_bj_moe"]])


def test_a_disabled_robot_gets_nothing(world, admin, local_robots, receiver, django_capture_on_commit_callbacks):
    robot = _wecom(admin, receiver)
    services.set_robot_enabled(admin, robot.pk, False)
    _notify_org(world, django_capture_on_commit_callbacks)
    assert receiver.requests == [] and not _robot_deliveries().exists()


def test_notify_for_a_thousand_recipients_makes_a_bounded_number_of_queries(
        world, django_assert_max_num_queries, django_capture_on_commit_callbacks):
    org = world.orgs["ent_gd"]
    User.objects.bulk_create([User(username=f"bulk{i}", email=f"bulk{i}@ent.example.cn", organization=org,
                                   full_name=f"批量{i}") for i in range(1000)])
    users = list(User.objects.filter(username__startswith="bulk"))
    NotificationPreference.objects.bulk_create([NotificationPreference(user=u, email=False) for u in users[:100]])
    OrganizationRobot.objects.create(organization=org, service="wecom", name="批量群", url="http://127.0.0.1:9/send")
    with django_assert_max_num_queries(40) as queries, django_capture_on_commit_callbacks(execute=False):
        result = notify(users, "push.new", "批量推送", organizations=[org])
    assert result.notifications == 1000 and result.deliveries == 900 + 1
    assert Notification.objects.filter(title="批量推送").count() == 1000
    print(f"notify() for 1,000 recipients: {len(queries.captured_queries)} queries")
