"""The review queue in a real browser: a department admin reads what changed since the last review
on each row, moves with j, opens a record beside the queue with Enter, approves it there (htmx),
and the panel moves on to the next record; typing a return reason does not move the queue.

Screenshots go to test-artifacts/screenshots/review*.png for a human to look at.
"""

import re

import pytest

from inventory.choices import Intent, ReviewState
from inventory.models import InventoryRecord
from inventory.records import review, update_assessment
from tests.browser.navigation import follow_nav

from ..test_review_queue import _submitted

CURRENT = re.compile(r"\bpn-review-current\b")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_department_admin_reviews_beside_the_queue(world, sign_in, screenshot):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips

    admin = world.user("inst_bj_moe_dept_admin")
    first, second, third = _submitted(world, department=admin.department, count=3)
    # The first was returned once, then its intents were corrected.
    review.return_(admin, [first.pk], "请补充转化意愿")
    first.refresh_from_db()
    update_assessment(actor=world.user("inst_bj_moe_member"), record=first,
                      values={"intents": [Intent.EQUITY, Intent.SELF]})

    page = sign_in("inst_bj_moe_dept_admin")
    follow_nav(page, "审核")
    page.wait_for_url("**/inventory/review/")
    row = page.locator(f"#review-{first.pk}")
    change = row.locator(".pn-review-change[data-field=intents]")
    expect(change).to_contain_text("转化意愿")
    expect(change.locator(".pn-review-old")).to_have_text("转让")
    expect(change.locator(".pn-review-new")).to_have_text("作价入股、自行实施")
    expect(row.get_by_role("link", name=first.patent.title)).to_have_attribute(
        "href", f"/inventory/patents/{first.patent_id}/")
    screenshot("review_queue")

    # j moves to the first row, Enter opens it beside the queue.
    page.keyboard.press("j")
    expect(row).to_have_class(CURRENT)
    page.keyboard.press("Enter")
    panel = page.locator("#pn-review-panel")
    expect(panel.locator(".pn-review-record")).to_have_attribute("data-record", str(first.pk))
    expect(panel.get_by_role("heading", name=first.patent.title)).to_be_focused()
    expect(panel.locator("dd[data-field=intents]")).to_have_text("作价入股、自行实施")
    screenshot("review_panel")

    # Typing a reason does not move the queue.
    panel.get_by_label("退回原因").fill("jk")
    panel.get_by_label("退回原因").press("j")
    expect(page.locator(f"#review-{first.pk}")).to_have_class(CURRENT)
    panel.get_by_label("退回原因").fill("")

    # Approve from the panel: the row says so, the panel moves on to the next record.
    panel.get_by_role("button", name="审核通过").click()
    expect(panel.locator(".pn-review-record")).to_have_attribute("data-record", str(second.pk))
    expect(page.locator(f"#review-{first.pk}")).to_contain_text("待学校审核")
    expect(page.locator(f"#review-{second.pk}")).to_have_class(CURRENT)
    expect(page.locator("#pn-review-status")).to_contain_text(f"{first.patent.application_number} 已审核通过")
    assert InventoryRecord.objects.get(pk=first.pk).review_state == ReviewState.DEPARTMENT_REVIEWED
    assert InventoryRecord.objects.get(pk=second.pk).review_state == ReviewState.SUBMITTED

    # k goes back up, Esc closes the panel.
    page.keyboard.press("k")
    expect(page.locator(f"#review-{first.pk}")).to_have_class(re.compile(r"pn-review-done.*pn-review-current"))
    expect(panel.locator(".pn-review-record")).to_have_attribute("data-record", str(first.pk))
    page.keyboard.press("Escape")
    expect(panel.locator(".pn-review-record")).to_have_count(0)
    assert InventoryRecord.objects.get(pk=third.pk).review_state == ReviewState.SUBMITTED
