"""Pushing the province feed to a real receiver on 127.0.0.1 that fails, times out and recovers;
endpoint validation (https, public addresses, at save and at send time); resend; failure after the
retry window; the pages as a province and as the operator."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from inventory.records.models import InventoryRecord
from notifications.models import Notification
from reporting.feeds import journal, push, services
from reporting.feeds.models import BatchStatus, FeedBatch, FeedDelivery, FeedEndpoint

from .feed_receiver import FeedReceiver
from .test_reporting_feeds import BJ, GD, current_view, forget, more_library_patents, pull_all, view_of
from .world_reporting_feeds import fingerprint


@pytest.fixture
def loopback(settings):
    settings.FEED_ALLOW_HTTP_LOOPBACK = True
    settings.FEED_PUSH_TIMEOUT = 1
    settings.FEED_BATCH_SIZE = 2
    return settings


def configure(world, url: str) -> FeedEndpoint:
    """Beijing's endpoint set by its administrator through the service; its journal started afresh
    (and the world's batches of Guangdong dropped, so that every batch left is Beijing's)."""
    forget(BJ)
    forget(GD)
    endpoint = journal.endpoint_for(BJ)
    FeedEndpoint.objects.filter(pk=endpoint.pk).update(secret="")
    endpoint.refresh_from_db()
    secret = services.save_endpoint(world.users["prov_bj_admin"], endpoint, url=url, enabled=True)
    assert secret and secret.startswith("whsec_")
    endpoint.refresh_from_db()
    return endpoint


def later(minutes: float = 0, hours: float = 0):
    return timezone.now() + timedelta(minutes=minutes, hours=hours)


def test_the_receiver_ends_with_the_pull_apis_view_through_failures_and_timeouts(world, loopback, client):
    more_library_patents(world, 5)
    with FeedReceiver("pending", sleep_seconds=1.6) as receiver:
        endpoint = configure(world, receiver.url())
        receiver.secret = endpoint.secret
        journal.sync(BJ)
        receiver.answers = ["500", "sleep"]
        # First attempt: 500 — nothing delivered, the queue waits for the retry.
        assert push.push(endpoint) == 0
        batches = list(FeedBatch.objects.filter(province_id=BJ).order_by("first_entry"))
        assert len(batches) >= 3
        first = batches[0]
        first.refresh_from_db()
        assert first.status == BatchStatus.PENDING and first.attempts == 1
        assert FeedDelivery.objects.get(batch=first).status_code == 500
        # Not yet due: nothing sent.
        assert push.deliver_due(endpoint) == 0
        # Due: the receiver applies it but answers too late (timeout): still pending.
        assert push.deliver_due(endpoint, now=later(minutes=2)) == 0
        first.refresh_from_db()
        assert first.status == BatchStatus.PENDING and "超时" in first.last_error
        assert receiver.applied == [first.batch_id]
        # Recovered: the retry is deduplicated by its Idempotency-Key, then every batch goes in order.
        delivered = push.deliver_due(endpoint, now=later(minutes=10))
        assert delivered == len(batches)
        assert receiver.duplicates == [first.batch_id]
        assert receiver.applied == [b.batch_id for b in batches]

        # Changes after the first delivery: one patent leaves the library, another changes.
        InventoryRecord.objects.filter(patent=world.patents["bj_extra_3000001"]).update(in_library=False)
        InventoryRecord.objects.filter(patent=world.patents["bj_extra_3000003"]).update(scenarios="用于矿山安全")
        journal.sync(BJ)
        push.push(endpoint)
        assert not FeedBatch.objects.exclude(status=BatchStatus.DELIVERED).exists()
        assert len(receiver.applied) == len(set(receiver.applied)) == FeedBatch.objects.count()
        assert receiver.refused == []

    client.force_login(world.users["prov_bj_admin"])
    pulled, _cursor = pull_all(client)
    assert receiver.view == view_of(pulled) == current_view(BJ)
    assert ("patent", world.patents["bj_extra_3000001"].application_number) not in receiver.view
    assert receiver.view[("patent", world.patents["bj_extra_3000003"].application_number)][
        "application_scenarios"] == "用于矿山安全"


def test_a_batch_is_fixed_once_made(world, loopback):
    with FeedReceiver("pending") as receiver:
        endpoint = configure(world, receiver.url())
        receiver.secret = endpoint.secret
        journal.sync(BJ)
        receiver.answers = ["500"]
        push.push(endpoint)
        batch = FeedBatch.objects.order_by("first_entry").first()
        body = bytes(batch.body)
        # A change after the batch was made does not alter it.
        InventoryRecord.objects.filter(patent=world.patents["bj_moe_library"]).update(scenarios="新的场景")
        journal.sync(BJ)
        push.deliver_due(endpoint, now=later(minutes=5))
        batch.refresh_from_db()
        assert bytes(batch.body) == body and batch.status == BatchStatus.DELIVERED
        assert json.loads(body)["batch_id"] == batch.batch_id


def test_a_wrong_or_replayed_signature_is_refused_by_the_receiver(world, loopback):
    with FeedReceiver("the-province-secret") as receiver:
        endpoint = configure(world, receiver.url())
        journal.sync(BJ)
        # The platform signs with its own secret, which is not the receiver's: refused, not applied.
        push.push(endpoint)
        batch = FeedBatch.objects.order_by("first_entry").first()
        batch.refresh_from_db()
        assert FeedDelivery.objects.get(batch=batch).status_code == 401
        assert batch.status == BatchStatus.PENDING and receiver.refused == ["signature"] and not receiver.view

        import urllib.request

        body = bytes(batch.body)
        timestamp = str(int(timezone.now().timestamp()))
        headers = {"X-Patentnavi-Timestamp": timestamp, "Idempotency-Key": batch.batch_id,
                   "X-Patentnavi-Signature": push.sign("the-province-secret", timestamp, body)}

        def send(extra: dict) -> int:
            request = urllib.request.Request(receiver.url(), data=body, headers={**headers, **extra}, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    return answer.status
            except urllib.error.HTTPError as error:
                return error.code

        assert send({}) == 200
        assert send({}) == 401 and receiver.refused[-1] == "replay"
        stale = str(int(timezone.now().timestamp()) - 3600)
        assert send({"X-Patentnavi-Timestamp": stale,
                     "X-Patentnavi-Signature": push.sign("the-province-secret", stale, body)}) == 401
        assert receiver.refused[-1] == "timestamp"
        assert receiver.applied == [batch.batch_id]


@pytest.mark.parametrize("url,message", [
    ("http://feeds.example.com/hook", "https://"),
    ("ftp://feeds.example.com/hook", "https://"),
    ("http://127.0.0.1:8999/hook", "https://"),
    ("https://10.1.2.3/hook", "内网"),
    ("https://127.0.0.1/hook", "内网"),
    ("https://169.254.169.254/latest", "内网"),
    ("https://[::1]/hook", "内网"),
    ("https://localhost/hook", "内网"),
    ("https://user:pw@feeds.example.com/hook", "用户名"),
    ("not a url", "https://"),
])
def test_an_endpoint_refused_in_production_writes_nothing(world, client, settings, url, message):
    settings.FEED_ALLOW_HTTP_LOOPBACK = False
    endpoint = journal.endpoint_for(BJ)
    client.force_login(world.users["prov_bj_admin"])
    before, events = fingerprint(), AuditEvent.objects.count()
    response = client.post(reverse("reporting:feed_endpoint_save", args=[endpoint.pk]), {"url": url, "enabled": "on"})
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "推送地址" in text
    assert fingerprint() == before and AuditEvent.objects.count() == events


def test_an_endpoint_that_turned_private_is_not_posted_to(world, loopback):
    with FeedReceiver("pending") as receiver:
        endpoint = configure(world, receiver.url())
        journal.sync(BJ)
        # Saved while public, now pointing into a private network (or rebound): checked again at send time.
        FeedEndpoint.objects.filter(pk=endpoint.pk).update(url="https://10.0.0.8/hook")
        endpoint.refresh_from_db()
        push.push(endpoint)
        delivery = FeedDelivery.objects.get(batch__province_id=BJ)
        assert delivery.status_code is None and "内网" in delivery.error
        assert receiver.statuses == []


def test_after_the_retry_window_the_batch_fails_and_the_province_is_told(world, loopback):
    with FeedReceiver("pending") as receiver:
        endpoint = configure(world, receiver.url())
        receiver.secret = endpoint.secret
        journal.sync(BJ)
        receiver.answers = ["500"] * 20
        push.push(endpoint)
        first = FeedBatch.objects.order_by("first_entry").first()
        hours = 0.0
        while FeedBatch.objects.get(pk=first.pk).status == BatchStatus.PENDING:
            hours += 1.5
            push.deliver_due(endpoint, now=later(hours=hours))
        first.refresh_from_db()
        assert first.status == BatchStatus.FAILED and hours >= 24
        assert Notification.objects.filter(recipient=world.users["prov_bj_admin"], kind=push.FAILED_KIND).exists()
        # The queue stops at the failed batch.
        assert push.deliver_due(endpoint, now=later(hours=hours + 1)) == 0
        assert not receiver.applied

        # The province's administrator resends it from the page, same batch_id: the queue moves on.
        receiver.answers = []
        from django.test import Client

        page = Client()
        page.force_login(world.users["prov_bj_admin"])
        later_batch = FeedBatch.objects.order_by("first_entry").last()
        if later_batch.pk != first.pk:
            response = page.post(reverse("reporting:feed_batch_resend", args=[later_batch.pk]), follow=True)
            assert "更早的批次尚未送达" in response.content.decode()
        response = page.post(reverse("reporting:feed_batch_resend", args=[first.pk]), follow=True)
        assert response.status_code == 200 and "已重发" in response.content.decode()
        assert receiver.applied[0] == first.batch_id
        assert not FeedBatch.objects.exclude(status=BatchStatus.DELIVERED).exists()
        assert AuditEvent.objects.filter(action="feed.resend").exists()
        # Resending a delivered batch sends the same batch_id: the receiver acknowledges, applies nothing new.
        page.post(reverse("reporting:feed_batch_resend", args=[first.pk]))
        assert receiver.duplicates == [first.batch_id]


def test_the_pages_as_province_admin_and_operator(world, loopback, client):
    with FeedReceiver("pending") as receiver:
        endpoint = configure(world, receiver.url())
        journal.sync(BJ)
        push.push(endpoint)
    client.force_login(world.users["prov_bj_admin"])
    page = client.get(reverse("reporting:feeds"))
    text = page.content.decode()
    assert page.status_code == 200 and "北京" in text and "/api/v1/province-feed/" in text
    assert endpoint.secret not in text and "重发" in text
    batch = FeedBatch.objects.filter(province_id=BJ).first()
    assert client.get(reverse("reporting:feed_batch", args=[batch.pk])).status_code == 200
    # Rotating the secret shows the new one once.
    response = client.post(reverse("reporting:feed_secret_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(reverse("reporting:feeds")).content.decode()
    # Guangdong's office: Beijing's pages are 404.
    client.force_login(world.users["prov_gd_admin"])
    assert client.get(reverse("reporting:feed_endpoint", args=[endpoint.pk])).status_code == 404
    assert client.get(reverse("reporting:feed_batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("reporting:feed_batch_resend", args=[batch.pk])).status_code == 404
    assert client.post(reverse("reporting:feed_sync", args=[endpoint.pk])).status_code == 404
    # The operator: every province, and sync now for any.
    client.force_login(world.users["operator"])
    overview = client.get(reverse("reporting:feeds")).content.decode()
    assert "北京市" in overview and "广东省" in overview
    response = client.post(reverse("reporting:feed_sync", args=[endpoint.pk]), follow=True)
    assert "同步完成" in response.content.decode()
    assert AuditEvent.objects.filter(action="feed.sync", actor=world.users["operator"]).exists()
