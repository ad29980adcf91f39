"""Headless Chromium through Playwright's sync API, against pytest-django's live server.

Debian's chromium is used (never `playwright install`: the machines reach no browser download
host). Without it, or without the playwright package, the browser tests skip and say why.
"""

import os
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

from tests.browser.signed_in import join_request_threads

# Playwright's sync API keeps an event loop running in the test thread, which makes Django refuse
# ORM calls from that thread (SynchronousOnlyOperation) although nothing here is async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, running the application for one request at a time.

    On an in-memory SQLite database pytest-django hands the test's one connection object to the
    server's request threads. Chromium sends requests side by side (a page, its htmx fragments,
    the notification bell), and two of them inside transactions on one connection object break
    each other's transaction state: a 500, then TransactionManagementError in the tests after it.
    Threads still accept and hold connections (keep-alive connections do not wait on each other);
    only the application, the response's body and its close (request_finished) take the lock."""

    _lock = threading.Lock()

    def set_app(self, application) -> None:
        def one_at_a_time(environ, start_response):
            with self._lock:
                response = application(environ, start_response)
                try:
                    body = list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()
            return body

        super().set_app(one_at_a_time)


# Set before the session's live server starts (the browser fixture depends on it). On PostgreSQL
# each request thread has its own connection: requests stay concurrent there.
if connection.vendor == "sqlite":
    LiveServerThread.server_class = OneRequestAtATimeServer
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser(live_server):
    # Depending on live_server makes the server start before the browser and stop after it: the
    # server's request threads must close Chromium's keep-alive connections while the shared
    # in-memory database connection is still theirs to close.
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"browser tests need the playwright package: {exc}")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    from django.db import connections

    # Django keeps database connections in a thread-critical Local, which hands out a separate set
    # of connections while an event loop runs in the thread. Once Playwright's loop runs, the test
    # would get fresh connection objects, without the serialised reference data that
    # serialized_rollback restores from: pin the ones the test database was set up with.
    pinned = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in pinned.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    join_request_threads()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("login") saves a full-page PNG to test-artifacts/screenshots/login.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def sign_in(page, live_server, password):
    """sign_in("operator") logs in through the real login form and waits for the home page."""

    def _sign_in(username: str, expect_path: str = "/"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}{expect_path}")
        return page

    return _sign_in
