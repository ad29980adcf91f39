"""The fixture world's additions for the notification centre (called at the end of world.build_world).

Every signed-in world user has one notification of their own, seen and marked read by them alone
(the operator included). Five organisations have a group robot, seen and changed by that
organisation's organisation-level admins only (a department admin is not one); the platform's by
the operator. They are switched off, so that nothing a test notifies is posted to them. One
failed e-mail delivery is the operator's to read. Titles and names hold no leak marker (no
account name, no enterprise name).
`fingerprint` returns what a refused write must not change in this area.
"""

from django.utils import timezone

from notifications.models import Delivery, Notification, NotificationPreference, OrganizationRobot

from .isolation.expectations import SIGNED_IN
from .isolation.objects import WorldObject

ROBOT_ADMINS = {
    "platform": "operator",
    "moe": "moe_admin",
    "prov_bj": "prov_bj_admin",
    "inst_bj_moe": "inst_bj_moe_admin",
    "ent_gd": "ent_gd_admin",
}


def extend(world) -> dict[str, list]:
    notifications = []
    for serial, username in enumerate(sorted(SIGNED_IN), start=1):
        notification = Notification.objects.create(
            recipient=world.users[username], kind="world.test", title=f"世界通知第{serial}号",
            body="请查看", url="/notifications/")
        notifications.append(WorldObject(f"notification_{serial}", notification,
                                         frozenset({username}), frozenset({username})))
    robots = []
    for org_key, admin in ROBOT_ADMINS.items():
        service = OrganizationRobot.Service.DINGTALK if org_key == "ent_gd" else OrganizationRobot.Service.WECOM
        robot = OrganizationRobot.objects.create(
            organization=world.orgs[org_key], service=service, name=f"工作群{len(robots) + 1}",
            url=f"http://127.0.0.1:9/cgi-bin/webhook/send?key=world-{org_key}-key",
            secret="SECworld" if service == OrganizationRobot.Service.DINGTALK else "", enabled=False)
        robots.append(WorldObject(f"robot_{org_key}", robot, frozenset({admin}), frozenset({admin})))
    delivery = Delivery.objects.create(
        channel=Delivery.Channel.EMAIL, recipient=world.users["ent_gd_admin"],
        address=world.users["ent_gd_admin"].email, kind="world.test", title="世界投递", status=Delivery.Status.FAILED,
        attempts=6, last_error="邮件发送失败:connection refused", next_attempt_at=None)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now())
    return {
        "notifications.notification": notifications,
        "notifications.organizationrobot": robots,
        "notifications.delivery": [WorldObject("failed_email", delivery, frozenset({"operator"}),
                                               frozenset({"operator"}))],
    }


def fingerprint() -> tuple:
    return (
        tuple(Notification.objects.order_by("pk").values_list("pk", "recipient_id", "read_at", "title")),
        tuple(OrganizationRobot.objects.order_by("pk").values_list()),
        tuple(NotificationPreference.objects.order_by("pk").values_list()),
        tuple(Delivery.objects.order_by("pk").values_list("pk", "status", "attempts")),
    )
