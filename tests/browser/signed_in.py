"""Browsing as many users in one test: the pages each kind of user reaches (tests/crawling.py), and a
browser context signed in as a user through the test client's session.

On SQLite the live server shares the test's in-memory database connection, so the test thread must
not query while a request of the last page is still being served (its audit event, say): `close`
shuts a user's context and waits for those requests before the next user signs in.
"""

import threading

from django.conf import settings

from accounts.roles import role_of
from tests.crawling import crawl, route_of


def join_request_threads(timeout: float = 5.0) -> None:
    """Wait for the live server's request threads that Chromium's closed connections released."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(timeout)


def _kind(user) -> tuple:
    return (role_of(user), user.is_org_admin, bool(user.department_id))


def pages_by_kind(world, client) -> dict[str, list[str]]:
    """For each user of a kind (role, organisation admin or not, in a department or not) not seen
    yet: the first URL of each route it reaches."""
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


def signed_in_page(browser, client, live_server, user):
    """A new browser context and page signed in as `user` (the test client's session cookie)."""
    join_request_threads()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def close(context) -> None:
    """Close a user's context and let the requests it left finish."""
    context.close()
    join_request_threads()
