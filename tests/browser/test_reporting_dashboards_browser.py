"""The dashboards in a real browser: each audience's page draws its charts (ECharts canvases, no
CSP violation), a chart's table opens a click away, the 大字号 mode redraws, and a 390 px phone gets
the page without sideways scrolling. Screenshots: test-artifacts/screenshots/dashboard_<user>.png
and dashboard_<user>_390.png."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("username", ["operator", "moe_admin", "prov_bj_admin", "inst_bj_moe_admin"])
def test_a_dashboard_draws_its_charts_and_opens_a_table(world, sign_in, live_server, screenshot, username):
    page = sign_in(username)
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/reporting/dashboard/")
    page.locator("#pn-dash-trends canvas").wait_for()
    drawn = page.locator(".pn-dash-chart canvas").count()
    assert drawn == page.locator(".pn-dash-chart").count() >= 6
    table = page.locator("#pn-dash-trends-table")
    assert not table.is_visible()
    page.locator("#pn-dash-trends-toggle").click()
    table.locator("table").wait_for(state="visible")
    assert "2026Q3" in table.inner_text() and "2026Q2" in table.inner_text()
    assert page.locator("#pn-dash-trends-toggle").get_attribute("aria-expanded") == "true"
    page.locator("#pn-dash-projector").click()
    assert page.locator("#pn-dash-projector").get_attribute("aria-pressed") == "true"
    page.locator("#pn-dash-projector").click()
    screenshot(f"dashboard_{username}")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(400)  # the charts redraw after the resize settles
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(f"dashboard_{username}_390")
    assert refused == []
