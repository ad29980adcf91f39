"""The demo logins' notification centre: a few notifications each (two unread, one read), so that
the bell shows a number on the first sign-in. Written in bulk, like the rest of the demo world;
no e-mail or robot message is sent for them."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Notification


def build(users: list[User]) -> int:
    """Three notifications for each of `users`; how many were written."""
    now = timezone.now()
    home, preferences = reverse("home"), reverse("notifications:preferences")
    rows = []
    for user in users:
        rows += [
            Notification(recipient=user, kind="demo.welcome", title=_("欢迎使用国家专利导航综合服务平台"),
                         body=_("平台的待办和进展会在这里通知您,也可以在通知设置中选择是否同时发送邮件。"),
                         url=preferences),
            Notification(recipient=user, kind="demo.milestone", title=_("本季度盘点进度已更新"),
                         body=_("请在工作台查看本季度的盘点和转化进度。"), url=home),
            Notification(recipient=user, kind="demo.notice", title=_("平台将于周六 22:00 至 23:00 进行例行维护"),
                         read_at=now - timedelta(days=1)),
        ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def count(user_ids: list[int]) -> int:
    return Notification.objects.filter(recipient_id__in=user_ids).count()
