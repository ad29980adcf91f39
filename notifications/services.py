"""The one notification service: every app tells people through `notify`, and the notification
centre's own actions (reading, preferences, robots) are here too.

    notify(recipients, "push.new", "新的专利推送", body="…", url="/matching/pushes/12/",
           organizations=[enterprise])

writes one in-app notification per recipient (one bulk INSERT), one Delivery per external target
(each recipient's e-mail where they keep it on, each enabled robot of `organizations`), and
queues their sending once the caller's transaction commits: a rolled-back change tells nobody.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization, User
from ground.tasks import QueueUnavailable, enqueue
from notifications.models import Delivery, Notification, NotificationPreference, OrganizationRobot
from notifications.webhooks import (
    WebhookError,
    check_url,
    dingtalk_payload,
    dingtalk_signed_url,
    mask_url,
    post_json,
    wecom_payload,
)

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.send_deliveries"
# Deliveries handed to one sending task.
SEND_CHUNK = 200
KIND_MAX, TITLE_MAX, URL_MAX = 50, 200, 500


@dataclass(frozen=True)
class Notified:
    """What one notify() call wrote: in-app notifications and external deliveries."""

    notifications: int
    deliveries: int


def is_local_url(url: str) -> bool:
    """A path of this site ("/inventory/…"): no scheme, no host, no protocol-relative "//"."""
    return (url.startswith("/") and not url.startswith(("//", "/\\"))
            and url_has_allowed_host_and_scheme(url, allowed_hosts=None))


def _checked(kind: str, title: str, url: str) -> None:
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"notify: kind must be 1 to {KIND_MAX} characters, got {kind!r}")
    if not title or len(title) > TITLE_MAX:
        raise ValueError(f"notify: title must be 1 to {TITLE_MAX} characters")
    if url and (len(url) > URL_MAX or not is_local_url(url)):
        raise ValueError(f"notify: url must be a path of this site, got {url!r}")


def _user_ids(recipients: Iterable[User | int]) -> list[int]:
    if isinstance(recipients, QuerySet):
        return list(recipients.order_by().values_list("pk", flat=True).distinct())
    seen: dict[int, None] = {}
    for recipient in recipients:
        seen[recipient if isinstance(recipient, int) else recipient.pk] = None
    return list(seen)


def notify(
    recipients: Iterable[User | int],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    *,
    organizations: Iterable[Organization | int] = (),
) -> Notified:
    """Tell `recipients` (users, user ids or a User queryset; duplicates and inactive accounts dropped) that `kind`
    happened: an in-app notification each, an e-mail to those who keep e-mail on, and a message to
    every enabled group robot of `organizations`. `url` is a path of this site (ValueError
    otherwise). A fixed number of queries whatever the number of recipients; sending is queued
    after the surrounding transaction commits."""
    _checked(kind, title, url)
    ids = _user_ids(recipients)
    org_ids = [org if isinstance(org, int) else org.pk for org in organizations]
    with transaction.atomic():
        users = list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "email")) if ids else []
        Notification.objects.bulk_create(
            [Notification(recipient_id=pk, kind=kind, title=title, body=body, url=url) for pk, _email in users],
            batch_size=1000)
        email_off = set(NotificationPreference.objects.filter(user_id__in=[pk for pk, _email in users], email=False)
                        .values_list("user_id", flat=True)) if users else set()
        now = timezone.now()
        common = {"kind": kind, "title": title, "body": body, "url": url, "next_attempt_at": now}
        deliveries = [Delivery(channel=Delivery.Channel.EMAIL, recipient_id=pk, address=email, **common)
                      for pk, email in users if email and pk not in email_off]
        robots = OrganizationRobot.objects.filter(organization_id__in=org_ids, enabled=True) if org_ids else []
        deliveries += [Delivery(channel=robot.service, robot=robot, **common) for robot in robots]
        created = Delivery.objects.bulk_create(deliveries, batch_size=1000)
        delivery_ids = [d.pk for d in created]
        if delivery_ids:
            transaction.on_commit(lambda: queue_sending(delivery_ids))
    return Notified(len(users), len(delivery_ids))


def queue_sending(delivery_ids: list[int]) -> None:
    """Queue the sending of these deliveries in chunks. A broker that cannot be reached leaves
    them due: the retry sweep (notifications.tasks.retry_due_deliveries) sends them."""
    for start in range(0, len(delivery_ids), SEND_CHUNK):
        chunk = delivery_ids[start:start + SEND_CHUNK]
        try:
            enqueue(SEND_TASK, chunk)
        except QueueUnavailable:
            logger.error("notification deliveries %s…%s not queued; the retry sweep will send them",
                         chunk[0], chunk[-1])
            return


def unread_count(user: User) -> int:
    """The user's unread notifications: one COUNT over the partial index of unread rows."""
    return Notification.objects.visible_to(user).unread().count()


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (Notification.DoesNotExist for anyone else's)."""
    notification = Notification.objects.editable_by(user).get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(user: User) -> int:
    """Mark all the user's unread notifications read, in one UPDATE; how many were."""
    return Notification.objects.editable_by(user).unread().update(read_at=timezone.now())


def email_enabled(user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.email if preference else True


def set_email_enabled(user: User, enabled: bool, *, request=None) -> None:
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(user=user, defaults={"email": enabled})
        audit("notification.preferences", actor=user, request=request, target=user,
              after={"email_notifications": enabled})


def can_manage_robots(user: User) -> bool:
    """Whether the user manages their organisation's group robots: the scoping rule of
    OrganizationRobot.editable_by is not "nothing" for them."""
    return not OrganizationRobot.objects.editable_by(user).query.is_empty()


def add_robot(user: User, *, service: str, name: str, url: str, secret: str = "", request=None) -> OrganizationRobot:
    """Add a group robot to the user's organisation, after the address passes
    notifications.webhooks.check_url; ValidationError (Chinese) and nothing saved otherwise."""
    if not can_manage_robots(user):
        raise PermissionError("only the organisation's admins manage its robots")
    errors = {}
    if service not in OrganizationRobot.Service.values:
        errors["service"] = _("请选择机器人类型。")
    name, url, secret = (name or "").strip(), (url or "").strip(), (secret or "").strip()
    if not name:
        errors["name"] = _("请填写名称。")
    if len(url) > 1000:
        errors["url"] = _("Webhook 地址过长。")
    else:
        try:
            check_url(url)
        except WebhookError as error:
            errors["url"] = str(error)
    if service == OrganizationRobot.Service.DINGTALK and not secret:
        errors["secret"] = _("钉钉机器人请填写加签密钥(安全设置中的“加签”)。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        robot = OrganizationRobot.objects.create(
            organization_id=user.organization_id, service=service, name=name[:100], url=url,
            secret=secret if service == OrganizationRobot.Service.DINGTALK else "", created_by=user)
        audit("notification.robot_add", actor=user, request=request, target=robot,
              after={"service": service, "name": robot.name, "url": mask_url(url)})
    return robot


def remove_robot(user: User, robot_id: int, *, request=None) -> None:
    """Delete one of the organisation's robots (OrganizationRobot.DoesNotExist for anyone else's)."""
    with transaction.atomic():
        robot = OrganizationRobot.objects.editable_by(user).select_for_update().get(pk=robot_id)
        audit("notification.robot_remove", actor=user, request=request, target=robot,
              before={"service": robot.service, "name": robot.name, "url": mask_url(robot.url)})
        robot.delete()


def set_robot_enabled(user: User, robot_id: int, enabled: bool, *, request=None) -> OrganizationRobot:
    with transaction.atomic():
        robot = OrganizationRobot.objects.editable_by(user).select_for_update().get(pk=robot_id)
        if robot.enabled != enabled:
            robot.enabled = enabled
            robot.save(update_fields=["enabled"])
            audit("notification.robot_toggle", actor=user, request=request, target=robot,
                  after={"enabled": enabled, "name": robot.name})
    return robot


def send_test_message(user: User, robot_id: int) -> None:
    """Send a test message to one of the organisation's robots now; WebhookError says why it failed."""
    robot = OrganizationRobot.objects.editable_by(user).get(pk=robot_id)
    title = _("测试消息")
    text = _("这是国家专利导航综合服务平台发送的测试消息,收到即表示群机器人配置正确。")
    if robot.service == OrganizationRobot.Service.DINGTALK:
        post_json(dingtalk_signed_url(robot.url, robot.secret), dingtalk_payload(title, text))
    else:
        post_json(robot.url, wecom_payload(title, text))
