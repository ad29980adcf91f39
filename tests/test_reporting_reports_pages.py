"""The progress reports' pages: asking for a report, its progress polled by htmx, the download (scoped
to the asker's organisation, audited once), and what a careless or hostile user gets: a quarter that
does not exist, has not ended or has no statistics, a format that does not exist, another
organisation's report, a role without reports. Each refusal has a Chinese message and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from ground.tasks import QueueUnavailable
from reporting.reports import services
from reporting.reports.models import JobStatus, ReportJob
from reporting.statistics.definitions import VERSIONS
from reporting.statistics.models import RunStatus, StatRun

from .reporting_reports_stats import EARLIER, QUARTER, make_run

LIST = "reporting:report_list"


@pytest.fixture
def runs(world):
    return make_run(world, EARLIER, status=RunStatus.PUBLISHED), make_run(world, QUARTER, scale=2)


def _state() -> tuple:
    """What a refused request must leave as it was."""
    return (tuple(ReportJob.objects.order_by("pk").values_list("pk", "status", "file")),
            AuditEvent.objects.filter(action__in=["report.request", "export.progress_report"]).count())


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_province_asks_watches_and_downloads_its_report(world, client, runs, django_capture_on_commit_callbacks):
    client.force_login(world.user("prov_bj_admin"))
    page = client.get(reverse(LIST))
    assert page.status_code == 200
    html = page.content.decode()
    assert "进展报告" in html and QUARTER in html and EARLIER in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(LIST), {"quarter": QUARTER, "kind": "xlsx"})
    job = ReportJob.objects.filter(organization=world.orgs["prov_bj"]).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("reporting:report_job", args=[job.pk])
    assert (job.status, job.progress, job.scope, job.province_id) == (JobStatus.DONE, 100, "province", "110000")
    assert AuditEvent.objects.filter(action="report.request", target_id=str(job.pk)).count() == 1

    fragment = client.get(reverse("reporting:report_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and reverse("reporting:report_download", args=[job.pk]) in fragment
    before = AuditEvent.objects.filter(action="export.progress_report").count()
    download = client.get(reverse("reporting:report_download", args=[job.pk]))
    assert download.status_code == 200 and _body(download)[:2] == b"PK"
    assert "attachment" in download["Content-Disposition"]
    events = AuditEvent.objects.filter(action="export.progress_report")
    assert events.count() == before + 1 and events.latest("pk").target_id == str(job.pk)
    # The file is no MEDIA URL: the project serves no /media/.
    assert client.get(f"/media/{job.file.name}").status_code == 404


def test_a_queued_job_polls_until_it_is_built(world, client, runs, django_capture_on_commit_callbacks):
    client.force_login(world.user("moe_admin"))
    client.post(reverse(LIST), {"quarter": QUARTER, "kind": "pdf"})  # not committed: stays queued
    job = ReportJob.objects.latest("pk")
    assert job.status == JobStatus.QUEUED
    url = reverse("reporting:report_job", args=[job.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "pn-w-0" in fragment and "<html" not in fragment
    assert client.get(reverse("reporting:report_download", args=[job.pk])).status_code == 404
    services.build_report(job.pk)
    page = client.get(url).content.decode()
    assert "<html" in page and "pn-w-100" in page and "下载 教育部2026Q3数据看板(草稿).pdf" in page


@pytest.mark.parametrize("quarter, message", [
    ("2027Q1", "尚未结束"),
    ("2026Q4", "尚未结束"),
    ("2026Q5", "不是季度"),
    ("第三季度", "不是季度"),
    ("2025Q1", "还没有季度统计"),
    ("2019Q4", "早于专项工作开始"),
])
def test_a_quarter_that_cannot_be_reported_is_refused_and_nothing_is_written(world, client, runs, quarter, message):
    client.force_login(world.user("moe_admin"))
    before = _state()
    response = client.post(reverse(LIST), {"quarter": quarter, "kind": "xlsx"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == before
    with pytest.raises(services.ReportError, match=message):
        services.request_report(world.user("moe_admin"), kind="xlsx", quarter=quarter)
    assert _state() == before


def test_a_format_that_does_not_exist_is_refused(world, client, runs):
    client.force_login(world.user("operator"))
    before = _state()
    response = client.post(reverse(LIST), {"quarter": QUARTER, "kind": "csv"})
    assert response.status_code == 400 and "csv" in response.content.decode()
    with pytest.raises(services.ReportError, match="不是可以生成的报告类型"):
        services.request_report(world.user("operator"), kind="csv", quarter=QUARTER)
    assert _state() == before


@pytest.mark.parametrize("username", ["inst_bj_moe_admin", "inst_bj_moe_member", "ent_gd_admin", "expert",
                                      "sysadmin", "secadmin", "auditor", "inst_bj_moe_inventor"])
def test_roles_without_reports_are_refused(world, client, runs, username):
    client.force_login(world.user(username))
    before = _state()
    assert client.get(reverse(LIST)).status_code == 403
    assert client.post(reverse(LIST), {"quarter": QUARTER, "kind": "xlsx"}).status_code == 403
    job = ReportJob.objects.first()
    assert client.get(reverse("reporting:report_job", args=[job.pk])).status_code == 403
    assert client.get(reverse("reporting:report_download", args=[job.pk])).status_code == 403
    assert _state() == before


def test_another_organisations_report_is_not_found_and_its_download_writes_no_event(world, client, runs):
    bj_job = ReportJob.objects.get(organization=world.orgs["prov_bj"])
    before = _state()
    for username in ("prov_gd_admin", "moe_admin", "sasac_admin"):
        client.force_login(world.user(username))
        assert client.get(reverse("reporting:report_job", args=[bj_job.pk])).status_code == 404
        assert client.get(reverse("reporting:report_download", args=[bj_job.pk])).status_code == 404
        assert str(bj_job.pk) not in [
            line for line in client.get(reverse(LIST)).content.decode().split('"') if "/reports/" in line]
    assert _state() == before


def test_the_list_shows_only_the_organisations_reports(world, client, runs):
    client.force_login(world.user("prov_gd_admin"))
    html = client.get(reverse(LIST)).content.decode()
    own = ReportJob.objects.get(organization=world.orgs["prov_gd"])
    other = ReportJob.objects.get(organization=world.orgs["prov_bj"])
    assert reverse("reporting:report_download", args=[own.pk]) in html
    assert reverse("reporting:report_download", args=[other.pk]) not in html
    client.force_login(world.user("operator"))
    html = client.get(reverse(LIST)).content.decode()
    assert reverse("reporting:report_download", args=[other.pk]) in html


def test_a_broker_out_of_reach_fails_the_job_with_a_message(world, client, runs, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    def unreachable(name, *args, **kwargs):
        raise QueueUnavailable(name)

    monkeypatch.setattr(services, "enqueue", unreachable)
    client.force_login(world.user("prov_bj_admin"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(LIST), {"quarter": QUARTER, "kind": "xlsx"})
    job = ReportJob.objects.latest("pk")
    assert job.status == JobStatus.FAILED and "任务队列暂时无法连接" in job.error and not job.file
    assert "任务队列暂时无法连接" in client.get(reverse("reporting:report_job", args=[job.pk])).content.decode()


def test_a_run_of_an_unknown_definition_version_fails_with_its_reason(world, runs, django_capture_on_commit_callbacks):
    StatRun.objects.filter(quarter=QUARTER).update(definition_version="DS8-1999.9")
    assert "DS8-1999.9" not in VERSIONS
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_report(world.user("moe_admin"), kind="xlsx", quarter=QUARTER)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "统计口径版本 DS8-1999.9 不存在" in job.error and not job.file


def test_a_job_delivered_twice_is_built_once(world, runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_report(world.user("moe_admin"), kind="xlsx", quarter=QUARTER)
    job.refresh_from_db()
    again = services.build_report(job.pk)
    assert (again.file.name, again.finished_at) == (job.file.name, job.finished_at)


# --- the API ---------------------------------------------------------------------------------------


def _api(world, username: str) -> APIClient:
    api = APIClient()
    api.force_authenticate(world.user(username))
    return api


def test_the_api_asks_lists_and_downloads_reports_in_scope(world, runs, django_capture_on_commit_callbacks):
    api = _api(world, "prov_gd_admin")
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/reports/", {"quarter": QUARTER, "kind": "docx"}, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["quarter"], created.json()["scope"], created.json()["status"]) == (QUARTER, "province",
                                                                                            "queued")
    listed = api.get("/api/v1/reports/").json()["results"]
    organizations = {item["organization"] for item in listed}
    assert organizations == {"广东省知识产权局"}
    job = ReportJob.objects.get(pk=created.json()["id"])
    assert api.get(f"/api/v1/reports/{job.pk}/").json()["status"] == "done"
    download = api.get(f"/api/v1/reports/{job.pk}/download/")
    assert download.status_code == 200 and _body(download)[:2] == b"PK"
    other = ReportJob.objects.get(organization=world.orgs["prov_bj"])
    assert api.get(f"/api/v1/reports/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/reports/{other.pk}/download/").status_code == 404


def test_the_api_refuses_bad_quarters_and_roles_without_reports(world, runs):
    before = _state()
    refused = _api(world, "moe_admin").post("/api/v1/reports/", {"quarter": "2099Q1", "kind": "xlsx"}, format="json")
    assert refused.status_code == 400 and "尚未结束" in refused.json()["detail"]
    assert _api(world, "moe_admin").post("/api/v1/reports/", {"quarter": QUARTER, "kind": "csv"},
                                         format="json").status_code == 400
    for username in ("inst_bj_moe_admin", "ent_gd_admin", "auditor"):
        response = _api(world, username).post("/api/v1/reports/", {"quarter": QUARTER, "kind": "xlsx"}, format="json")
        assert response.status_code == 403
        assert _api(world, username).get("/api/v1/reports/").json().get("results", []) == []
    assert _state() == before
