"""Following every link and form action a user can reach, breadth first, from the home page.

`crawl` uses Django's test client: tests/test_links.py checks that nothing it reaches answers 404 or
500; the browser's accessibility test (tests/browser/test_accessibility.py) takes the pages it
reached and runs axe-core over one of each route.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

PER_ROUTE = 2
PAGES_PER_USER = 150
# Not pages: the language switch and logout are POST-only forms, and static files come from the finder.
SKIPPED_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/")


class Links(HTMLParser):
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


def route_of(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return ""
    return match.view_name


@dataclass
class Crawl:
    """What a crawl found: broken links, and the HTML pages that answered 200 (by URL)."""

    failures: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    requests: int = 0


def crawl(client, user) -> Crawl:
    """Follow everything reachable from the home page as `user`."""
    client.force_login(user)
    result = Crawl()
    failures = result.failures
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
        route = route_of(url)
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
        html = _body(response)
        if response.status_code == 200 and "<html" in html[:300]:
            result.pages.append(url)  # a whole page, not an htmx fragment
        links = Links()
        links.feed(html)
        for href in links.gets:
            target = _local(url, href)
            if target and target not in seen:
                queue.append((target, url))
        failures += _check_post_actions(client, user, url, links.posts, checked_posts)
    result.requests = pages
    return result


def _check_post_actions(client, user, url: str, actions: list[str], checked: set[str]) -> list[str]:
    """Failures of the POST actions of the page at `url` not `checked` yet: each must match a
    route and not answer 500 when fetched (nothing is submitted). Adds them to `checked`."""
    failures = []
    for action in actions:
        target = _local(url, action)
        if target is None or target in checked:
            continue
        checked.add(target)
        if not route_of(target):
            failures.append(f"{user.username}: form on {url} posts to {target}, which matches no route")
        elif client.get(target).status_code == 500:
            failures.append(f"{user.username}: form on {url} posts to {target}, which answers 500")
    return failures


