"""The evaluation journey in a real browser, across the four evaluation areas:

1. 北京's provincial office organises an evaluation round for a library patent of 北京示范大学 and
   draws one expert at random (the world's expert is made the only qualified one);
2. the expert declares no conflict of interest (nothing of the patent shows before), fills every
   indicator of the form, sees the dimensions and the overall value computed, and submits;
3. an enterprise (北京中央企业) evaluates the same patent itself: no cooperation, with a coded reason;
4. the institution sees both evaluations in its feedback and answers the enterprise's with a plan
   to improve.

Screenshots: test-artifacts/evaluation-journey-1-round.png … -5-institution.png."""

import datetime as dt
from pathlib import Path

import pytest

from evaluation.assessments.models import Evaluation
from evaluation.choices import AssignmentStatus, EvaluationStatus, ExpertStatus, FeedbackAction
from evaluation.experts.models import Expert
from evaluation.feedback.models import FeedbackAnswer
from evaluation.indicators.models import Indicator, IndicatorSystem
from evaluation.rounds.models import Assignment, EvaluationRound

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _only_the_world_expert_qualifies(world, patent) -> Expert:
    """The world's expert covers the patent's IPC subclass; every other approved expert is taken out
    of the library, so that the random draw of one expert has one candidate."""
    expert = Expert.objects.get(user=world.user("expert"))
    Expert.objects.exclude(pk=expert.pk).filter(status=ExpertStatus.APPROVED).update(status=ExpertStatus.REJECTED)
    subclass = patent.main_ipc.replace(" ", "")[:4]
    expert.ipc_prefixes = [subclass]
    expert.save(update_fields=["ipc_prefixes"])
    expert.unavailabilities.all().delete()
    return expert


def test_round_expert_enterprise_and_institution(world, browser, live_server, password):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    ARTIFACTS.mkdir(exist_ok=True)
    patent = world.patents["bj_moe_library"]
    expert = _only_the_world_expert_qualifies(world, patent)

    def signed_in(username):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        return context, page

    # 1. The province organises the round and draws the expert.
    context, page = signed_in("prov_bj_admin")
    page.goto(f"{live_server.url}/evaluation/rounds/new/")
    page.get_by_label("名称").fill("北京高校存量专利专家评价(第一批)")
    page.get_by_label("截止日期").fill(str(dt.date.today() + dt.timedelta(days=14)))
    page.get_by_label("每件专利专家数").fill("1")
    page.locator("#pn-round-numbers").fill(patent.application_number)
    page.get_by_role("button", name="创建评价轮次").click()
    page.get_by_text("已创建评价轮次").wait_for()
    page.locator("#pn-round-draw").click()
    page.get_by_text("已随机抽取专家").wait_for()
    round_ = EvaluationRound.objects.get(title="北京高校存量专利专家评价(第一批)")
    assignment = Assignment.objects.get(round=round_)
    assert assignment.expert_id == expert.pk and assignment.status == AssignmentStatus.ASSIGNED
    assert round_.draws.get().drawn == [expert.pk]
    page.screenshot(path=str(ARTIFACTS / "evaluation-journey-1-round.png"), full_page=True)
    context.close()

    # 2. The expert declares no conflict, then evaluates.
    context, page = signed_in("expert")
    page.goto(f"{live_server.url}/evaluation/tasks/{assignment.pk}/")
    assert patent.title not in page.content()  # nothing of the patent before the declaration
    page.get_by_label("本人承诺与该评价任务不存在利益冲突").check()
    page.locator("#pn-declare").click()
    page.get_by_text(patent.title).first.wait_for()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED and assignment.declared_at is not None
    page.goto(f"{live_server.url}/evaluation/mine/")
    page.locator("#pn-assignments li", has_text=round_.title).get_by_role("button", name="开始评价").click()
    page.wait_for_url("**/edit/")
    system = IndicatorSystem.objects.current()
    scores = {"legal": "6", "technical": "9", "economic": "7"}
    for indicator in Indicator.objects.filter(dimension__system=system).select_related("dimension"):
        page.locator(f"#pn-score-{indicator.pk}").fill(scores[indicator.dimension.code])
    page.get_by_label("综合意见").fill("技术先进,建议以许可方式转化")
    page.get_by_label("综合意见").blur()
    # 0.3 × 60 + 0.4 × 90 + 0.3 × 70 = 75.00
    page.locator("#pn-overall", has_text="75.00").wait_for()
    page.screenshot(path=str(ARTIFACTS / "evaluation-journey-2-expert.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("评价已提交").wait_for()
    by_expert = Evaluation.objects.get(round=round_, expert=expert)
    assert by_expert.status == EvaluationStatus.SUBMITTED and str(by_expert.overall) == "75.00"
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    context.close()

    # 3. An enterprise evaluates the same library patent: no cooperation, with a coded reason.
    context, page = signed_in("ent_bj_soe_admin")
    page.goto(f"{live_server.url}/evaluation/patents/{patent.pk}/evaluate/")
    page.get_by_role("button", name="开始评价").click()
    page.wait_for_url("**/edit/")
    page.get_by_label("一般").check()
    page.get_by_label("技术改进需求").fill("希望提供中试数据和量产成本测算")
    page.get_by_label("暂无", exact=True).check()
    page.get_by_label("市场化路径不清晰").check()
    page.screenshot(path=str(ARTIFACTS / "evaluation-journey-3-enterprise.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("评价已提交").wait_for()
    by_enterprise = Evaluation.objects.get(enterprise=world.orgs["ent_bj_soe"], patent=patent,
                                           status=EvaluationStatus.SUBMITTED)
    assert by_enterprise.reasons == ["market_unclear"] and by_enterprise.cooperation_modes == []
    context.close()

    # 4. The institution sees both in its feedback and answers the enterprise's.
    context, page = signed_in("inst_bj_moe_admin")
    page.goto(f"{live_server.url}/evaluation/feedback/")
    card = page.locator(f"#pn-feedback-patent-{patent.pk}")
    assert "市场化路径不清晰 1" in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "evaluation-journey-4-feedback.png"), full_page=True)
    card.get_by_role("link", name=patent.title).click()
    # The click only starts the navigation: wait for the patent's page before reading it.
    page.wait_for_url(f"**/evaluation/feedback/patents/{patent.pk}/")
    expect(page.locator(f"#pn-evaluation-{by_expert.pk}")).to_have_count(1)
    assert "技术先进,建议以许可方式转化" in page.locator(f"#pn-evaluation-{by_expert.pk}").inner_text()
    form = page.locator(f"#pn-evaluation-{by_enterprise.pk} form")
    form.get_by_label("答复方式").select_option(FeedbackAction.IMPROVE.value)
    form.get_by_label("说明").fill("三个月内补充中试数据")
    form.get_by_role("button", name="答复").click()
    page.get_by_text("已记录答复").wait_for()
    page.screenshot(path=str(ARTIFACTS / "evaluation-journey-5-institution.png"), full_page=True)
    assert FeedbackAnswer.objects.filter(evaluation=by_enterprise, action=FeedbackAction.IMPROVE).count() == 1
    context.close()
