"""Accessibility in a real browser: axe-core over one page of every route that each kind of user
reaches, with no critical and no serious violation (GB/T 37668-2019, WCAG 2.1 AA).

axe-core comes with the axe-playwright-python test dependency (its bundled axe.min.js is injected
into the page): nothing is fetched from the network. The pages are those tests/crawling.py reaches
from the home page, one URL per route for each kind of user (role, organisation admin or not, in a
department or not), so a page that looks different to an admin is checked as both.
"""

import pytest
from django.urls import reverse

from tests.browser.signed_in import close, pages_by_kind, signed_in_page
from tests.test_inventory_upload import good_row, run, xlsx_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLOCKING = {"critical", "serious"}


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:
        pytest.skip(f"the accessibility test needs the axe-playwright-python package: {exc}")
    return Axe()


def _blocking(results) -> list[str]:
    return [
        f"{violation['impact']} {violation['id']}: {violation['help']} — {node['html'][:160]}"
        for violation in results.response["violations"] if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


def _upload_preview_with_problems(world) -> str:
    """An institution's upload waiting for its commit, with a changed row and a refused one."""
    patent = world.patents["bj_moe_private"]
    sheet = xlsx_bytes([good_row(patent), good_row(world.patents["bj_moe_library"], 技术成熟度=12)])
    batch = run(world.user("inst_bj_moe_admin"), sheet)
    assert batch.counts["rejected"] == 1 and batch.counts["updated"] + batch.counts["new"] == 1, batch.counts
    return reverse("inventory:upload_detail", args=[batch.pk])


def test_every_page_of_every_role_has_no_serious_violation(world, client, browser, live_server, axe):
    preview = _upload_preview_with_problems(world)
    pages = pages_by_kind(world, client)
    pages["inst_bj_moe_admin"].append(preview)
    failures: list[str] = []
    checked = 0
    for name, urls in pages.items():
        context, page = signed_in_page(browser, client, live_server, world.user(name))
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            failures += [f"{name} {url}: {problem}" for problem in _blocking(axe.run(page))]
            checked += 1
        close(context)
    assert not failures, "\n".join(failures)
    # The crawl reached the working pages of every role, not only the home pages.
    assert checked > 100, checked


def test_the_check_can_fail(page, live_server, axe):
    """A page with an unlabelled field and illegible text is reported (the check is not blind)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("""() => {
        const input = document.createElement('input');
        document.querySelector('main').append(input);
        const faint = document.createElement('p');
        faint.textContent = '几乎看不见的文字';
        faint.style.color = '#eeeeee';
        document.querySelector('main').append(faint);
    }""")
    problems = _blocking(axe.run(page))
    assert any("label" in problem for problem in problems), problems
    assert any("color-contrast" in problem for problem in problems), problems
