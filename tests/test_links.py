"""Every page of every role, and every link and form action on it, leads somewhere.

Each world user starts at the home page and follows, breadth first, every link (`href`, htmx
`hx-get`) and form action on every page it reaches. A GET that answers 404 or 500 fails; so does a
POST action that no route serves, or one that breaks when it is fetched. Broken links cannot hide
behind a swallowed NoReverseMatch: a page that cannot build its links answers 500 here.

To stay quick, each user follows at most a few distinct URLs per route (the second patent page
links to what the first one did) and no POST is submitted, so nothing changes while crawling.
"""

from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

PER_ROUTE = 2
PAGES_PER_USER = 150
# Not pages: the language switch and logout are POST-only forms, and static files come from the finder.
SKIPPED_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.gets: list[str] = []
        self.posts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self.gets.append(values["href"])
        if values.get("hx-get"):
            self.gets.append(values["hx-get"])
        if values.get("hx-post"):
            self.posts.append(values["hx-post"])
        if tag == "form" and values.get("action"):
            method = values.get("method", "get").lower()
            (self.posts if method == "post" else self.gets).append(values["action"])


def _local(base: str, href: str) -> str | None:
    if href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _body(response) -> str:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # read to the end, which closes the file
        return ""
    if "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode("utf-8", errors="replace")


def _route(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return ""
    return match.view_name


def crawl(client, user) -> tuple[list[str], int]:
    """Follow everything reachable from the home page as `user`; returns (failures, pages seen)."""
    client.force_login(user)
    failures: list[str] = []
    seen: set[str] = set()
    per_route: dict[str, int] = defaultdict(int)
    queue = deque([("/", "start")])
    checked_posts: set[str] = set()
    pages = 0
    while queue and pages < PAGES_PER_USER:
        url, source = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        route = _route(url)
        if not route:
            failures.append(f"{user.username}: {url} (linked from {source}) matches no route")
            continue
        if per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        response = client.get(url)
        pages += 1
        if response.status_code in (404, 500):
            failures.append(f"{user.username}: GET {url} (linked from {source}) answered {response.status_code}")
            continue
        if response.status_code in (301, 302):
            target = _local(url, response["Location"])
            if target:
                queue.append((target, url))
            continue
        links = _Links()
        links.feed(_body(response))
        for href in links.gets:
            target = _local(url, href)
            if target and target not in seen:
                queue.append((target, url))
        failures += _check_post_actions(client, user, url, links.posts, checked_posts)
    return failures, pages


def _check_post_actions(client, user, url: str, actions: list[str], checked: set[str]) -> list[str]:
    """Failures of the POST actions of the page at `url` not `checked` yet: each must match a
    route and not answer 500 when fetched (nothing is submitted). Adds them to `checked`."""
    failures = []
    for action in actions:
        target = _local(url, action)
        if target is None or target in checked:
            continue
        checked.add(target)
        if not _route(target):
            failures.append(f"{user.username}: form on {url} posts to {target}, which matches no route")
        elif client.get(target).status_code == 500:
            failures.append(f"{user.username}: form on {url} posts to {target}, which answers 500")
    return failures


@pytest.mark.django_db
def test_every_link_and_form_action_of_every_role_leads_somewhere(world, client):
    failures: list[str] = []
    crawled = {}
    for name, user in world.users.items():
        found, pages = crawl(client, user)
        failures += found
        crawled[name] = pages
        client.logout()
    assert not failures, "\n".join(failures)
    # The crawl reached the working pages, not just the home page.
    assert crawled["inst_bj_moe_admin"] > 20, crawled
    assert crawled["operator"] > 20, crawled


def test_the_crawler_reports_a_broken_link(world, client):
    """The check must be able to fail: a page linking to a missing route is reported."""
    links = _Links()
    links.feed('<a href="/inventory/no-such-page/">x</a><form method="post" action="/nowhere/"></form>')
    assert links.gets == ["/inventory/no-such-page/"]
    assert links.posts == ["/nowhere/"]
    assert _route("/inventory/no-such-page/") == ""


def test_the_workbench_conversion_button_opens_the_form_for_that_patent(world, client):
    """登记转化 on a patent's page opens the conversion form with that patent filled in (it used to
    land on the conversion list: the route it tried first did not exist, and the miss was swallowed)."""
    user = world.users["inst_bj_moe_admin"]
    patent = next(p for p in world.patents.values()
                  if p.inventory.institution_id == user.organization_id and not user.department_id)
    client.force_login(user)
    page = client.get(reverse("inventory:patent_detail", args=[patent.pk])).content.decode()
    links = _Links()
    links.feed(page)
    button = [href for href in links.gets if href.startswith(reverse("inventory:conversion_new"))]
    assert button == [f"{reverse('inventory:conversion_new')}?patent={patent.pk}"]
    form = client.get(button[0])
    assert form.status_code == 200
    assert form.context["form"].initial["patent_number"] == patent.application_number
