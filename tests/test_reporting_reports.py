"""Progress reports (reporting/reports): the .xlsx, PDF and .docx built from a quarter's figures in the
asker's scope, the job's progress page, the scoped and audited download, and the refusals.

The produced files are opened with the libraries a reader would use (openpyxl, python-docx) and the
PDF's first page is rendered to an image (pypdfium2); the images are kept under /tmp/shots-reports/
to be looked at.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
from django.core.files.storage import default_storage
from docx import Document

from reporting.reports import services
from reporting.reports.bulletin import BulletinCase, write_bulletin
from reporting.reports.data import collect
from reporting.reports.models import JobStatus, ReportJob
from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, StatRun
from reporting.statistics.quarters import Quarter
from reporting.statistics.services import compute_quarter

from .reporting_reports_stats import EARLIER, QUARTER, make_run

SHOTS = Path("/tmp/shots-reports")
LABEL = Quarter.parse(QUARTER).label()  # 2026年第3季度


@pytest.fixture
def runs(world):
    """2026Q2 published, 2026Q3 a draft with doubled figures."""
    return make_run(world, EARLIER, status=RunStatus.PUBLISHED), make_run(world, QUARTER, scale=2)


def _build(world, username: str, kind: str, quarter: str = QUARTER, capture=None) -> ReportJob:
    with capture(execute=True):
        job = services.request_report(world.user(username), kind=kind, quarter=quarter)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job


def _bytes(job: ReportJob) -> bytes:
    with default_storage.open(job.file.name, "rb") as handle:
        return handle.read()


def _stat(run: StatRun, **where) -> QuarterlyStat:
    return QuarterlyStat.objects.get(run=run, **where)


def _not_blank(image) -> float:
    """The share of pixels that are not (near) white."""
    grey = image.convert("L")
    histogram = grey.histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


# --- the .xlsx ------------------------------------------------------------------------------------


def test_a_ministrys_xlsx_has_its_sheets_headers_formats_and_the_rows_values(
        world, runs, django_capture_on_commit_callbacks):
    _published, draft = runs
    job = _build(world, "moe_admin", "xlsx", capture=django_capture_on_commit_callbacks)
    book = openpyxl.load_workbook(io.BytesIO(_bytes(job)))
    assert book.sheetnames == ["概况", "各机构", "季度趋势", "统计口径"]

    summary = book["概况"]
    assert "草稿/未发布" in summary["A1"].value and "教育部" in summary["A1"].value
    assert "第 1 版" in summary["A2"].value and "待发布" in summary["A2"].value and "DS8-2026.1" in summary["A2"].value
    assert [c.value for c in summary[4]] == ["指标", "教育部", "全国", "说明"]
    assert summary.freeze_panes == "B5"
    assert summary.column_dimensions["A"].width == 24
    by_label = {row[0].value: row for row in summary.iter_rows(min_row=5) if row[0].value}
    moe = _stat(draft, scope=ScopeKind.MINISTRY, organization=world.orgs["moe"])
    nation = _stat(draft, scope=ScopeKind.NATIONAL)
    assert by_label["盘点范围专利数"][1].value == moe.in_scope == 400
    assert by_label["盘点范围专利数"][1].number_format == "#,##0"
    assert by_label["盘点范围专利数"][2].value == nation.in_scope
    coverage = by_label["盘点覆盖率"][1]
    assert coverage.number_format == "0.0%" and coverage.value == pytest.approx(moe.inventoried / moe.in_scope)
    assert by_label["专利实施率"][2].value == pytest.approx(nation.implemented / nation.valid)
    assert by_label["自报实施"][1].value == moe.self_reported

    units = book["各机构"]
    assert units.freeze_panes == "C4"
    headers = [c.value for c in units[3]]
    assert headers[:2] == ["序号", "机构"] and "盘点覆盖率" in headers and "专利实施率" in headers
    names = [row[1].value for row in units.iter_rows(min_row=4)]
    # 教育部 supervises 北京示范大学 only: the other institutions are not in its report.
    assert names == ["北京示范大学", "教育部"]
    institution = _stat(draft, scope=ScopeKind.INSTITUTION, organization=world.orgs["inst_bj_moe"])
    row = next(units.iter_rows(min_row=4, max_row=4))
    assert row[headers.index("已盘点专利数")].value == institution.inventoried
    assert units.column_dimensions["B"].width == 30

    trend = book["季度趋势"]
    # Oldest first; the world's own runs (2025Q3, 2025Q4) come before these two.
    assert [(r[0].value, r[1].value) for r in trend.iter_rows(min_row=4) if r[0].value in (EARLIER, QUARTER)] == [
        (EARLIER, "教育部"), (EARLIER, "全国"), (QUARTER, "教育部"), (QUARTER, "全国")]
    quarters = [r[0].value for r in trend.iter_rows(min_row=4)]
    assert quarters == sorted(quarters) and "2025Q3" in quarters

    definitions = book["统计口径"]
    assert "版本 DS8-2026.1" in definitions["A2"].value
    texts = [r[0].value for r in definitions.iter_rows(min_row=4)]
    assert "已实施" in texts and "专利实施率" in texts


def test_a_provinces_xlsx_shows_an_empty_denominator_as_a_dash(world, runs, django_capture_on_commit_callbacks):
    job = _build(world, "prov_bj_admin", "xlsx", capture=django_capture_on_commit_callbacks)
    book = openpyxl.load_workbook(io.BytesIO(_bytes(job)))
    units = book["各机构"]
    headers = [c.value for c in units[3]]
    rows = {r[1].value: r for r in units.iter_rows(min_row=4)}
    assert set(rows) == {"北京示范大学", "北京市属研究院", "北京市"}
    local = rows["北京市属研究院"]
    assert local[headers.index("盘点覆盖率")].value == "—"
    assert local[headers.index("专利实施率")].value == "—"
    assert rows["北京示范大学"][headers.index("盘点覆盖率")].value == pytest.approx(0.7)
    # Ranked by coverage: the "—" last, before the total.
    assert [r[1].value for r in units.iter_rows(min_row=4)] == ["北京示范大学", "北京市属研究院", "北京市"]


def test_the_platforms_xlsx_has_provinces_and_every_institution_with_its_province(
        world, runs, django_capture_on_commit_callbacks):
    _published, draft = runs
    job = _build(world, "operator", "xlsx", capture=django_capture_on_commit_callbacks)
    book = openpyxl.load_workbook(io.BytesIO(_bytes(job)))
    assert book.sheetnames == ["概况", "各省份", "各机构", "季度趋势", "统计口径"]
    provinces = {r[1].value: r for r in book["各省份"].iter_rows(min_row=4)}
    gd = _stat(draft, scope=ScopeKind.PROVINCE, province=world.orgs["prov_gd"].province)
    assert provinces["广东省"][2].value == gd.in_scope
    institutions = book["各机构"]
    assert [c.value for c in institutions[3]][:3] == ["序号", "机构", "所在省份"]
    assert institutions.freeze_panes == "D4"
    assert {(r[1].value, r[2].value) for r in institutions.iter_rows(min_row=4, max_row=6)} == {
        ("北京示范大学", "北京市"), ("北京市属研究院", "北京市"), ("广东省人民医院", "广东省")}


def test_a_published_run_has_no_draft_mark(world, runs, django_capture_on_commit_callbacks):
    job = _build(world, "moe_admin", "xlsx", EARLIER, capture=django_capture_on_commit_callbacks)
    book = openpyxl.load_workbook(io.BytesIO(_bytes(job)))
    assert "草稿" not in book["概况"]["A1"].value and "已发布" in book["概况"]["A2"].value
    assert "草稿" not in job.filename


def test_a_report_of_a_computed_quarter_shows_the_computed_rows(world, django_capture_on_commit_callbacks):
    """End to end: the statistics computed over the fixture world (reporting.statistics.services),
    then 北京's report of them: every institution row it reads, with the same numbers."""
    run = compute_quarter(Quarter.parse(QUARTER), user=world.user("operator"))
    viewer = world.user("prov_bj_admin")
    job = _build(world, "prov_bj_admin", "xlsx", capture=django_capture_on_commit_callbacks)
    assert job.run_id == run.pk
    book = openpyxl.load_workbook(io.BytesIO(_bytes(job)))
    units = book["各机构"]
    headers = [c.value for c in units[3]]
    shown = {r[1].value: r for r in units.iter_rows(min_row=4) if r[0].value != "合计"}
    rows = QuarterlyStat.objects.visible_to(viewer).filter(run=run, scope=ScopeKind.INSTITUTION)
    assert set(shown) == {row.organization.name for row in rows} == {"北京示范大学", "北京市属研究院"}
    for row in rows:
        cells = shown[row.organization.name]
        for label, column in (("盘点范围专利数", "in_scope"), ("已盘点专利数", "inventoried"), ("有效专利数", "valid"),
                              ("已实施专利数", "implemented"), ("入库数", "in_library")):
            assert cells[headers.index(label)].value == getattr(row, column), (row.organization.name, label)
        coverage = cells[headers.index("盘点覆盖率")].value
        assert coverage == (row.inventoried / row.in_scope if row.in_scope else "—")
    province = QuarterlyStat.objects.get(run=run, scope=ScopeKind.PROVINCE, province_id="110000")
    summary = {r[0].value: r for r in book["概况"].iter_rows(min_row=5) if r[0].value}
    assert summary["盘点范围专利数"][1].value == province.in_scope > 0


# --- the PDF and the .docx --------------------------------------------------------------------------


def test_the_pdf_renders_with_its_charts(world, runs, django_capture_on_commit_callbacks):
    job = _build(world, "prov_bj_admin", "pdf", capture=django_capture_on_commit_callbacks)
    document = pypdfium2.PdfDocument(_bytes(job))
    assert len(document) >= 3
    first = document[0]
    text = first.get_textpage().get_text_range()
    assert f"北京市{LABEL}存量专利盘活工作进展报告" in text and "70.0%" in text
    SHOTS.mkdir(exist_ok=True)
    for number in range(len(document)):
        image = document[number].render(scale=1).to_pil()
        image.save(SHOTS / f"pdf-province-{number + 1}.png")
        assert _not_blank(image) > 0.02, f"page {number + 1} is blank"


def test_the_bulletin_drafts_the_headline_ranking_laggards_cases_and_definitions(world, runs):
    _published, draft = runs
    data = collect(world.user("prov_bj_admin"), Quarter.parse(QUARTER), draft)
    target = io.BytesIO()
    behind = services.behind_milestones(world.user("prov_bj_admin"))
    cases = [BulletinCase("北京示范大学开放许可打包实施", "北京市", "以开放许可方式向中小企业许可专利 12 件。")]
    write_bulletin(data, target, behind=behind, cases=cases)
    document = Document(io.BytesIO(target.getvalue()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"关于{LABEL}北京市高校和科研机构存量专利盘活工作进展情况的通报" in text
    assert "草稿/未发布" in text
    province = _stat(draft, scope=ScopeKind.PROVINCE, province=world.orgs["prov_bj"].province)
    assert f"盘点范围内专利 {province.in_scope:,} 件" in text and "盘点覆盖率 70.0%" in text
    assert f"转让登记 {province.transfers} 件" in text and "全国同期盘点覆盖率 70.0%" in text
    assert f"{province.self_reported} 件,单列,未计入实施率" in text
    assert "北京示范大学开放许可打包实施(北京市)" in text
    assert "统计口径(版本 DS8-2026.1)" in text
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "机构", "盘点范围专利数"]
    assert [row.cells[1].text for row in table.rows[1:]] == ["北京示范大学", "北京市属研究院"]
    assert table.rows[2].cells[4].text == "—"
    assert behind, "the world's institutions are behind the 2024 milestones"
    for item in behind:
        assert f"{item.name}:已盘点 {item.inventoried} / {item.total} 件" in text
    # The province's own institutions only.
    assert {item.name for item in behind} <= {"北京示范大学", "北京市属研究院"}


def test_the_bulletin_built_as_a_job_renders(world, runs, django_capture_on_commit_callbacks, tmp_path):
    job = _build(world, "moe_admin", "docx", capture=django_capture_on_commit_callbacks)
    assert job.filename == "教育部2026Q3进展通报(草稿).docx"
    document = Document(io.BytesIO(_bytes(job)))
    assert document.paragraphs[1].text.startswith(f"关于{LABEL}教育部")


def _soffice_to_pdf(source: Path) -> pypdfium2.PdfDocument:
    """LibreOffice's rendering of a .docx or .xlsx as a PDF (a fresh profile under the test's folder)."""
    soffice = shutil.which("soffice")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{source.parent}/lo", "--convert-to", "pdf",
                    "--outdir", str(source.parent), str(source)], check=True, capture_output=True, timeout=180)
    return pypdfium2.PdfDocument(str(source.with_suffix(".pdf")))


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed, so the .docx and .xlsx are not rendered to "
                           "images here (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)")
def test_the_bulletin_and_the_workbook_render_to_images(world, runs, django_capture_on_commit_callbacks, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    bulletin = tmp_path / "bulletin.docx"
    bulletin.write_bytes(_bytes(_build(world, "prov_bj_admin", "docx", capture=django_capture_on_commit_callbacks)))
    document = _soffice_to_pdf(bulletin)
    image = document[0].render(scale=1).to_pil()
    image.save(SHOTS / "docx-province-1.png")
    assert _not_blank(image) > 0.02
    assert "进展情况的通报" in document[0].get_textpage().get_text_range()

    workbook = tmp_path / "workbook.xlsx"
    workbook.write_bytes(_bytes(_build(world, "operator", "xlsx", capture=django_capture_on_commit_callbacks)))
    pages = _soffice_to_pdf(workbook)
    for number in range(min(len(pages), 6)):
        page = pages[number].render(scale=1.3).to_pil()
        page.save(SHOTS / f"xlsx-platform-{number + 1}.png")
        assert _not_blank(page) > 0.01
    assert "全国" in pages[0].get_textpage().get_text_range()


def test_the_bulletin_quotes_the_cases_marked_for_it_that_its_reader_may_read(world, runs,
                                                                              django_capture_on_commit_callbacks):
    from reporting.cases.models import CaseKind, CaseReport, CaseStatus

    common = {"quarter": QUARTER, "kind": CaseKind.values[0], "status": CaseStatus.SUBMITTED, "for_bulletin": True}
    CaseReport.objects.create(organization=world.orgs["prov_bj"], title="北京高校专利开放许可打包实施",
                              text="以开放许可方式向中小企业许可专利 12 件。", **common)
    CaseReport.objects.create(organization=world.orgs["prov_gd"], title="广东医院专利作价入股",
                              text="医院专利作价入股成立公司。", **common)
    CaseReport.objects.create(organization=world.orgs["prov_gd"], title="未纳入通报的案例", text="略。",
                              **{**common, "for_bulletin": False})

    def texts(username: str) -> str:
        job = _build(world, username, "docx", capture=django_capture_on_commit_callbacks)
        return "\n".join(p.text for p in Document(io.BytesIO(_bytes(job))).paragraphs)

    ministry = texts("moe_admin")
    assert "北京高校专利开放许可打包实施" in ministry and "广东医院专利作价入股" in ministry
    assert "未纳入通报的案例" not in ministry
    beijing = texts("prov_bj_admin")
    assert "北京高校专利开放许可打包实施" in beijing and "广东医院专利作价入股" not in beijing


def test_text_that_xml_cannot_hold_is_written_as_a_replacement_character(world, runs,
                                                                           django_capture_on_commit_callbacks):
    """A name or a case typed in a form may hold a control character or a non-character (U+FFFE):
    openpyxl and lxml refuse them on saving, so the report would fail. They are written as U+FFFD."""
    institution = world.orgs["inst_bj_moe"]
    institution.name = "北京示范大学\x07\ufffe"
    institution.save(update_fields=["name"])
    xlsx = _build(world, "prov_bj_admin", "xlsx", capture=django_capture_on_commit_callbacks)
    names = [row[1] for row in openpyxl.load_workbook(io.BytesIO(_bytes(xlsx)))["各机构"].iter_rows(values_only=True)]
    assert "北京示范大学\ufffd\ufffd" in names
    data = collect(world.user("prov_bj_admin"), Quarter.parse(QUARTER), runs[1])
    target = io.BytesIO()
    write_bulletin(data, target, behind=[], cases=[BulletinCase("案例\x0b\uffff", "北京市", "正文\x00\ufffe")])
    text = "\n".join(p.text for p in Document(io.BytesIO(target.getvalue())).paragraphs)
    assert "案例\ufffd\ufffd(北京市)" in text and "正文\ufffd\ufffd" in text
    ranking = Document(io.BytesIO(target.getvalue())).tables[0]
    assert "北京示范大学\ufffd\ufffd" in [row.cells[1].text for row in ranking.rows]


def test_the_bulletin_names_the_institutions_behind_as_they_stood_at_the_quarters_end(world, runs):
    """Inventory done after the quarter's end does not clear an institution from that quarter's
    bulletin; today's progress does (inventory.milestones on a past day)."""
    import datetime

    from django.utils import timezone

    from inventory.choices import InventoryStatus
    from inventory.models import InventoryRecord
    from reporting.reports.bulletin import progress_day

    institution = world.orgs["inst_bj_moe"]
    end = Quarter.parse(QUARTER).end
    after = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(0, 30)))
    InventoryRecord.objects.filter(institution=institution).update(status=InventoryStatus.INVENTORIED,
                                                                   inventoried_at=after)
    user = world.user("prov_bj_admin")
    at_end = {item.name: item for item in services.behind_milestones(user, end)}
    assert "北京示范大学" in at_end and at_end["北京示范大学"].inventoried < at_end["北京示范大学"].total
    assert "北京示范大学" not in {item.name for item in services.behind_milestones(user)}
    data = collect(user, Quarter.parse(QUARTER), runs[1])
    assert progress_day(data) == min(end, timezone.localdate())
    target = io.BytesIO()
    write_bulletin(data, target, behind=list(at_end.values()))
    text = "\n".join(p.text for p in Document(io.BytesIO(target.getvalue())).paragraphs)
    assert "截至2026年9月30日" in text and "北京示范大学:已盘点" in text


def test_the_reports_show_the_quarters_spot_checks_per_institution_in_the_askers_scope(world, runs):
    """The xlsx's 随机抽查 sheet and the bulletin's 四、随机抽查情况: the quarter's drawn spot checks,
    results per institution among the sampled records the asker reads (the world's spot_bj: 北京示范
    大学 不一致 + 数据错误, 北京市属研究院 一致)."""
    from reporting.reports.xlsx import write_xlsx
    from reporting.spotchecks.models import SpotCheck

    SpotCheck.objects.filter(title="北京市2026年第四季度盘点抽查").update(quarter=QUARTER)
    province = collect(world.user("prov_bj_admin"), Quarter.parse(QUARTER), runs[1])
    [check] = province.spot_checks
    assert [(r.institution, r.sampled, r.checked, r.agreed, r.to_correct) for r in check.results] == [
        ("北京市属研究院", 1, 1, 1, 0), ("北京示范大学", 2, 2, 0, 2)]
    target = io.BytesIO()
    write_xlsx(province, target)
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["随机抽查"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [row[3:] for row in rows] == [("北京市属研究院", 1, 1, 1, 0, 0, 0, 0),
                                         ("北京示范大学", 2, 2, 0, 1, 1, 2, 0),
                                         ("合计", 3, 3, 0.333, 1, 1, 2, 0)]  # 一致率 33.3%
    assert sheet.freeze_panes == "E4" and sheet.cell(6, 7).number_format == "0.0%"
    target = io.BytesIO()
    write_bulletin(province, target)
    text = "\n".join(p.text for p in Document(io.BytesIO(target.getvalue())).paragraphs)
    assert ("1. 北京市2026年第四季度盘点抽查(北京市知识产权局,整改中):抽取 3 条,已核查 3 条,一致率 33.3%;"
            "需整改 2 条,已整改 0 条。") in text
    assert "需整改的机构:北京示范大学 2 条。" in text and "六、统计口径" in text
    # 教育部 reads its university's records only; 广东 none of 北京's check.
    ministry = collect(world.user("moe_admin"), Quarter.parse(QUARTER), runs[1])
    assert [r.institution for r in ministry.spot_checks[0].results] == ["北京示范大学"]
    guangdong = collect(world.user("prov_gd_admin"), Quarter.parse(QUARTER), runs[1])
    assert guangdong.spot_checks == []
    target = io.BytesIO()
    write_xlsx(guangdong, target)
    assert "随机抽查" not in openpyxl.load_workbook(io.BytesIO(target.getvalue())).sheetnames
