"""The expert library in a real browser: a province's office recommends an expert in the form, the
platform's operator approves it from the review queue and reads the one-time password, and the
province finds the expert in the library. Saves test-artifacts/expert_recommend.png,
test-artifacts/expert_review.png and test-artifacts/expert_library.png."""

from pathlib import Path

import pytest

from evaluation.choices import ExpertStatus
from evaluation.experts.models import Expert

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_province_recommends_and_the_platform_approves(world, sign_in, live_server):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    page = sign_in("prov_gd_admin")
    page.goto(f"{live_server.url}/evaluation/experts/recommendations/new/")
    page.get_by_label("姓名").fill("陈智能")
    page.get_by_label("工作单位", exact=True).fill("广东专精特新科技有限公司")
    page.get_by_label("工作单位统一社会信用代码").fill("91350100M000100Y43")
    page.get_by_label("职称").fill("高级工程师")
    page.get_by_label("所属产业").select_option(["1.5"])
    page.get_by_label("专业领域(IPC)").fill("G06N; G06V 10")
    page.get_by_label("手机").fill("13800138000")
    page.get_by_label("邮箱").fill("chen@example.com")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "expert_recommend.png"), full_page=True)
    page.get_by_role("button", name="提交推荐").click()
    expect(page.get_by_text("已推荐专家 陈智能,等待平台审核")).to_be_visible()
    expect(page.locator("#pn-recommendations tr", has_text="陈智能").get_by_text("待审核")).to_be_visible()

    page.context.clear_cookies()
    page = sign_in("operator")
    page.goto(f"{live_server.url}/evaluation/experts/review/")
    row = page.locator("#pn-expert-review tr", has_text="陈智能")
    expect(row.get_by_text("平台机构")).to_be_visible()  # matched to 广东专精特新 by its credit code
    page.screenshot(path=str(ARTIFACTS / "expert_review.png"), full_page=True)
    row.get_by_role("button", name="通过并创建账号").click()
    expect(page.get_by_text("专家已入库,账号已创建")).to_be_visible()
    assert page.locator("#pn-one-time-password").inner_text().strip()
    expert = Expert.objects.get(phone="13800138000")
    assert expert.status == ExpertStatus.APPROVED and expert.user.must_change_password

    page.context.clear_cookies()
    page = sign_in("prov_bj_admin")
    page.goto(f"{live_server.url}/evaluation/experts/?ipc=G06N+3")
    table = page.locator("#pn-experts")
    assert "陈智能" in table.inner_text() and "138****8000" in table.inner_text()
    assert "13800138000" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "expert_library.png"), full_page=True)
