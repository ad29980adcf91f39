"""The Content-Security-Policy in a real browser: one page of every route that each kind of user
reaches (the crawl of tests/crawling.py, as in test_accessibility.py), the API's description page and
the anonymous pages raise no policy violation, and the charts still draw under the policy.

A `securitypolicyviolation` listener, added before any page script runs, keeps every violation in
window.__cspViolations; Chromium's console messages about the policy are kept too.
"""

import pytest
from django.urls import reverse

from tests.browser.signed_in import close, pages_by_kind, signed_in_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} at ${where}`);
});
"""
CHARTS = "#pn-ms-chart, #pn-conversion-chart, .pn-chart"


class Watch:
    """The policy's violations and console complaints on one browser page."""

    def __init__(self, context, page) -> None:
        context.add_init_script(LISTENER)
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            self.console.append(message.text)

    def problems(self) -> list[str]:
        found = self.page.evaluate("window.__cspViolations || []") + self.console
        self.console = []
        return found


def _unprotected(response, where: str) -> list[str]:
    """The page came without the strict policy the browser is meant to enforce."""
    policy = response.headers.get("content-security-policy", "")
    if "script-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
        return [f"{where}: Content-Security-Policy {policy!r}"]
    return []


def _hover_charts(page) -> int:
    """Draws are checked (each chart holds a canvas) and each chart is hovered, which opens its tooltip."""
    charts = page.locator(CHARTS)
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.locator("canvas").wait_for()
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(100)
    return charts.count()


def test_control_csp_no_violation_on_any_page_of_any_role(world, client, browser, live_server):
    pages = pages_by_kind(world, client)
    failures: list[str] = []
    checked = charts = 0
    for name, urls in pages.items():
        context, page = signed_in_page(browser, client, live_server, world.user(name))
        watch = Watch(context, page)
        for url in [*urls, reverse("api-docs")]:
            response = page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("load")
            failures += _unprotected(response, f"{name} {url}")
            charts += _hover_charts(page)
            failures += [f"{name} {url}: {problem}" for problem in watch.problems()]
            checked += 1
        close(context)
    assert not failures, "\n".join(failures)
    assert checked > 100, checked
    # The library's two charts at least were drawn and hovered under the policy.
    assert charts >= 2, charts


def test_control_csp_no_violation_on_anonymous_pages(browser, live_server):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    watch = Watch(context, page)
    for url in (reverse("accounts:login"), "/no-such-page/"):
        response = page.goto(f"{live_server.url}{url}")
        assert not _unprotected(response, url)
        assert not watch.problems(), url
    context.close()


def test_the_violation_check_can_fail(browser, live_server):
    """An inline script and a style attribute slipped into a page are reported."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    watch = Watch(context, page)
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
        const holder = document.createElement("div");
        holder.innerHTML = '<p style="color: red">x</p>';
        document.body.append(holder);
    }""")
    page.wait_for_timeout(200)
    problems = watch.problems()
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in problem for problem in problems), problems
    assert any("style-src" in problem for problem in problems), problems
    context.close()


def test_declared_behaviours_replace_the_inline_handlers(world, sign_in, live_server):
    """What onclick/onchange/onsubmit attributes did, static/js/forms.js does from data-* attributes:
    the review queue's box ticks every row, the milestones' choice submits itself, a form asks first."""
    from tests.test_review_queue import _submitted

    admin = world.user("inst_bj_moe_dept_admin")
    _submitted(world, department=admin.department, count=2)
    page = sign_in("inst_bj_moe_dept_admin")
    page.goto(f"{live_server.url}{reverse('inventory:review_queue')}")
    boxes = page.locator("#pn-review-table tbody input[name=ids]:not(:disabled)")
    assert boxes.count() == 2
    page.locator("#pn-review-page").check()
    assert all(boxes.nth(index).is_checked() for index in range(2))
    page.locator("#pn-review-page").uncheck()
    assert not any(boxes.nth(index).is_checked() for index in range(2))

    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.evaluate("""() => {
        const form = document.createElement("form");
        form.action = "/no-such-page/";
        form.setAttribute("data-pn-confirm", "确定吗?");
        form.innerHTML = '<button id="pn-test-submit">go</button>';
        document.querySelector("main").append(form);
    }""")
    address = page.url
    page.locator("#pn-test-submit").click()
    page.wait_for_timeout(300)
    assert questions == ["确定吗?"] and page.url == address

    page.context.clear_cookies()
    page = sign_in("operator")
    page.goto(f"{live_server.url}{reverse('inventory:milestones')}")
    choice = page.locator("select[data-pn-autosubmit]")
    value = choice.locator("option").last.get_attribute("value")
    with page.expect_navigation():
        choice.select_option(value)
    assert f"show={value}" in page.url
