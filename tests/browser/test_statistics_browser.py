"""Quarterly statistics in a real browser: the platform computes 2025Q4 for the fixture world and
publishes it; 北京's office opens the quarter, follows the implemented-patents number of its own
row to the list behind it, and signs off its figures. Saves test-artifacts/statistics_run.png and
test-artifacts/statistics_trace.png."""

from pathlib import Path

import pytest

from reporting.statistics import services
from reporting.statistics.models import QuarterlyStat, SignOff
from reporting.statistics.quarters import Quarter

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_province_follows_a_number_to_its_list_and_signs_off(world, sign_in, live_server):
    run = services.compute_quarter(Quarter(2025, 4))
    beijing = QuarterlyStat.objects.get(run=run, scope="province", province_id="110000")
    page = sign_in("prov_bj_admin")
    page.goto(f"{live_server.url}/reporting/statistics/{run.pk}/")
    summary = page.locator("#pn-stat-own")
    assert "北京市" in summary.inner_text() and "全国" in summary.inner_text()
    assert "广东" not in page.locator("#pn-stat-institutions ~ .table-responsive").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics_run.png"), full_page=True)
    link = summary.locator(f'a[href$="/reporting/statistics/figures/{beijing.pk}/?figure=in_scope"]')
    link.click()
    page.locator("#pn-trace").wait_for()
    assert page.locator("#pn-trace tbody tr").count() == beijing.in_scope
    page.screenshot(path=str(ARTIFACTS / "statistics_trace.png"), full_page=True)
    page.go_back()
    page.get_by_label("签认意见").fill("已核对本省数据")
    page.get_by_role("button", name="签认本单位数据").click()
    page.get_by_text("已签认 2025Q4").first.wait_for()
    assert SignOff.objects.filter(run=run, province_id="110000", note="已核对本省数据").exists()
