"""The dashboards over a quarter the statistics area computed (reporting.statistics.services
.compute_quarter over the fixture world): the figures shown are the computed rows', in the viewer's
scope, and each number links to the list behind it (reporting:stat_trace)."""

import re

from django.urls import reverse

from reporting.statistics.definitions import format_rate, rate
from reporting.statistics.models import QuarterlyStat, ScopeKind
from reporting.statistics.quarters import Quarter
from reporting.statistics.services import compute_quarter

URL = reverse("reporting:dashboard")


def test_a_computed_quarter_shows_its_rows_and_links_each_number_to_its_list(world, client):
    run = compute_quarter(Quarter(2026, 1))
    province = QuarterlyStat.objects.get(run=run, scope=ScopeKind.PROVINCE, province_id="110000")
    national = QuarterlyStat.objects.get(run=run, scope=ScopeKind.NATIONAL)
    client.force_login(world.user("prov_bj_admin"))
    response = client.get(URL, {"quarter": "2026Q1"})
    assert response.status_code == 200
    text = response.content.decode()
    cards = text.split('id="pn-dash-cards"')[1].split('class="row g-3"')[0]
    assert format_rate(rate(province.inventoried, province.in_scope)) in cards
    assert f"全国 {format_rate(rate(national.inventoried, national.in_scope))}" in cards
    # 北京's institutions ranked, 广东's absent.
    assert "北京示范大学" in text and "北京市属研究院" in text and "广东省人民医院" not in text
    links = set(re.findall(r'href="(/reporting/statistics/figures/\d+/\?figure=\w+)"', text))
    assert links, "no number links to its list"
    shown = {int(re.search(r"figures/(\d+)/", link).group(1)) for link in links}
    assert province.pk in shown
    assert shown <= set(QuarterlyStat.objects.visible_to(world.user("prov_bj_admin")).values_list("pk", flat=True))
    for link in sorted(links)[:6]:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_readers_of_a_scope_share_its_drawn_charts_until_the_run_is_computed_again(world, client):
    """The charts are kept per scope and run (DASHBOARD_CACHE_SECONDS): a second reader of 北京 gets
    the same drawing without the charts being built again; a recomputed draft is drawn afresh."""
    from django.core.cache import cache
    from django.utils import timezone

    from reporting.dashboards import sections

    cache.clear()
    run = compute_quarter(Quarter(2025, 4))
    url = reverse("reporting:dashboard") + "?quarter=2025Q4"
    built = []
    original = sections.build

    def counting(board, **kwargs):
        built.append(board.scope.param)
        return original(board, **kwargs)

    sections.build = counting
    try:
        client.force_login(world.user("prov_bj_admin"))
        first = client.get(url)
        row = QuarterlyStat.objects.get(run=run, scope=ScopeKind.INSTITUTION, organization=world.orgs["inst_bj_local"])
        QuarterlyStat.objects.filter(pk=row.pk).update(in_library=987_654)
        client.force_login(world.user("prov_bj_admin"))
        again = client.get(url)
        assert first.status_code == again.status_code == 200 and len(built) == 1
        assert "987,654" not in again.content.decode()
        run.computed_at = timezone.now()
        run.save(update_fields=["computed_at"])
        fresh = client.get(url)
        assert len(built) == 2 and "987,654" in fresh.content.decode()
        # Another role reading the same scope never gets the province's drawing.
        client.force_login(world.user("operator"))
        assert client.get(url + "&scope=province:110000").status_code == 200 and len(built) == 3
    finally:
        sections.build = original
        cache.clear()
