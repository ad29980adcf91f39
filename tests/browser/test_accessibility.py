"""Accessibility in a real browser: axe-core over one page of every route that each kind of user
reaches, with no critical and no serious violation (GB/T 37668-2019, WCAG 2.1 AA).

axe-core comes with the axe-playwright-python test dependency (its bundled axe.min.js is injected
into the page): nothing is fetched from the network. The pages are those tests/crawling.py reaches
from the home page, one URL per route for each kind of user (role, organisation admin or not, in a
department or not), so a page that looks different to an admin is checked as both.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import role_of
from tests.crawling import crawl, route_of
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


def _kind(user) -> tuple:
    return (role_of(user), user.is_org_admin, bool(user.department_id))


def _pages_by_kind(world, client) -> dict[str, list[str]]:
    """For each user of a kind not seen yet: the first URL of each route it reaches."""
    pages: dict[str, list[str]] = {}
    kinds: set[tuple] = set()
    for name, user in world.users.items():
        if not user.is_active or _kind(user) in kinds:
            continue
        kinds.add(_kind(user))
        routes: set[str] = set()
        found = []
        for url in crawl(client, user).pages:
            route = route_of(url)
            if route not in routes:
                routes.add(route)
                found.append(url)
        pages[name] = found
        client.logout()
    return pages


def _blocking(results) -> list[str]:
    return [
        f"{violation['impact']} {violation['id']}: {violation['help']} — {node['html'][:160]}"
        for violation in results.response["violations"] if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


def _signed_in_page(browser, client, live_server, user):
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _upload_preview_with_problems(world) -> str:
    """An institution's upload waiting for its commit, with a changed row and a refused one."""
    patent = world.patents["bj_moe_private"]
    sheet = xlsx_bytes([good_row(patent), good_row(world.patents["bj_moe_library"], 技术成熟度=12)])
    batch = run(world.user("inst_bj_moe_admin"), sheet)
    assert batch.counts["rejected"] == 1 and batch.counts["updated"] + batch.counts["new"] == 1, batch.counts
    return reverse("inventory:upload_detail", args=[batch.pk])


def test_every_page_of_every_role_has_no_serious_violation(world, client, browser, live_server, axe):
    preview = _upload_preview_with_problems(world)
    pages = _pages_by_kind(world, client)
    pages["inst_bj_moe_admin"].append(preview)
    failures: list[str] = []
    checked = 0
    for name, urls in pages.items():
        context, page = _signed_in_page(browser, client, live_server, world.user(name))
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            failures += [f"{name} {url}: {problem}" for problem in _blocking(axe.run(page))]
            checked += 1
        context.close()
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
