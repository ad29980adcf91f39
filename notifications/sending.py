"""Sending the deliveries that notify() created: e-mail through Django's mail settings, robots
through notifications.webhooks. Each delivery is claimed before it is sent (so a queued task and
the retry sweep never send one twice), sent, and marked sent or failed; a failure is logged,
kept on the row (`last_error`) and retried after a backoff doubling from
NOTIFY_RETRY_BASE_SECONDS, until NOTIFY_MAX_ATTEMPTS attempts, after which it stays failed and
shows on the operator's page of failed deliveries.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Delivery
from notifications.webhooks import WebhookError, dingtalk_payload, dingtalk_signed_url, post_json, wecom_payload

logger = logging.getLogger(__name__)

# A claimed delivery whose sender died is free again after this long (the sweep picks it up).
CLAIM_LEASE = timedelta(minutes=10)
# Deliveries one sweep sends at most; the next sweep takes the rest.
SWEEP_BATCH = 500


def claim(ids: Iterable[int] | None = None, *, limit: int = SWEEP_BATCH) -> list[Delivery]:
    """The due deliveries (of `ids`, or any) this caller now owns: their due time is pushed a
    lease ahead in one UPDATE that only one caller can win per row."""
    now = timezone.now()
    due = Delivery.objects.filter(next_attempt_at__lte=now).exclude(status=Delivery.Status.SENT)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    chosen = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    if not chosen:
        return []
    token = uuid.uuid4()
    Delivery.objects.filter(Q(pk__in=chosen), Q(next_attempt_at__lte=now)).exclude(
        status=Delivery.Status.SENT).update(claim=token, next_attempt_at=now + CLAIM_LEASE)
    return list(Delivery.objects.filter(claim=token).select_related("robot").order_by("pk"))


def backoff(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: the base, doubled at each failure, at most a day."""
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, 86_400))


def _site_link(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url else ""


def _text(delivery: Delivery) -> str:
    link = _site_link(delivery.url)
    return "\n\n".join(part for part in (delivery.body, link and _("查看:%(link)s") % {"link": link}) if part)


def _send_robot(delivery: Delivery) -> None:
    robot = delivery.robot
    if robot is None or not robot.enabled:
        raise WebhookError(_("群机器人已删除或停用。"))
    if robot.service == robot.Service.DINGTALK:
        post_json(dingtalk_signed_url(robot.url, robot.secret), dingtalk_payload(delivery.title, _text(delivery)))
    else:
        post_json(robot.url, wecom_payload(delivery.title, _text(delivery)))


def _email(delivery: Delivery) -> EmailMessage:
    subject = _("【国家专利导航综合服务平台】%(title)s") % {"title": delivery.title}
    return EmailMessage(subject, _text(delivery), settings.DEFAULT_FROM_EMAIL, [delivery.address])


def send(deliveries: list[Delivery]) -> dict[str, int]:
    """Send claimed deliveries and record each outcome (one bulk UPDATE for all of them)."""
    now = timezone.now()
    emails = [d for d in deliveries if d.channel == Delivery.Channel.EMAIL]
    outcomes: dict[int, str | None] = {}
    if emails:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
            for delivery in emails:
                try:
                    connection.send_messages([_email(delivery)])
                    outcomes[delivery.pk] = None
                except Exception as error:  # any mail backend's failure (smtplib, socket…) is this delivery's
                    outcomes[delivery.pk] = _("邮件发送失败:%(error)s") % {"error": error}
        except Exception as error:  # the mail server cannot be reached at all
            for delivery in emails:
                outcomes.setdefault(delivery.pk, _("无法连接邮件服务器:%(error)s") % {"error": error})
        finally:
            connection.close()
    for delivery in deliveries:
        if delivery.channel != Delivery.Channel.EMAIL:
            try:
                _send_robot(delivery)
                outcomes[delivery.pk] = None
            except WebhookError as error:
                outcomes[delivery.pk] = str(error)
            except Exception as error:  # an unexpected failure is this delivery's, and logged whole
                logger.exception("notification delivery %s raised", delivery.pk)
                outcomes[delivery.pk] = _("发送时出错:%(error)s") % {"error": type(error).__name__}
    counts = {"sent": 0, "failed": 0}
    for delivery in deliveries:
        error = outcomes[delivery.pk]
        delivery.attempts += 1
        delivery.claim = None
        if error is None:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = Delivery.Status.SENT, now, None
            delivery.last_error = ""
            counts["sent"] += 1
            continue
        delivery.status, delivery.last_error = Delivery.Status.FAILED, error[:2000]
        retry = delivery.attempts < settings.NOTIFY_MAX_ATTEMPTS
        delivery.next_attempt_at = now + backoff(delivery.attempts) if retry else None
        counts["failed"] += 1
        logger.warning("notification delivery %s (%s) failed, attempt %s%s: %s", delivery.pk, delivery.channel,
                       delivery.attempts, ", retried later" if retry else ", given up", error)
    Delivery.objects.bulk_update(
        deliveries, ["attempts", "claim", "status", "sent_at", "next_attempt_at", "last_error"], batch_size=500)
    return counts


def send_due(ids: Iterable[int] | None = None) -> dict[str, int]:
    """Claim and send the due deliveries of `ids` (those notify() just created), or any due ones."""
    return send(claim(ids))
