"""Matchmaking events in a real browser: the organiser's list and an event's page, and an
enterprise registering. Saves test-artifacts/screenshots/events_*.png."""

import pytest

from tests.browser.navigation import follow_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_organiser_reads_the_list_and_an_event(world, sign_in, live_server, screenshot):
    page = sign_in("prov_bj_admin")
    follow_nav(page, "对接活动")
    page.wait_for_url(f"{live_server.url}/matching/events/")
    assert page.locator("#pn-events").get_by_text("北京高校专利成果路演").is_visible()
    screenshot("events_list")
    page.get_by_role("link", name="北京高校专利成果路演").click()
    page.wait_for_selector("#pn-event-patents")
    text = page.locator("#pn-event-patents").inner_text()
    assert "已成交" in text and "北京中央企业集团有限公司" in text
    screenshot("events_detail")


def test_an_enterprise_registers(world, sign_in, live_server, screenshot):
    event = world.events["ev_platform"]
    page = sign_in("ent_gd_admin")
    page.goto(f"{live_server.url}/matching/events/{event.pk}/")
    page.locator("#pn-event-register").click()
    page.wait_for_selector("#pn-register-form")
    page.get_by_label("参会人数").fill("3")
    screenshot("events_register")
    page.locator("#pn-register-submit").click()
    page.wait_for_url(f"{live_server.url}/matching/events/{event.pk}/")
    assert "已报名" in page.locator("#pn-event-my-registration").inner_text()
    screenshot("events_registered")
