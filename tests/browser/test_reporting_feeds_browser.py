"""The province feed pages in a real browser: 北京's administrator sets the push endpoint (the secret
shown once), sees the batches and a delivery log; the operator sees every province. Saves
screenshots under test-artifacts/ (feeds_province.png, feeds_batch.png, feeds_overview.png)."""

from pathlib import Path

import pytest

from reporting.feeds import journal, push
from reporting.feeds.models import FeedBatch, FeedEndpoint

from ..feed_receiver import FeedReceiver

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_province_admin_configures_the_push_and_reads_the_log(world, sign_in, live_server, settings):
    settings.FEED_ALLOW_HTTP_LOOPBACK = True
    settings.FEED_PUSH_TIMEOUT = 1
    ARTIFACTS.mkdir(exist_ok=True)
    # The world's endpoint has a secret already: this one is configured from scratch.
    FeedEndpoint.objects.filter(province_id="110000").update(url="", secret="", enabled=False)
    FeedBatch.objects.filter(province_id="110000").delete()
    with FeedReceiver("not-yet-known") as receiver:
        page = sign_in("prov_bj_admin")
        page.goto(f"{live_server.url}/reporting/feeds/")
        page.get_by_label("推送地址").fill(receiver.url())
        page.get_by_label("启用推送").check()
        page.get_by_role("button", name="保存").first.click()
        secret = page.locator("#pn-feed-secret code").inner_text()
        assert secret.startswith("whsec_")
        receiver.secret = secret
        receiver.answers = ["500"]
        endpoint = journal.endpoint_for("110000")
        journal.sync("110000")
        push.push(endpoint)
        page.goto(f"{live_server.url}/reporting/feeds/")
        assert secret not in page.content()
        assert "待送达" in page.locator("#pn-feed-batches").inner_text()
        page.screenshot(path=str(ARTIFACTS / "feeds_province.png"), full_page=True)
        batch = FeedBatch.objects.filter(province_id="110000").order_by("first_entry").first()
        page.goto(f"{live_server.url}/reporting/feeds/batches/{batch.pk}/")
        page.get_by_role("button", name="以同一批次号重发").click()
        page.get_by_text("接收方已确认").wait_for()
        assert "500" in page.locator("#pn-feed-deliveries").inner_text()
        page.screenshot(path=str(ARTIFACTS / "feeds_batch.png"), full_page=True)


def test_operator_sees_every_province(world, sign_in, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = sign_in("operator")
    page.goto(f"{live_server.url}/reporting/feeds/")
    table = page.locator("#pn-feed-overview").inner_text()
    assert "北京市" in table and "广东省" in table
    page.screenshot(path=str(ARTIFACTS / "feeds_overview.png"), full_page=True)
