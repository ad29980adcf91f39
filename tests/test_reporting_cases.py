"""Typical cases and problems (典型案例与问题报送): a province's draft, attachments (type read from
the first bytes, executables and oversized files refused, nothing stored), submission, the
platform's 纳入通报 and `cases_for_bulletin`, who reads what (ministries every submitted report,
provinces their own, institutions nothing), the audited download served only through the scoped
view, and the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from accounts.models import AuditEvent
from reporting.cases import services
from reporting.cases.models import CaseAttachment, CaseKind, CaseReport, CaseStatus
from reporting.cases.services import CaseError, CaseInput

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def stored_files(media) -> list:
    return sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def state(media) -> tuple:
    return (tuple(CaseReport.objects.order_by("pk").values_list()), CaseAttachment.objects.count(),
            AuditEvent.objects.count(), stored_files(media))


def draft(world, **changes) -> CaseReport:
    values = {"quarter": "2025Q4", "kind": CaseKind.CASE, "title": "开放许可助力高校专利转化", "text": "正文"}
    return services.create_case(world.user("prov_bj_admin"), CaseInput(**{**values, **changes}))


@pytest.mark.parametrize(("quarter", "message"), [("2025Q5", "不是季度"), ("2099Q1", "还没有开始"),
                                                  ("2019Q1", "早于专项工作开始")])
def test_a_quarter_in_the_future_or_nonexistent_is_refused(world, media, quarter, message):
    before = state(media)
    with pytest.raises(CaseError) as refused:
        draft(world, quarter=quarter)
    assert message in refused.value.message
    assert state(media) == before


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00" + b"0" * 50, "可执行程序"),
    ("报告.pdf", b"MZ\x90\x00" + b"0" * 50, "可执行程序"),  # an executable renamed
    ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "可执行程序"),
    ("notes.html", b"<html>", "类型不允许"),
    ("fake.pdf", b"just text", "不是 PDF 文件"),
    ("empty.pdf", b"", "空文件"),
])
def test_forbidden_attachments_are_refused_and_nothing_is_stored(world, media, name, content, message):
    case = draft(world)
    before = state(media)
    with pytest.raises(CaseError) as refused:
        services.add_attachment(world.user("prov_bj_admin"), case.pk, SimpleUploadedFile(name, content))
    assert message in refused.value.message and name in refused.value.message
    assert state(media) == before


def test_an_attachment_too_large_is_refused(world, media, settings):
    settings.CASE_ATTACHMENT_MAX_MB = 1
    case = draft(world)
    before = state(media)
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(CaseError) as refused:
        services.add_attachment(world.user("prov_bj_admin"), case.pk, big)
    assert "超过上限 1 MB" in refused.value.message
    assert state(media) == before


def test_the_page_refuses_a_bad_upload_with_the_message(world, media, login):
    case = draft(world)
    client = login(world.user("prov_bj_admin"))
    before = state(media)
    response = client.post(reverse("reporting:case_attach", args=[case.pk]),
                           {"file": SimpleUploadedFile("virus.exe", b"MZ" + b"0" * 40)}, follow=True)
    assert "可执行程序或脚本,不能上传" in response.content.decode()
    assert state(media) == before


def test_draft_submit_mark_and_bulletin(world, media, login):
    province = world.user("prov_bj_admin")
    case = draft(world)
    attachment = services.add_attachment(province, case.pk, SimpleUploadedFile("材料.pdf", PDF))
    assert attachment.file.name.startswith("reporting/cases/") and "材料" not in attachment.file.name
    # The ministry does not read a draft; the platform does.
    assert not CaseReport.objects.visible_to(world.user("moe_admin")).filter(pk=case.pk).exists()
    assert CaseReport.objects.visible_to(world.user("operator")).filter(pk=case.pk).exists()
    with pytest.raises(Http404):  # the platform cannot mark a draft
        services.mark_for_bulletin(world.user("operator"), case.pk, True)
    services.submit_case(province, case.pk)
    with pytest.raises(PermissionDenied, match="已报送的材料不能再修改"):
        services.update_case(province, case.pk, CaseInput("2025Q4", CaseKind.CASE, "改标题", "改"))
    with pytest.raises(PermissionDenied):
        services.add_attachment(province, case.pk, SimpleUploadedFile("再加.pdf", PDF))
    assert CaseReport.objects.visible_to(world.user("sasac_admin")).filter(pk=case.pk).exists()
    assert services.cases_for_bulletin("2025Q4") == []
    client = login(world.user("operator"))
    client.post(reverse("reporting:case_mark", args=[case.pk]), {"for_bulletin": "1"})
    assert [c.pk for c in services.cases_for_bulletin("2025Q4")] == [case.pk]
    assert services.cases_for_bulletin("2025Q3") == [c for c in services.cases_for_bulletin("2025Q3")
                                                      if c.quarter == "2025Q3"]
    actions = set(AuditEvent.objects.filter(target_id=str(case.pk), action__startswith="case_report.")
                  .values_list("action", flat=True))
    assert {"case_report.create", "case_report.attach", "case_report.submit", "case_report.mark"} <= actions
    assert CaseReport.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_downloads_are_scoped_and_audited_and_never_served_by_media_url(world, media, login):
    province = world.user("prov_bj_admin")
    case = draft(world)
    attachment = services.add_attachment(province, case.pk, SimpleUploadedFile("材料.png", PNG))
    url = reverse("reporting:case_attachment", args=[attachment.pk])
    assert login(world.user("moe_admin")).get(url).status_code == 404  # a draft's
    services.submit_case(province, case.pk)
    response = login(world.user("moe_admin")).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png" and "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="export.case_attachment", actor_username="moe_admin").count() == 1
    for username, status in (("prov_gd_admin", 404), ("inst_bj_moe_admin", 403), ("ent_gd_admin", 403),
                             ("expert", 403), ("auditor", 403)):
        assert login(world.user(username)).get(url).status_code == status, username
    assert login(world.user("operator")).get("/media/" + attachment.file.name).status_code == 404


def test_lists_filter_by_quarter_and_province(world, login):
    draft(world, title="草稿不给部委看")
    page = login(world.user("moe_admin")).get(reverse("reporting:case_list")).content.decode()
    assert "北京高校专利许可典型案例" in page and "广东医院专利转化经验做法" in page and "草稿不给部委看" not in page
    operator = login(world.user("operator"))
    filtered = operator.get(reverse("reporting:case_list"), {"province": "440000"}).content.decode()
    assert "广东医院专利转化经验做法" in filtered and "北京高校专利许可典型案例" not in filtered
    own = login(world.user("prov_gd_admin")).get(reverse("reporting:case_list")).content.decode()
    assert "广东医院专利转化经验做法" in own and "北京高校专利许可典型案例" not in own
    assert login(world.user("inst_bj_moe_admin")).get(reverse("reporting:case_list")).status_code == 403


def test_the_api_reads_submitted_reports_for_ministries(world, login):
    hidden = draft(world, title="草稿")
    data = login(world.user("moe_admin")).get("/api/v1/case-reports/", {"quarter": "2026q3"}).json()["results"]
    titles = {c["title"] for c in data}
    assert titles == {"北京高校专利许可典型案例", "广东医院专利转化经验做法"}
    assert all(a["download"].startswith("/reporting/cases/attachments/") for c in data for a in c["attachments"])
    assert login(world.user("moe_admin")).get(f"/api/v1/case-reports/{hidden.pk}/").status_code == 404
    assert login(world.user("inst_bj_moe_admin")).get("/api/v1/case-reports/").json()["results"] == []


def test_only_province_offices_write(world):
    for username in ("operator", "moe_admin", "inst_bj_moe_admin"):
        with pytest.raises(CaseError):
            services.create_case(world.user(username), CaseInput("2025Q4", CaseKind.CASE, "x", "y"))
