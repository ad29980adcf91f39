"""Feedback to institutions in a real browser: 北京示范大学's admin opens its evaluation feedback,
reads the summary of its library patent and answers 广东专精特新's evaluation with a proposal of
joint development (the enterprise is notified). Saves test-artifacts/evaluation_feedback.png and
test-artifacts/evaluation_feedback_patent.png."""

from pathlib import Path

import pytest

from evaluation.choices import FeedbackAction
from evaluation.feedback.models import FeedbackAnswer
from notifications.models import Notification

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_institution_reads_its_feedback_and_proposes_joint_development(world, sign_in, live_server):
    evaluation = next(item.obj for item in world.extra_objects["evaluation.evaluation"]
                      if item.key == "feedback_ent_gd_on_bj_moe_library")
    library = world.patents["bj_moe_library"]
    page = sign_in("inst_bj_moe_admin")
    page.goto(f"{live_server.url}/evaluation/feedback/")
    card = page.locator(f"#pn-feedback-patent-{library.pk}")
    assert "相对现有技术的优势不明确 1" in card.inner_text()
    assert "feedback 希望补充中试数据和能耗指标" in card.inner_text()
    assert "广东专精特新科技有限公司" not in page.content()  # the enterprise did not agree to be named
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation_feedback.png"), full_page=True)
    card.get_by_role("link", name=library.title).click()
    form = page.locator(f"#pn-evaluation-{evaluation.pk} form")
    form.get_by_label("答复方式").select_option(FeedbackAction.JOINT_RD.value)
    form.get_by_label("说明").fill("欢迎来校共建联合实验室")
    form.get_by_role("button", name="答复").click()
    page.get_by_text("已记录答复").wait_for()
    assert "提议联合研发:欢迎来校共建联合实验室" in page.locator(f"#pn-evaluation-{evaluation.pk}").inner_text()
    page.screenshot(path=str(ARTIFACTS / "evaluation_feedback_patent.png"), full_page=True)
    assert FeedbackAnswer.objects.filter(evaluation=evaluation, action=FeedbackAction.JOINT_RD).count() == 1
    assert Notification.objects.filter(kind="evaluation.joint_rd", recipient=world.user("ent_gd_admin")).exists()
