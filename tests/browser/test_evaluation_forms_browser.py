"""The evaluation forms in a real browser: an enterprise fills its evaluation of a pushed patent
with a coded reason, sees the draft saved automatically and submits it; an expert fills the
indicator form and sees the dimension scores and the overall value computed. Saves
test-artifacts/evaluation_enterprise_form.png and test-artifacts/evaluation_expert_form.png."""

from pathlib import Path

import pytest

from evaluation.assessments.models import Evaluation
from evaluation.choices import EvaluationStatus
from evaluation.indicators.models import Indicator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_enterprise_fills_autosaves_and_submits(world, sign_in, live_server):
    page = sign_in("ent_gd_admin")
    page.goto(f"{live_server.url}/evaluation/mine/")
    page.locator("#pn-pending-pushes li", has_text="gd_library").get_by_role("link", name="评价").click()
    page.get_by_role("button", name="开始评价").click()
    page.wait_for_url("**/edit/")
    page.get_by_label("较差").check()
    page.get_by_label("技术改进需求").fill("需要降低量产成本")
    page.get_by_label("暂无", exact=True).check()
    page.get_by_label("其他", exact=True).check()
    page.get_by_label("其他原因说明").fill("需要先做中试验证")
    with page.expect_response(lambda response: "/draft/" in response.url):
        page.get_by_label("其他原因说明").blur()
    page.locator("#pn-draft-status", has_text="草稿已自动保存").wait_for()
    evaluation = Evaluation.objects.get(enterprise=world.orgs["ent_gd"], patent=world.patents["gd_library"],
                                        status=EvaluationStatus.DRAFT)
    assert (evaluation.prospect, evaluation.reasons, evaluation.reason_other) == ("poor", ["other"], "需要先做中试验证")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation_enterprise_form.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("评价已提交").wait_for()
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED
    assert "需要先做中试验证" in page.locator("#pn-reasons-shown").inner_text()


def test_expert_sees_dimension_scores_and_overall(world, sign_in, live_server):
    draft = world.evaluations["forms_expert_draft"]
    page = sign_in("expert")
    page.goto(f"{live_server.url}/evaluation/mine/")
    page.get_by_role("link", name="继续填写").click()
    page.wait_for_url(f"**/evaluations/{draft.pk}/edit/")
    technical = Indicator.objects.filter(dimension__system=draft.system, dimension__code="technical")
    economic = Indicator.objects.filter(dimension__system=draft.system, dimension__code="economic")
    for indicator in technical:
        page.locator(f"#pn-score-{indicator.pk}").fill("8")
    for indicator, score in zip(economic.order_by("position"), ["10", "8", "6", "4", "2"], strict=True):
        page.locator(f"#pn-score-{indicator.pk}").fill(score)
    page.get_by_label("综合意见").fill("技术先进,建议许可实施")
    page.get_by_label("综合意见").blur()
    # The world's draft scored every legal indicator 7: 0.3×70 + 0.4×80 + 0.3×60 = 71.00.
    page.locator("#pn-overall", has_text="71.00").wait_for()
    assert "80.00" in page.locator("#pn-computation tr[data-dimension=technical]").inner_text()
    assert "60.00" in page.locator("#pn-computation tr[data-dimension=economic]").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation_expert_form.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("评价已提交").wait_for()
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.SUBMITTED and str(draft.overall) == "71.00"
