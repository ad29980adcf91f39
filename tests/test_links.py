"""Every page of every role, and every link and form action on it, leads somewhere.

Each world user starts at the home page and follows, breadth first, every link (`href`, htmx
`hx-get`) and form action on every page it reaches. A GET that answers 404 or 500 fails; so does a
POST action that no route serves, or one that breaks when it is fetched. Broken links cannot hide
behind a swallowed NoReverseMatch: a page that cannot build its links answers 500 here.

To stay quick, each user follows at most a few distinct URLs per route (the second patent page
links to what the first one did) and no POST is submitted, so nothing changes while crawling.
"""

import pytest
from django.urls import reverse

from tests.crawling import Links, crawl, route_of


@pytest.mark.django_db
def test_every_link_and_form_action_of_every_role_leads_somewhere(world, client):
    failures: list[str] = []
    crawled = {}
    for name, user in world.users.items():
        result = crawl(client, user)
        failures += result.failures
        crawled[name] = result.requests
        client.logout()
    assert not failures, "\n".join(failures)
    # The crawl reached the working pages, not just the home page.
    assert crawled["inst_bj_moe_admin"] > 20, crawled
    assert crawled["operator"] > 20, crawled


def test_the_crawler_reports_a_broken_link(world, client):
    """The check must be able to fail: a page linking to a missing route is reported."""
    links = Links()
    links.feed('<a href="/inventory/no-such-page/">x</a><form method="post" action="/nowhere/"></form>')
    assert links.gets == ["/inventory/no-such-page/"]
    assert links.posts == ["/nowhere/"]
    assert route_of("/inventory/no-such-page/") == ""


def test_the_workbench_conversion_button_opens_the_form_for_that_patent(world, client):
    """登记转化 on a patent's page opens the conversion form with that patent filled in (it used to
    land on the conversion list: the route it tried first did not exist, and the miss was swallowed)."""
    user = world.users["inst_bj_moe_admin"]
    patent = next(p for p in world.patents.values()
                  if p.inventory.institution_id == user.organization_id and not user.department_id)
    client.force_login(user)
    page = client.get(reverse("inventory:patent_detail", args=[patent.pk])).content.decode()
    links = Links()
    links.feed(page)
    button = [href for href in links.gets if href.startswith(reverse("inventory:conversion_new"))]
    assert button == [f"{reverse('inventory:conversion_new')}?patent={patent.pk}"]
    form = client.get(button[0])
    assert form.status_code == 200
    assert form.context["form"].initial["patent_number"] == patent.application_number
