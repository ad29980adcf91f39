"""The conversion resource library in a real browser: an enterprise browses it, reads a card,
narrows by a facet (an in-place htmx update) and opens an entry. Saves test-artifacts/library.png."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from inventory.choices import Intent, LicenseType, PatentType, Prospect
from tests.browser.navigation import follow_nav

from ..world_library import industries, library_entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _catalogue(world) -> None:
    cache.clear()  # facet counts are cached by filter
    o = world.orgs
    _sector, ai, bio = industries()
    library_entry(o["inst_bj_moe"], 3000001, title="面向工业质检的智能视觉检测系统", maturity=7,
                  prospect=Prospect.GOOD, intents=[Intent.TRANSFER, Intent.LICENSE],
                  license_type=LicenseType.ORDINARY, asking_price=Decimal("120"),
                  scenarios="适用于电子制造、汽车零部件等流水线的表面缺陷在线检测,替代人工目检",
                  contact_name="赵老师", contact_phone="13900139000", contact_email="zhao@example.edu.cn",
                  industries=[ai])
    library_entry(o["inst_bj_local"], 3000002, title="低照度图像增强与去噪方法", maturity=4,
                  prospect=Prospect.FAIR, intents=[Intent.LICENSE], license_type=LicenseType.OPEN, industries=[ai])
    library_entry(o["inst_gd_local"], 3000003, title="肿瘤标志物快速检测试剂盒", maturity=6,
                  prospect=Prospect.GOOD, intents=[Intent.EQUITY], patent_type=PatentType.UTILITY_MODEL,
                  scenarios="用于基层医院和体检中心的肿瘤早筛,十五分钟出结果,无需大型设备",
                  contact_name="钱医生", contact_phone="020-12345678", industries=[bio])


def test_enterprise_browses_the_library(world, sign_in, live_server):
    _catalogue(world)
    page = sign_in("ent_gd_admin")
    follow_nav(page, "专利转化资源库")
    page.wait_for_url(f"{live_server.url}/inventory/library/")

    card = page.locator("article.pn-library-card", has_text="面向工业质检的智能视觉检测系统")
    assert card.is_visible()
    text = card.inner_text()
    for expected in ("7 真实环境样机演示", "表面缺陷在线检测", "转让", "普通许可", "120", "北京示范大学", "赵老师",
                     "139****9000"):
        assert expected in text, expected
    assert "13900139000" not in text  # personal data: masked for an enterprise
    # ECharts drew both charts.
    page.wait_for_selector("#library-chart-industry canvas")
    assert page.locator("#library-chart-maturity canvas").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)

    # A facet narrows the list in place (htmx) and the address follows it.
    page.locator("a.pn-facet-option", has_text="生物产业").click()
    page.wait_for_url("**/inventory/library/?industry=4")
    page.wait_for_selector("a.pn-facet-option.active")
    assert page.locator("article.pn-library-card").count() == 1
    assert "肿瘤标志物快速检测试剂盒" in page.locator("article.pn-library-card").inner_text()

    page.get_by_role("link", name="肿瘤标志物快速检测试剂盒").click()
    page.wait_for_selector("h1:has-text('肿瘤标志物快速检测试剂盒')")
    assert "钱医生" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "library-detail.png"), full_page=True)


def test_institution_sees_what_its_listings_lack(world, sign_in, live_server):
    _catalogue(world)
    page = sign_in("inst_bj_local_admin")
    follow_nav(page, "挂牌信息完整度")
    page.wait_for_url(f"{live_server.url}/inventory/library/quality/")
    row = page.locator("tbody tr", has_text="低照度图像增强与去噪方法")
    assert row.is_visible()
    for lacking in ("应用场景", "联系人及电话或邮箱"):
        assert lacking in row.inner_text()
    # Another institution's entries are not on this page.
    assert page.locator("tbody tr", has_text="面向工业质检的智能视觉检测系统").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "library-quality.png"), full_page=True)

    page.locator("tbody tr a", has_text="低照度图像增强与去噪方法").click()
    page.wait_for_selector("#listing-quality")
    assert "/ 100" in page.locator("#listing-quality").inner_text()
