"""Pushes in a real browser: the enterprise's inbox with its library cards, a push it answers, and
the province's response page with its ECharts charts. Saves test-artifacts/pushes-*.png."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from inventory.choices import Intent, LicenseType, Prospect
from matching.choices import DismissReason, PushStatus
from matching.models import Push

from ..world_library import industries, library_entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _pushes(world) -> Push:
    o = world.orgs
    _sector, ai, bio = industries()
    vision = library_entry(o["inst_bj_moe"], 3100001, title="面向工业质检的智能视觉检测系统", maturity=7,
                           prospect=Prospect.GOOD, intents=[Intent.TRANSFER, Intent.LICENSE],
                           license_type=LicenseType.ORDINARY, asking_price=Decimal("120"),
                           scenarios="适用于电子制造、汽车零部件等流水线的表面缺陷在线检测,替代人工目检",
                           contact_name="赵老师", industries=[ai])
    kit = library_entry(o["inst_gd_local"], 3100002, title="肿瘤标志物快速检测试剂盒", maturity=6,
                        prospect=Prospect.GOOD, intents=[Intent.EQUITY], industries=[bio],
                        scenarios="用于基层医院和体检中心的肿瘤早筛,十五分钟出结果,无需大型设备")
    now = timezone.now()
    reasons = [{"kind": "industry", "text": "行业匹配:专利属于企业关注的人工智能产业"},
               {"kind": "need", "text": "需求匹配:与企业需求“产线视觉质检”的关键词相近"}]
    fresh = Push.objects.create(
        patent=vision.patent, enterprise=o["ent_gd"], institution=o["inst_bj_moe"], reasons=reasons, score=0.86,
        enterprise_province=o["ent_gd"].province, institution_province=o["inst_bj_moe"].province,
        created_at=now + timedelta(minutes=1))
    Push.objects.create(patent=kit.patent, enterprise=o["ent_gd"], institution=o["inst_gd_local"],
                        enterprise_province=o["ent_gd"].province, institution_province=o["inst_gd_local"].province,
                        reasons=[{"kind": "province", "text": "地区:专利权人位于本省"}], status=PushStatus.DISMISSED,
                        dismiss_reason=DismissReason.TOO_EARLY, viewed_at=now, answered_at=now, created_at=now)
    return fresh


def test_enterprise_answers_a_push_and_the_province_sees_it(world, sign_in, live_server, browser):
    cache.clear()  # the territory's counts are kept per scope
    push = _pushes(world)
    page = sign_in("ent_gd_admin")
    page.goto(f"{live_server.url}/matching/pushes/")
    card = page.locator("section.pn-push", has_text="面向工业质检的智能视觉检测系统")
    assert card.is_visible()
    assert "行业匹配:专利属于企业关注的人工智能产业" in card.inner_text()
    assert card.locator("article.pn-library-card").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pushes-inbox.png"), full_page=True)

    card.get_by_role("link", name="查看并响应").click()
    page.wait_for_selector("h1:has-text('面向工业质检的智能视觉检测系统')")
    page.screenshot(path=str(ARTIFACTS / "pushes-detail.png"), full_page=True)
    page.get_by_role("button", name="有合作意向").click()
    page.wait_for_selector(".alert:has-text('已表达合作意向')")
    assert Push.objects.get(pk=push.pk).status == PushStatus.INTERESTED
    page.screenshot(path=str(ARTIFACTS / "pushes-answered.png"), full_page=True)
    page.context.clear_cookies()

    page = sign_in("prov_gd_admin")
    page.goto(f"{live_server.url}/matching/responses/territory/")
    page.wait_for_selector("#push-chart-sectors canvas")
    assert page.locator("#push-chart-reasons canvas").count() == 1
    assert "广东省人民医院" in page.locator("#push-tables").inner_text()
    page.screenshot(path=str(ARTIFACTS / "pushes-province.png"), full_page=True)
