"""Phones (390 px wide): list tables reflow to one card per row with every column in view, and the
resource library's facets fold behind a button so the first patent is on the first screen.
Screenshots go to test-artifacts/screenshots/ (workbench_390.png, library_390.png)."""

import pytest

from .test_library_browser import _catalogue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def _fits_the_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_workbench_rows_become_cards_with_the_status_in_view(world, sign_in, screenshot):
    page = sign_in("inst_bj_moe_admin")
    page.set_viewport_size(PHONE)
    page.goto(page.url.rstrip("/") + "/inventory/patents/")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not page.locator("#pn-wb-table thead").is_visible() or \
        page.locator("#pn-wb-table thead").bounding_box()["height"] <= 1
    first = page.locator("#pn-wb-table tbody tr").first
    status = first.locator("td[data-label='盘点状态']")
    assert status.is_visible() and _fits_the_screen(page, status)
    # Each cell names its column, since the header row is out of sight.
    label = status.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "盘点状态" in label
    # One card per patent: the rows stack, they do not sit side by side.
    boxes = [row.bounding_box() for row in page.locator("#pn-wb-table tbody tr").all()[:2]]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
    screenshot("workbench_390")

    # On a desktop the same list is a table again.
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.locator("#pn-wb-table thead").is_visible()
    assert status.evaluate("cell => getComputedStyle(cell).display") == "table-cell"


def test_other_list_tables_label_their_cells(world, sign_in):
    """Tables that only carry the class get their labels from the header row (static/js/tables.js)."""
    page = sign_in("inst_bj_moe_admin")
    page.set_viewport_size(PHONE)
    page.goto(page.url.rstrip("/") + "/inventory/uploads/")
    cell = page.locator("#pn-batch-list tbody tr").first.locator("td").nth(1)
    assert cell.get_attribute("data-label") == "文件名"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_library_facets_fold_behind_a_button(world, sign_in, screenshot):
    _catalogue(world)
    page = sign_in("ent_gd_admin")
    page.set_viewport_size(PHONE)
    page.goto(page.url.rstrip("/") + "/inventory/library/")

    first = page.locator("article.pn-library-card").first
    assert first.bounding_box()["y"] < PHONE["height"], "the first patent is below the first screen"
    facets = page.locator("#library-facets")
    assert not facets.is_visible()
    screenshot("library_390")

    toggle = page.locator("#library-facets-toggle")
    toggle.click()
    page.locator("a.pn-facet-option", has_text="生物产业").wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"

    # On a desktop the facets are always out, and the button is gone.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    assert page.locator("#library-facets").is_visible()
    assert not page.locator("#library-facets-toggle").is_visible()
