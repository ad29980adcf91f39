"""The inventory workbench in a real browser: an institution's staff member filters the list,
ticks patents (with the mouse and with the keyboard), applies a bulk action, opens a patent and
edits its assessment in place (htmx), including a rule the edit breaks; the database shows the tags.

Screenshots go to test-artifacts/screenshots/workbench*.png for a human to look at.
"""

import re

import pytest

from inventory.choices import Prospect, Screening
from inventory.models import InventoryChange, InventoryRecord
from tests.browser.navigation import follow_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _row(page, patent):
    return page.locator("#pn-wb-table tbody tr").filter(has_text=patent.application_number)


def test_institution_tags_patents_through_the_workbench(world, sign_in, screenshot):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips

    private, co_owned = world.patents["bj_moe_private"], world.patents["co_owned"]
    page = sign_in("inst_bj_moe_admin")
    follow_nav(page, "专利")
    page.wait_for_url("**/inventory/patents/")

    # Filter: the patents still to inventory.
    page.select_option("#f-status", "pending")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r".*status=pending.*"))
    assert page.locator("#pn-wb-count").inner_text().startswith("符合筛选条件")
    assert _row(page, private).count() == 1 and _row(page, co_owned).count() == 1
    assert _row(page, world.patents["bj_moe_library"]).count() == 0  # inventoried: filtered out

    # Tick one with the mouse, the other with the keyboard (j moves, x ticks).
    _row(page, private).locator(".pn-wb-check").check()
    rows = page.locator("#pn-wb-table tbody tr")
    index = next(i for i in range(rows.count()) if co_owned.application_number in rows.nth(i).inner_text())
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(index + 1):
        page.keyboard.press("j")
    page.keyboard.press("x")
    assert _row(page, co_owned).locator(".pn-wb-check").is_checked()
    assert "(2)" in page.locator("#pn-wb-scope-selected").inner_text()

    # Bulk action: screen the two into the library with an intent of transfer.
    page.select_option("#bulk-action", "screen_in")
    page.locator("#bulk-intent-transfer").check()
    assert not page.locator("#bulk-prospect").is_visible()  # only the value the action needs
    screenshot("workbench")
    page.get_by_role("button", name="执行").click()
    page.wait_for_url(re.compile(r".*status=pending.*"))
    assert page.locator(".alert-success").filter(has_text="更新 2 件").is_visible()
    for patent in (private, co_owned):
        record = InventoryRecord.objects.get(patent=patent)
        # Screened in, but not listed yet: the record is incomplete, so it stays a draft until
        # its required fields are filled and it is approved (an edit never approves).
        assert record.screening == Screening.IN and record.intents == ["transfer"] and not record.in_library
        assert InventoryChange.objects.filter(record=record, source=InventoryChange.Source.BULK).exists()

    # Open a patent and edit its assessment in place.
    page.goto(page.url.split("/inventory/")[0] + f"/inventory/patents/{private.pk}/")
    assert page.get_by_role("heading", name=private.title).is_visible()
    group = page.locator("#group-assessment")
    group.get_by_role("button", name="编辑").click()
    page.select_option("#id_assessment-maturity", "6")
    page.select_option("#id_assessment-prospect", "good")
    # The listing rule is shown where the scenarios are typed, and counts as the user types.
    help_text = page.locator("#id_assessment-scenarios_helptext")
    assert "不少于 20 字" in help_text.inner_text()
    assert page.get_attribute("#id_assessment-scenarios", "aria-describedby") == "id_assessment-scenarios_helptext"
    page.fill("#id_assessment-scenarios", "用于安防监控")
    assert "还差 14 字" in help_text.inner_text()
    page.fill("#id_assessment-scenarios", "用于安防监控与工业质检的图像识别,可在边缘设备上实时运行")
    assert "符合要求" in help_text.inner_text()
    group.get_by_role("button", name="保存").click()
    page.locator("#group-assessment [data-field=maturity]").filter(has_text="6 相关环境系统样机演示").wait_for()
    page.locator("#pn-wb-history").filter(has_text="技术成熟度").wait_for()
    record = InventoryRecord.objects.get(patent=private)
    assert record.maturity == 6 and record.prospect == Prospect.GOOD and record.scenarios.startswith("用于安防")
    # The listing-quality box follows: maturity and scenarios are no longer missing.
    expect(page.locator("#pn-wb-listing")).not_to_contain_text("技术成熟度")
    expect(page.locator("#pn-wb-listing")).to_contain_text(f"{record.listing_score}/100")

    # A rule the edit breaks is shown inline and nothing is saved: 许可 needs a licence type.
    conversion = page.locator("#group-conversion")
    conversion.get_by_role("button", name="编辑").click()
    page.locator("#group-conversion input[value=license]").check()
    conversion.get_by_role("button", name="保存").click()
    page.locator("#group-conversion .invalid-feedback").filter(has_text="许可方式").wait_for()
    assert InventoryRecord.objects.get(patent=private).intents == ["transfer"]
    page.select_option("#id_conversion-license_type", "ordinary")
    conversion.get_by_role("button", name="保存").click()
    page.locator("#group-conversion [data-field=license_type]").filter(has_text="普通许可").wait_for()
    record = InventoryRecord.objects.get(patent=private)
    assert record.intents == ["transfer", "license"] and record.license_type == "ordinary"
    screenshot("workbench_patent")

    # The page answers the keyboard too: e opens the first group's editor.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("e")
    page.locator("#group-conversion form").wait_for()


def test_workbench_empty_filter_and_read_only_role(world, sign_in, screenshot, live_server):
    page = sign_in("moe_admin")
    page.goto(f"{live_server.url}/inventory/patents/?maturity=9&intent=equity")
    assert page.get_by_text("没有符合筛选条件的专利。").is_visible()
    assert page.locator("#pn-wb-bulk-form").count() == 0  # a ministry reads, it does not tag
    screenshot("workbench_empty")
    page.goto(f"{live_server.url}/inventory/patents/")
    assert _row(page, world.patents["bj_moe_private"]).count() == 1
    assert page.locator(".pn-wb-check").count() == 0
