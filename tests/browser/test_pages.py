"""The page shell in a real browser: every role's home page, the patent list, language switching,
logout, the forced password change, the lockout page, and that nothing is loaded from outside.

Screenshots go to test-artifacts/screenshots/ (git-ignored) for a human to look at.
"""

from urllib.parse import urljoin, urlsplit

import pytest
from captcha.models import CaptchaStore
from django.conf import settings

from tests.browser.navigation import follow_nav

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; the reference data (provinces, ministries) comes from a data
    # migration, so it is serialised once and restored for each test instead of being flushed away.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VENDORED = [
    "vendor/bootstrap-5.3.8/css/bootstrap.min.css",
    "vendor/bootstrap-5.3.8/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons-1.13.2/bootstrap-icons.min.css",
    "vendor/bootstrap-icons-1.13.2/fonts/bootstrap-icons.woff2",
    "vendor/bootstrap-icons-1.13.2/fonts/bootstrap-icons.woff",
    "vendor/htmx.org-2.0.11/htmx.min.js",
    "vendor/echarts-5.6.0/echarts.min.js",
    "css/patentnavi.css",
]

# What each role must find on its home page: the label of its first card.
ROLE_CARDS = {
    "operator": "进度滞后的单位",
    "sysadmin": "用户管理",
    "auditor": "审计日志",
    "moe_admin": "进度滞后的单位",
    "prov_gd_admin": "待审核企业",
    "inst_bj_moe_admin": "待盘点专利",
    "ent_gd_admin": "转化资源库专利",
    "expert": "评价任务",
}


def _html_lang(page) -> str:
    return page.eval_on_selector("html", "el => el.lang")


def _foreign_references(page, origin: str) -> list[str]:
    """Every src/href/action on the page that does not resolve to `origin`."""
    values = page.eval_on_selector_all(
        "[src], [href], [action]",
        "els => els.flatMap(el => ['src', 'href', 'action'].map(a => el.getAttribute(a)).filter(v => v !== null))",
    )
    foreign = []
    for value in values:
        resolved = urlsplit(urljoin(page.url, value))
        if resolved.scheme == "data":
            continue
        if resolved.scheme not in ("http", "https") or resolved.netloc != origin:
            foreign.append(value)
    return foreign


@pytest.mark.parametrize("username", list(ROLE_CARDS))
def test_home_page_per_role(world, sign_in, screenshot, username):
    user = world.user(username)
    page = sign_in(username)

    assert page.get_by_role("heading", name="工作台").is_visible()
    assert page.get_by_role("heading", name=ROLE_CARDS[username]).is_visible()
    assert page.locator(".pn-user-name").inner_text().strip() == user.get_full_name()
    # The active navigation entry is the home page itself.
    assert page.locator(".pn-navbar .nav-link.active").inner_text().strip() == "工作台"
    screenshot(username)

    # The user menu names the organisation and the role.
    page.locator("#pn-user-toggle").click()
    menu = page.locator(".pn-user-menu")
    if user.organization:
        assert user.organization.name in menu.inner_text()
    assert menu.get_by_role("button", name="退出").is_visible()


def test_home_cards_hold_scoped_numbers(world, sign_in):
    # 北京示范大学 leads three valid patents: two awaiting inventory, one in the library.
    page = sign_in("inst_bj_moe_admin")
    card = page.locator(".pn-card").filter(has_text="待盘点专利")
    assert card.locator(".pn-card-value").inner_text() == "2"
    assert "盘点范围内共 3 件有效专利,已盘点 1 件" in card.inner_text()
    # Its link opens the list of exactly those two.
    card.get_by_role("link", name="开始盘点").click()
    page.wait_for_url("**/inventory/patents/?scope=inventory&status=pending")
    assert page.locator("#pn-wb-count").get_attribute("data-total") == "2"


def test_province_card_counts_pending_enterprises(world, sign_in):
    page = sign_in("prov_gd_admin")
    card = page.locator(".pn-card").filter(has_text="待审核企业")
    assert card.locator(".pn-card-value").inner_text() == "1"


def test_expert_card_counts_the_open_assignments(world, sign_in):
    from evaluation.rounds.models import Assignment
    from evaluation.rounds.services import OPEN

    page = sign_in("expert")
    expected = Assignment.objects.filter(expert__user=world.user("expert"), status__in=OPEN).count()
    assert expected and page.locator(".pn-card-value").inner_text().strip() == str(expected)


def test_login_page(page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.title().startswith("登录")
    assert page.get_by_role("heading", name="用户登录").is_visible()
    assert page.get_by_text("连续多次登录失败后账号将被暂时锁定").is_visible()
    assert page.get_by_role("link", name="企业注册").count() == 1
    screenshot("login")


def test_wrong_password_is_reported(world, page, live_server):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("operator")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-danger").filter(has_text="用户名或密码错误")).to_be_visible()


def test_patent_list(world, sign_in, screenshot):
    page = sign_in("inst_bj_moe_admin")
    follow_nav(page, "专利")
    page.wait_for_url("**/inventory/patents/")

    headers = [h.strip() for h in page.locator("table thead th").all_inner_texts()]
    assert headers == ["申请号", "专利名称", "类型", "授权公告日", "盘点状态"]
    # Its own two patents and the co-owned one it leads; nothing of other institutions.
    titles = page.locator("table tbody td:nth-child(2)").all_inner_texts()
    assert sorted(t.split()[0] for t in titles) == ["bj_moe_library", "bj_moe_private", "co_owned"]
    # The page's menu and its entry in it are marked: the institution's 21 entries are gathered in
    # one menu per stage of the work.
    assert page.locator(".pn-navbar .nav-link.active").inner_text().strip() == "专利与盘点"
    assert page.locator("#pn-nav .dropdown-item.active[aria-current=page]").text_content().strip() == "专利"
    screenshot("patent_list")


def test_patent_list_on_a_phone(world, sign_in, screenshot):
    page = sign_in("operator")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url.rstrip("/") + "/inventory/patents/")
    # The table scrolls inside its wrapper; the page itself must not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".navbar-toggler").is_visible()
    screenshot("patent_list_phone")


@pytest.mark.parametrize("path", ["/accounts/login/", "/"])
def test_pages_reference_no_external_host(world, page, live_server, sign_in, path):
    origin = urlsplit(live_server.url).netloc
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    if path == "/":
        sign_in("inst_bj_moe_admin")
    else:
        page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")

    assert _foreign_references(page, origin) == []
    # Also what the page actually fetched, which catches url() inside the stylesheets (icon fonts).
    assert [url for url in requested if urlsplit(url).netloc != origin and not url.startswith("data:")] == []


def test_vendored_assets_are_served(page, live_server):
    for path in VENDORED:
        response = page.request.get(f"{live_server.url}{settings.STATIC_URL}{path}")
        assert response.status == 200, path
        assert len(response.body()) > 0, path


def test_login_page_loads_its_assets(page, live_server):
    statuses = {}
    page.on("response", lambda response: statuses.__setitem__(response.url, response.status))
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")
    static = {url: status for url, status in statuses.items() if "/static/" in url}
    assert static, "the login page loaded no static file"
    assert all(status == 200 for status in static.values()), static
    # The icon font is pulled in through CSS; it must load too, from here.
    assert any("bootstrap-icons.woff" in url for url in static), sorted(static)
    # htmx sends the CSRF token with every request it makes.
    assert "X-CSRFToken" in page.get_attribute("body", "hx-headers")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap") == "object"
    # ECharts is heavy and loaded only by pages that draw charts.
    assert page.evaluate("typeof window.echarts") == "undefined"


def test_language_switch_to_english(world, page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert _html_lang(page) == "zh-hans"
    page.locator("#pn-language-toggle").click()
    with page.expect_navigation():
        page.locator("#pn-language-form").get_by_role("button", name="English").click()
    assert _html_lang(page) == "en"
    assert page.url.endswith("/accounts/login/")
    screenshot("login_en")

    page.locator("#pn-language-toggle").click()
    with page.expect_navigation():
        page.locator("#pn-language-form").get_by_role("button", name="简体中文").click()
    assert _html_lang(page) == "zh-hans"


def test_logout_is_a_post(world, sign_in, live_server, screenshot):
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    page = sign_in("ent_gd_admin")
    page.locator("#pn-user-toggle").click()
    expect(page.locator(".pn-user-menu").get_by_text("修改密码")).to_be_visible()
    screenshot("user_menu")
    with page.expect_navigation():
        page.locator(".pn-user-menu").get_by_role("button", name="退出").click()
    assert urlsplit(page.url).path == "/accounts/login/"
    page.goto(f"{live_server.url}/")
    assert urlsplit(page.url).path == "/accounts/login/"


def test_forced_password_change(world, live_server, sign_in, screenshot, password):
    user = world.user("inst_bj_moe_member")
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])

    page = sign_in("inst_bj_moe_member", expect_path="/accounts/password/")
    assert page.locator("#pn-forced-change").is_visible()
    assert page.get_by_text("至少 8 个字符").is_visible()
    screenshot("password_change")

    inputs = page.locator("form[method=post] input[type=password]")
    inputs.nth(0).fill(password)
    inputs.nth(1).fill("Nw-Strong#2025")
    inputs.nth(2).fill("Nw-Strong#2025")
    page.get_by_role("button", name="修改密码").last.click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".alert-success").filter(has_text="密码已修改").is_visible()


def test_lockout_page(world, page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("用户名").fill("ent_gd_admin")
        page.get_by_label("密码").fill("wrong-password")
        if page.locator("#pn-login-captcha").count():
            # From the third failure the form asks for its captcha: read the answer the server keeps.
            key = page.locator('input[name="captcha_0"]').get_attribute("value")
            page.get_by_label("图片验证码").fill(CaptchaStore.objects.get(hashkey=key).response)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        if page.get_by_role("heading", name="账号已被暂时锁定").count():
            break
    assert page.get_by_role("heading", name="账号已被暂时锁定").is_visible()
    assert f"登录连续失败 {settings.AXES_FAILURE_LIMIT} 次" in page.inner_text("main")
    screenshot("locked_out")


def test_error_pages(world, sign_in, page, live_server, screenshot):
    """A role refused a page, and a page that does not exist: the site's layout, in Chinese, with the way on."""
    from django.test import RequestFactory

    from ground.errors import server_error

    sign_in("auditor")
    response = page.goto(f"{live_server.url}/inventory/search/")
    assert response.status == 403
    assert page.get_by_role("heading", name="无权访问此页面").is_visible()
    assert page.get_by_role("navigation", name="主导航").is_visible()
    assert page.get_by_role("link", name="返回首页").is_visible()
    screenshot("error_403")
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404 and page.get_by_role("heading", name="页面不存在").is_visible()
    screenshot("error_404")
    # The 500 page as the server writes it, shown at the site's address so that its styles load.
    page.set_content(server_error(RequestFactory().get("/")).content.decode())
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="服务器内部错误").is_visible()
    screenshot("error_500")


def test_control_login_captcha_is_drawn_locally_after_failures(world, page, live_server, password, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert not page.locator("#pn-login-captcha").count()
    for attempt in range(settings.LOGIN_CAPTCHA_AFTER):
        page.get_by_label("用户名").fill("ent_gd_admin")
        page.get_by_label("密码").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
    # The page after the last failure asks for the captcha; its image is drawn by the server itself.
    image = page.get_by_role("img", name="验证码图片")
    assert image.is_visible()
    assert image.get_attribute("src").startswith("/captcha/image/")
    assert page.evaluate("document.querySelector('.pn-captcha-image').naturalWidth") > 0
    screenshot("login_captcha")
    key = page.locator('input[name="captcha_0"]').get_attribute("value")
    page.get_by_label("用户名").fill("ent_gd_admin")
    page.get_by_label("密码").fill(password)
    page.get_by_label("图片验证码").fill(CaptchaStore.objects.get(hashkey=key).response)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_province_office_finds_its_work_in_menus_on_one_row(world, sign_in, live_server, screenshot):
    """The province office's 26 entries are gathered in one menu per stage: the top bar keeps one
    row on a laptop's screen (six rows before), and a menu opens on its entries."""
    from playwright.sync_api import expect  # here: without playwright the browser fixture skips
    page = sign_in("prov_bj_admin")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot("nav_top_bar_province")
    tops = {round(box["y"]) for box in (item.bounding_box() for item in page.locator("#pn-nav .nav-item").all())}
    assert max(tops) - min(tops) < 10, tops  # every item of the top bar on one row
    page.locator("#pn-nav-reporting").click()
    menu = page.locator("[aria-labelledby=pn-nav-reporting]")
    expect(menu).to_be_visible()
    assert menu.get_by_role("link").all_inner_texts() == ["季度统计", "随机抽查", "典型案例", "统计看板", "进展报告",
                                                          "省级数据接口"]
    screenshot("nav_menu_province")
    menu.get_by_role("link", name="随机抽查").click()
    page.wait_for_url(f"{live_server.url}/reporting/spot-checks/")
    assert page.locator("#pn-nav-reporting").get_attribute("class").split().count("active") == 1


def test_the_menus_open_inside_the_phones_folded_navigation(world, sign_in, live_server, screenshot):
    page = sign_in("inst_bj_moe_admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(".navbar-toggler").click()
    page.locator("#pn-nav-inventory").click()
    menu = page.locator("[aria-labelledby=pn-nav-inventory]")
    menu.get_by_role("link", name="上传盘点结果").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("nav_menu_phone")
    menu.get_by_role("link", name="上传盘点结果").click()
    page.wait_for_url(f"{live_server.url}/inventory/uploads/new/")
