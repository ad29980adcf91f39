"""The needs board and the enterprise profile in a real browser: an institution searches the
board and offers a patent; an enterprise's admin edits its profile and accepts a suggestion.
Saves test-artifacts/needs_board.png and test-artifacts/enterprise_profile.png."""

from pathlib import Path

import pytest

from matching.needs import services
from matching.needs.models import EnterpriseProfile, ProfileSuggestion
from matching.pushes.models import Push

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _needs(world) -> None:
    services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], {
        "title": "锂电池低温快充技术", "keywords": ["锂电池", "低温", "快充"], "industry_codes": ["5.2"],
        "description": "需要在零下二十摄氏度环境中实现快速充电的锂离子电池技术,充电效率不低于百分之八十。",
        "ipc_prefixes": ["H01M 10"], "modes": ["licence", "joint_rd"], "budget": "80", "contact_name": "王工",
        "contact_phone": "13900001111"})
    services.create_need(world.user("ent_bj_soe_admin"), world.orgs["ent_bj_soe"], {
        "title": "工业视觉表面缺陷检测", "keywords": ["机器视觉"], "industry_codes": ["1.5"],
        "description": "面向钢板生产线的在线表面缺陷视觉检测系统,检出率达到百分之九十九,单帧小于五十毫秒。",
        "ipc_prefixes": ["G06T 7"], "modes": ["assignment"], "allow_direct_contact": True,
        "contact_name": "李经理", "contact_phone": "13900002222"})


def test_institution_searches_the_board_and_offers(world, sign_in, live_server):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    # The world's pushes (tests/world_matching_pushes.py) already carry the institution's library
    # patent to the enterprise; this test offers it afresh.
    Push.objects.all().delete()
    _needs(world)
    page = sign_in("inst_bj_moe_admin")
    page.goto(f"{live_server.url}/matching/needs/board/")
    assert page.locator("article.pn-card").count() >= 3
    page.get_by_placeholder("搜索需求名称、描述或关键词").fill("快充")
    page.get_by_role("button", name="搜索").click()
    cards = page.locator("#pn-board article")
    expect(cards).to_have_count(1)
    assert "锂电池低温快充技术" in cards.inner_text()
    assert "13900001111" not in page.content()  # no direct contact allowed
    page.goto(f"{live_server.url}/matching/needs/board/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "needs_board.png"), full_page=True)
    page.get_by_role("link", name="锂电池低温快充技术").click()
    page.locator("#pn-offer-form input[type=checkbox]:not([disabled])").first.check()
    page.get_by_role("button", name="推荐给该企业").click()
    expect(page.get_by_text("已向该企业推荐 1 件专利")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "need_detail.png"), full_page=True)
    assert Push.objects.filter(enterprise=world.orgs["ent_gd"], source="offer").count() == 1


def test_enterprise_edits_its_profile(world, sign_in, live_server):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    ProfileSuggestion.objects.create(enterprise=world.orgs["ent_gd"], kind="ipc", value="G06N", evidence=5)
    page = sign_in("ent_gd_admin")
    page.goto(f"{live_server.url}/matching/profile/")
    page.get_by_label("技术领域(IPC)").fill("H01M; G06F 16/30")
    page.get_by_label("许可").check()
    page.get_by_role("button", name="保存画像").click()
    expect(page.get_by_text("已保存企业画像")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "enterprise_profile.png"), full_page=True)
    page.locator("#pn-profile-suggestions li", has_text="G06N").get_by_role("button", name="加入画像").click()
    page.get_by_text("已加入企业画像").wait_for()
    profile = EnterpriseProfile.objects.get(enterprise=world.orgs["ent_gd"])
    assert profile.ipc_prefixes == ["H01M", "G06F 16/30", "G06N"]
