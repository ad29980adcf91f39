"""The matching stage end to end in a real browser: a platform match cycle pushes a library patent
to an enterprise and tells it through the bell; the enterprise follows the notification to its
inbox, opens the push and expresses interest; the institution is told and sees the answer on its
patent's responses; the province's response page counts it. Screenshots: test-artifacts/journey-*.png.
"""

from pathlib import Path

import pytest
from django.core.cache import cache

from accounts.models import User
from inventory.choices import Intent
from inventory.models import InventoryRecord
from matching.choices import CooperationMode, PushStatus
from matching.matcher import services as matcher
from matching.matcher.models import MatchCycle
from matching.needs.models import EnterpriseProfile, TechnologyNeed
from matching.pushes.models import Push
from notifications.models import Notification

from ..world_library import industries, library_entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TITLE = "面向工业质检的智能视觉表面缺陷检测方法"


def _library_and_needs(world) -> None:
    o = world.orgs
    # Only this test's patent is in the library, so the cycle's one push is known.
    InventoryRecord.objects.filter(in_library=True).update(in_library=False)
    _sector, ai, _bio = industries()
    entry = library_entry(o["inst_bj_moe"], 3200001, title=TITLE, maturity=7, intents=[Intent.LICENSE],
                          abstract="基于深度学习的工业视觉表面缺陷检测方法,采集产品图像,提取缺陷特征并分类。",
                          scenarios="电子制造、汽车零部件流水线的表面缺陷在线检测", industries=[ai])
    entry.patent.main_ipc, entry.patent.ipc_codes = "G06V 10/82", ["G06V 10/82"]
    entry.patent.save(update_fields=["main_ipc", "ipc_codes"])
    EnterpriseProfile.objects.update_or_create(enterprise=o["ent_gd"], defaults={
        "industry_codes": [ai.code], "ipc_prefixes": ["G06V"], "modes": [CooperationMode.LICENCE]})
    TechnologyNeed.objects.create(enterprise=o["ent_gd"], title="工业视觉缺陷检测",
                                  description="需要对产线上的产品表面图像进行缺陷检测,替代人工目检,提高良品率。",
                                  keywords=["缺陷检测", "图像"])


def test_a_push_travels_from_the_cycle_to_the_enterprise_the_institution_and_the_province(
        world, sign_in, live_server):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips

    cache.clear()
    _library_and_needs(world)
    matcher.forget_library()
    cycle = matcher.start_cycle(MatchCycle.Kind.PLATFORM, actor=world.user("operator"))
    cycle.refresh_from_db()
    assert cycle.status == MatchCycle.Status.DONE, cycle.error
    push = Push.objects.get(enterprise=world.orgs["ent_gd"], patent__title=TITLE)
    kinds = {reason["kind"] for reason in push.reasons}
    assert {"industry", "ipc", "need"} <= kinds, kinds
    ARTIFACTS.mkdir(exist_ok=True)

    # The enterprise: the bell, the notification, the inbox, the push, interest.
    page = sign_in("ent_gd_admin")
    expect(page.locator("#pn-bell-count")).not_to_have_count(0)
    page.locator("#pn-bell").click()
    page.wait_for_url("**/notifications/")
    notice = page.get_by_role("link", name="平台为您推送了 1 件匹配的专利")
    expect(notice).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "journey-1-notifications.png"), full_page=True)
    notice.first.click()
    page.wait_for_url("**/matching/pushes/")
    card = page.locator("section.pn-push", has_text=TITLE)
    expect(card).to_contain_text("IPC G06V")
    page.screenshot(path=str(ARTIFACTS / "journey-2-inbox.png"), full_page=True)
    card.get_by_role("link", name="查看并响应").click()
    page.wait_for_selector(f"h1:has-text('{TITLE}')")
    assert Push.objects.get(pk=push.pk).viewed_at is not None
    page.get_by_role("button", name="有合作意向").click()
    page.wait_for_selector(".alert:has-text('已表达合作意向')")
    assert Push.objects.get(pk=push.pk).status == PushStatus.INTERESTED
    page.screenshot(path=str(ARTIFACTS / "journey-3-interest.png"), full_page=True)
    page.context.clear_cookies()

    # The institution is told, and its patent's responses show the interest.
    admin = world.user("inst_bj_moe_admin")
    told = Notification.objects.get(recipient=admin, kind="push.interest")
    assert TITLE in told.title and "某企业" in told.title  # the enterprise did not allow direct contact
    page = sign_in("inst_bj_moe_admin")
    page.locator("#pn-bell").click()
    page.wait_for_url("**/notifications/")
    page.get_by_role("link", name=told.title).click()
    page.wait_for_url(f"**/matching/responses/{push.patent_id}/")
    expect(page.locator("main")).to_contain_text("有意向")
    page.screenshot(path=str(ARTIFACTS / "journey-4-institution.png"), full_page=True)
    page.context.clear_cookies()

    # The province of the enterprise sees the interest in its territory.
    cache.clear()
    page = sign_in("prov_gd_admin")
    page.goto(f"{live_server.url}/matching/responses/territory/")
    page.wait_for_selector("#push-tables")
    expect(page.locator("#push-tables")).to_contain_text("有意向")
    page.screenshot(path=str(ARTIFACTS / "journey-5-province.png"), full_page=True)
    assert User.objects.filter(username="prov_gd_admin").exists()
