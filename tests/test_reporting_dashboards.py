"""The dashboards (reporting/dashboards): each audience's page over its own scope, never another's,
the rates as DATA-STANDARD.md §8 shows them, the filters, and each chart's data as .xlsx (audited)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from reporting.reports.models import ReportJob
from reporting.statistics.models import Bulletin, QuarterlyStat, ScopeKind, SignOff, StatRun
from reporting.statistics.quarters import Quarter

URL = reverse("reporting:dashboard")
EXPORT = reverse("reporting:dashboard_export")
NAMES = {"inst_bj_moe": "北京示范大学", "inst_bj_local": "北京市属研究院", "inst_gd_local": "广东省人民医院"}


def _get(client, world, username, url=URL, **params):
    client.force_login(world.user(username))
    return client.get(url, params)


def _text(response) -> str:
    return response.content.decode()


def _institutions_shown(response) -> set[str]:
    text = _text(response)
    return {key for key, name in NAMES.items() if name in text}


@pytest.mark.parametrize(("username", "institutions", "title"), [
    ("operator", set(), "全国"),
    ("prov_bj_admin", {"inst_bj_moe", "inst_bj_local"}, "北京"),
    ("prov_gd_admin", {"inst_gd_local"}, "广东"),
    ("moe_admin", {"inst_bj_moe"}, "教育部"),
    ("inst_bj_moe_admin", {"inst_bj_moe"}, "北京示范大学"),
    ("inst_bj_moe_dept_admin", {"inst_bj_moe"}, "北京示范大学"),
    ("inst_gd_local_admin", {"inst_gd_local"}, "广东省人民医院"),
])
def test_each_audience_opens_its_own_dashboard(world, client, username, institutions, title):
    response = _get(client, world, username)
    assert response.status_code == 200
    assert title in _text(response).split('id="pn-dash-title"')[1].split("</h1>")[0]
    assert _institutions_shown(response) == institutions
    # The charts' options travel as JSON data, never as a script.
    assert 'id="pn-dash-options" type="application/json"' in _text(response)


@pytest.mark.parametrize("username", ["ent_gd_admin", "expert", "inst_bj_moe_inventor", "sysadmin", "secadmin",
                                      "auditor"])
def test_roles_without_statistics_are_refused(world, client, username):
    assert _get(client, world, username).status_code == 403
    assert _get(client, world, username, EXPORT).status_code == 403


def test_the_platform_puts_every_province_side_by_side_and_may_open_any_scope(world, client):
    response = _get(client, world, "operator")
    text = _text(response)
    assert "北京市" in text and "广东省" in text and "各省排名" in text
    for scope, name in (("province:440000", "广东省人民医院"), (f"ministry:{world.orgs['moe'].pk}", "北京示范大学"),
                        (f"institution:{world.orgs['inst_bj_local'].pk}", "北京市属研究院")):
        assert name in _text(_get(client, world, "operator", scope=scope))


@pytest.mark.parametrize(("username", "scope"), [
    ("prov_bj_admin", "province:440000"),
    ("prov_bj_admin", "national"),
    ("prov_bj_admin", "ministry:{moe}"),
    ("prov_bj_admin", "institution:{inst_gd_local}"),
    ("moe_admin", "institution:{inst_bj_local}"),
    ("moe_admin", "ministry:{sasac}"),
    ("moe_admin", "province:110000"),
    ("sasac_admin", "institution:{inst_bj_moe}"),
    ("inst_bj_moe_admin", "institution:{inst_bj_local}"),
    ("inst_bj_moe_admin", "province:110000"),
    ("prov_gd_admin", "province:abc"),
    ("operator", "province:999999"),
    ("operator", "institution:{ent_gd}"),
    ("operator", "planet:1"),
])
def test_a_scope_outside_the_viewers_is_a_404_and_its_export_too(world, client, username, scope):
    scope = scope.format(**{key: org.pk for key, org in world.orgs.items()})
    before = AuditEvent.objects.filter(action="export.dashboard").count()
    assert _get(client, world, username, scope=scope).status_code == 404
    assert _get(client, world, username, EXPORT, scope=scope).status_code == 404
    assert AuditEvent.objects.filter(action="export.dashboard").count() == before


def test_a_province_asking_for_another_by_a_made_up_parameter_sees_its_own(world, client):
    response = _get(client, world, "prov_bj_admin", province="440000")
    assert response.status_code == 200
    assert _institutions_shown(response) == {"inst_bj_moe", "inst_bj_local"}


def test_a_province_and_a_ministry_pick_their_institutions(world, client):
    bj_local = world.orgs["inst_bj_local"].pk
    response = _get(client, world, "prov_bj_admin", scope=f"institution:{bj_local}")
    assert response.status_code == 200
    assert "本单位盘点里程碑" in _text(response)
    # The picker still offers the province and its other institutions.
    assert 'value="province:110000"' in _text(response) and f"institution:{world.orgs['inst_bj_moe'].pk}" in \
        _text(response)
    assert _get(client, world, "moe_admin", scope=f"institution:{world.orgs['inst_bj_moe'].pk}").status_code == 200


def test_rates_over_an_empty_denominator_show_a_dash_and_self_reported_stays_beside(world, client):
    gd = world.orgs["inst_gd_local"].pk
    response = _get(client, world, "prov_gd_admin", scope=f"institution:{gd}")
    cards = _text(response).split('id="pn-dash-cards"')[1].split('class="row g-3"')[0]
    # 广东省人民医院: no valid patent, so no implementation rate: "—", never 0.
    assert "—" in cards and "0.0%" in cards  # coverage 0 of 230 is a real 0.0%
    board = _text(_get(client, world, "inst_bj_moe_admin"))
    # 52 of 390 implemented = 13.3%; the 7 declared without a conversion are shown beside, not inside.
    assert "13.3%" in board and "自报实施 7" in board


def test_the_quarter_filter(world, client):
    response = _get(client, world, "prov_bj_admin", quarter="2026Q2")
    assert response.status_code == 200 and Quarter(2026, 2).label() in _text(response)
    # Both quarters are in the trend's table.
    assert "2026Q2" in _text(response) and "2026Q3" in _text(response)
    for bad, message in (("2099Q1", "尚未结束"), ("2026Q5", "不是季度"), ("2025Q1", "还没有统计数据")):
        response = _get(client, world, "prov_bj_admin", quarter=bad)
        assert response.status_code == 200 and message in _text(response)
        assert Quarter(2026, 3).label() in _text(response)  # the latest quarter is shown instead


def test_a_chart_as_xlsx_is_scoped_and_audited(world, client):
    before = AuditEvent.objects.filter(action="export.dashboard").count()
    response = _get(client, world, "prov_bj_admin", EXPORT, chart="ranking")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "北京示范大学" in values and "北京市属研究院" in values
    assert "广东省人民医院" not in values
    rates = [cell for row in sheet.iter_rows() for cell in row if cell.number_format == "0.0%"]
    assert rates and abs(rates[0].value - 0.95) < 1e-9  # 380 / 400
    event = AuditEvent.objects.filter(action="export.dashboard").order_by("pk").last()
    assert AuditEvent.objects.filter(action="export.dashboard").count() == before + 1
    assert event.detail["charts"] == ["ranking"] and event.detail["scope"] == "province:110000"


def test_every_chart_exports_together_with_a_dash_for_empty_rates(world, client):
    gd = world.orgs["inst_gd_local"].pk
    response = _get(client, world, "operator", EXPORT, scope=f"institution:{gd}")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.worksheets) >= 7
    national = book[next(name for name in book.sheetnames if name.startswith("与全国"))]
    rows = [[cell.value for cell in row] for row in national.iter_rows()]
    assert rows[4][:2] == ["专利实施率", "—"]


def test_an_unknown_chart_is_a_404_and_writes_nothing(world, client):
    before = AuditEvent.objects.filter(action="export.dashboard").count()
    assert _get(client, world, "operator", EXPORT, chart="map").status_code == 404
    assert AuditEvent.objects.filter(action="export.dashboard").count() == before


def test_no_statistics_yet_shows_an_empty_dashboard(world, client):
    ReportJob.objects.all().delete()  # a report names its run (tests/world_reporting_reports.py)
    for model in (SignOff, Bulletin, QuarterlyStat, StatRun):
        model.objects.all().delete()
    response = _get(client, world, "prov_bj_admin")
    assert response.status_code == 200 and 'id="pn-dash-empty"' in _text(response)
    assert _get(client, world, "prov_bj_admin", scope="province:110000").status_code == 404


def test_a_published_revision_is_shown_rather_than_a_later_draft(world, client):
    run = StatRun.objects.get(quarter="2026Q2")
    StatRun.objects.create(quarter="2026Q2", revision=run.revision + 1, definition_version=run.definition_version)
    response = _get(client, world, "prov_bj_admin", quarter="2026Q2")
    assert f"第 {run.revision} 版" in _text(response)
    assert QuarterlyStat.objects.filter(scope=ScopeKind.NATIONAL, run=run).exists()


def test_a_ministry_without_a_row_in_the_quarter_gets_a_message_not_an_error(world, client):
    # 国资委 supervises no world institution: the world's 2026Q3 has no row of it.
    response = _get(client, world, "sasac_admin")
    assert response.status_code == 200 and "没有本单位的数据" in _text(response)
    assert _institutions_shown(response) == set()
