"""Pushing a province's journal to its endpoint in signed batches (DATA-STANDARD.md §9).

- `make_batches` cuts the entries not yet in a batch into batches of FEED_BATCH_SIZE, each a
  contiguous cursor range, its body made once and stored: a retry or a resend sends the same bytes
  under the same batch_id (the Idempotency-Key); only X-Patentnavi-Timestamp and
  X-Patentnavi-Signature (sha256=HMAC-SHA256 of "<timestamp>.<body>" keyed by the secret) are fresh.
- `deliver_due` sends a province's batches in cursor order, one at a time: a batch is sent only once
  every earlier one was acknowledged (2xx), so the province applies them in order. Any other answer,
  or none within FEED_PUSH_TIMEOUT seconds, is retried after FEED_RETRY_BASE_SECONDS doubling up to
  FEED_RETRY_MAX_SECONDS, for FEED_RETRY_WINDOW_HOURS (at least 24) from the first attempt; then the
  batch is failed, the queue stops there and the province's administrators are notified, until a
  resend.
- Every attempt is logged (FeedDelivery: time, status code, error, duration).
"""

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import notify
from notifications.webhooks import WebhookError, post
from reporting.feeds.endpoints import EndpointError, check_endpoint
from reporting.feeds.models import BatchStatus, FeedBatch, FeedDelivery, FeedEndpoint
from reporting.feeds.pull import entries_after, wire

FAILED_KIND = "feed.batch_failed"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Patentnavi-Signature of a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def batched_up_to(province_code: str) -> int:
    last = (FeedBatch.objects.filter(province_id=province_code).order_by("-last_entry")
            .values_list("last_entry", flat=True).first())
    return last or 0


def make_batches(endpoint: FeedEndpoint) -> int:
    """Cut the province's entries not yet in a batch into batches; how many were made."""
    made = 0
    with transaction.atomic():
        FeedEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        after = batched_up_to(endpoint.province_id)
        while True:
            entries = entries_after(endpoint.province_id, after, settings.FEED_BATCH_SIZE)
            if not entries:
                return made
            batch_id = str(uuid.uuid4())
            body = {"batch_id": batch_id, "province": endpoint.province_id, "generated_at": timezone.now().isoformat(),
                    "records": [wire(entry, contacts=endpoint.purpose_needs_contacts) for entry in entries]}
            FeedBatch.objects.create(
                province_id=endpoint.province_id, batch_id=batch_id, first_entry=entries[0]["id"],
                last_entry=entries[-1]["id"], records=len(entries),
                body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
            after = entries[-1]["id"]
            made += 1


def _retry_delay(attempts: int) -> timedelta:
    seconds = settings.FEED_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.FEED_RETRY_MAX_SECONDS))


def attempt(batch: FeedBatch, endpoint: FeedEndpoint, *, now: datetime | None = None,
            manual: bool = False) -> FeedDelivery:
    """Send one batch once (the endpoint checked again first), log the attempt and settle the batch:
    delivered on 2xx; otherwise retried later, or failed once the retry window has passed."""
    now = now or timezone.now()
    started = time.monotonic()
    status_code, error = None, ""
    try:
        target = check_endpoint(endpoint.url)
        batch.last_timestamp = max(int(time.time()), batch.last_timestamp + 1)
        timestamp = str(batch.last_timestamp)
        body = bytes(batch.body)
        answer = post(target, body, {
            "Content-Type": "application/json; charset=utf-8",
            "X-Patentnavi-Timestamp": timestamp,
            "X-Patentnavi-Signature": sign(endpoint.secret, timestamp, body),
            "Idempotency-Key": batch.batch_id,
        }, timeout=settings.FEED_PUSH_TIMEOUT)
        status_code = answer.status
        if not 200 <= answer.status < 300:
            error = _("接收方返回 HTTP %(status)s。") % {"status": answer.status}
    except (EndpointError, WebhookError) as failure:
        error = str(failure)
    duration = int((time.monotonic() - started) * 1000)
    delivery = FeedDelivery.objects.create(batch=batch, at=now, status_code=status_code, error=error[:500],
                                           duration_ms=duration, manual=manual)
    _settle(batch, now, delivered=not error, error=error)
    return delivery


def _settle(batch: FeedBatch, now: datetime, *, delivered: bool, error: str) -> None:
    batch.attempts += 1
    batch.first_attempt_at = batch.first_attempt_at or now
    if delivered:
        batch.status, batch.delivered_at, batch.last_error = BatchStatus.DELIVERED, now, ""
    elif batch.status != BatchStatus.DELIVERED:
        batch.last_error = error[:500]
        window = timedelta(hours=settings.FEED_RETRY_WINDOW_HOURS)
        if now - batch.first_attempt_at >= window:
            batch.status = BatchStatus.FAILED
            _tell_failed(batch)
        else:
            batch.next_attempt_at = now + _retry_delay(batch.attempts)
    batch.save(update_fields=["attempts", "first_attempt_at", "status", "delivered_at", "last_error",
                              "next_attempt_at", "last_timestamp"])


def _tell_failed(batch: FeedBatch) -> None:
    admins = User.objects.filter(organization__kind="province", organization__province_id=batch.province_id,
                                 is_org_admin=True, is_active=True)
    endpoint = FeedEndpoint.objects.get(province_id=batch.province_id)
    notify(admins, FAILED_KIND, _("省级数据接口推送失败"),
           _("批次 %(batch)s 已重试 %(hours)d 小时仍未送达,后续批次暂停推送。请检查接收地址后在页面上重发。")
           % {"batch": batch.batch_id, "hours": settings.FEED_RETRY_WINDOW_HOURS},
           reverse("reporting:feed_endpoint", args=[endpoint.pk]))


def deliver_due(endpoint: FeedEndpoint, *, now: datetime | None = None) -> int:
    """Send the province's due batches in cursor order until one is not acknowledged; how many
    were delivered. A failed batch stops the queue until it is resent."""
    if not endpoint.enabled or not endpoint.url:
        return 0
    delivered = 0
    while True:
        now_at = now or timezone.now()
        batch = (FeedBatch.objects.filter(province_id=endpoint.province_id)
                 .exclude(status=BatchStatus.DELIVERED).order_by("first_entry").first())
        if batch is None or batch.status == BatchStatus.FAILED or batch.next_attempt_at > now_at:
            return delivered
        attempt(batch, endpoint, now=now_at)
        if batch.status != BatchStatus.DELIVERED:
            return delivered
        delivered += 1


def push(endpoint: FeedEndpoint, *, now: datetime | None = None) -> int:
    """Cut new batches and deliver what is due (an enabled endpoint only)."""
    if not endpoint.enabled or not endpoint.url:
        return 0
    make_batches(endpoint)
    return deliver_due(endpoint, now=now)


def earlier_undelivered(batch: FeedBatch) -> bool:
    return FeedBatch.objects.filter(province_id=batch.province_id, first_entry__lt=batch.first_entry).exclude(
        status=BatchStatus.DELIVERED).exists()


def resend(batch: FeedBatch, endpoint: FeedEndpoint, *, now: datetime | None = None) -> FeedDelivery:
    """Send a batch again now, same batch_id and body; a failed or pending batch starts a new retry
    window, and once it is acknowledged the queue behind it moves on."""
    now = now or timezone.now()
    if batch.status != BatchStatus.DELIVERED:
        batch.status, batch.first_attempt_at, batch.next_attempt_at = BatchStatus.PENDING, now, now
    delivery = attempt(batch, endpoint, now=now, manual=True)
    if batch.status == BatchStatus.DELIVERED:
        deliver_due(endpoint, now=now)
    return delivery
