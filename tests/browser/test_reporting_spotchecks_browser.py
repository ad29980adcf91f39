"""Spot checks and typical cases in a real browser: 北京's office organises a spot check through the
form, assigns itself as reviewer and records a finding; 北京示范大学 reads the findings it is asked
to correct and marks one corrected; 北京's office writes a case with an attachment and submits it;
教育部 reads the submitted cases. Screenshots under test-artifacts/screenshots/reporting_*.png."""

import pytest

from reporting.cases.models import CaseReport, CaseStatus
from reporting.spotchecks.models import SpotCheck

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_spot_check_from_the_form_to_the_corrections(world, sign_in, live_server, screenshot):
    page = sign_in("prov_bj_admin")
    page.goto(f"{live_server.url}/reporting/spot-checks/")
    screenshot("reporting_spotcheck_list")
    page.locator("#pn-spotcheck-new").click()
    page.get_by_label("抽查名称").fill("北京市盘点质量抽查")
    page.get_by_label("季度").fill("2026Q3")
    page.get_by_label("每个机构抽取件数").fill("1")
    page.get_by_label("抽查机构(可多选)").select_option(
        [str(world.orgs["inst_bj_moe"].pk), str(world.orgs["inst_bj_local"].pk)])
    screenshot("reporting_spotcheck_form")
    page.locator("#pn-sc-submit").click()
    page.get_by_text("已创建抽查并抽取").wait_for()
    check = SpotCheck.objects.get(title="北京市盘点质量抽查")
    assert check.sampled.count() == 2
    page.locator("#pn-sc-assign").get_by_role("button", name="分配核查人").click()
    page.get_by_text("已为 2 条抽查记录分配核查人").wait_for()
    screenshot("reporting_spotcheck_detail")
    page.goto(f"{live_server.url}/reporting/spot-checks/review/")
    page.locator("#pn-sc-queue a").first.click()
    page.get_by_label("不一致", exact=True).check()
    page.get_by_label("原因(不一致时必填)").fill("转化意愿与实施状态不符")
    screenshot("reporting_spotcheck_finding")
    page.get_by_role("button", name="保存核查结论").click()
    page.get_by_text("已保存核查结论").wait_for()

    page.context.clear_cookies()
    page = sign_in("inst_bj_moe_admin")
    page.goto(f"{live_server.url}/reporting/spot-checks/corrections/")
    assert "转化意愿与备注不符" in page.content()  # the world's spot_bj finding
    assert "prov_bj_admin" not in page.content()
    form = page.locator("#pn-sc-corrections form").first
    form.get_by_label("整改说明").fill("已按抽查意见修改转化意愿")
    form.get_by_role("button").click()
    page.get_by_text("已标记为已整改").wait_for()
    screenshot("reporting_spotcheck_corrections")


def test_a_large_draw_shows_its_progress_and_the_page_refreshes_when_it_is_done(world, sign_in, live_server,
                                                                                 screenshot):
    """A national check's draw runs in a worker: the page polls its progress, then reloads itself
    with the sample once the worker has drawn it."""
    from reporting.spotchecks import services
    from reporting.spotchecks.models import SpotCheckStatus

    check = SpotCheck.objects.create(organiser=world.orgs["prov_bj"], title="全市盘点质量抽查", quarter="2026Q3",
                                     seed="seed-browser", sample_size=1, status=SpotCheckStatus.DRAWING,
                                     draw_progress=40, population=2, created_by=world.user("prov_bj_admin"))
    check.institutions.set([world.orgs["inst_bj_moe"], world.orgs["inst_bj_local"]])
    page = sign_in("prov_bj_admin")
    page.goto(f"{live_server.url}/reporting/spot-checks/{check.pk}/")
    page.get_by_text("正在从 2 条已盘点记录中抽取样本").wait_for()
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "40"
    screenshot("reporting_spotcheck_drawing")
    assert services.draw_sample(check.pk).status == SpotCheckStatus.REVIEWING
    page.locator("#pn-sc-drawing").wait_for(state="detached", timeout=10_000)  # reloaded by HX-Refresh
    page.locator("#pn-sc-results").get_by_text("北京示范大学").wait_for()
    assert "核查中" in page.locator("h1").inner_text()


def test_a_failed_draw_is_drawn_again_from_its_page(world, sign_in, live_server, screenshot, settings):
    """A worker's draw that failed says why on the check's page; 重新抽取 starts it again (Celery runs
    in-process here) and the page shows the sample."""
    from reporting.spotchecks.models import SpotCheckStatus

    settings.SPOTCHECK_DRAW_IN_REQUEST_MAX = 0
    check = SpotCheck.objects.create(organiser=world.orgs["prov_bj"], title="全市盘点质量抽查", quarter="2026Q3",
                                     seed="seed-browser", sample_size=1, status=SpotCheckStatus.DRAW_FAILED,
                                     draw_error="抽取样本时出错,没有抽取任何记录;请点击“重新抽取”",
                                     population=2, created_by=world.user("prov_bj_admin"))
    check.institutions.set([world.orgs["inst_bj_moe"], world.orgs["inst_bj_local"]])
    page = sign_in("prov_bj_admin")
    page.goto(f"{live_server.url}/reporting/spot-checks/{check.pk}/")
    assert "没有抽取任何记录" in page.locator("#pn-sc-draw-error").inner_text()
    screenshot("reporting_spotcheck_draw_failed")
    page.locator("#pn-sc-retry").click()
    page.get_by_text("已重新开始抽取样本").wait_for()
    page.locator("#pn-sc-results").get_by_text("北京示范大学").wait_for()
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.REVIEWING and check.sampled.count() == 2


def test_a_case_is_written_submitted_and_read_by_a_ministry(world, sign_in, live_server, screenshot, tmp_path):
    page = sign_in("prov_bj_admin")
    page.goto(f"{live_server.url}/reporting/cases/new/")
    page.get_by_label("季度").fill("2026Q3")
    page.get_by_label("标题").fill("北京市专利开放许可经验")
    page.get_by_label("内容").fill("一、基本做法\n二、主要成效:开放许可 35 件,已许可 12 件。")
    screenshot("reporting_case_form")
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("已保存草稿").wait_for()
    attachment = tmp_path / "材料.pdf"
    attachment.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("上传附件").set_input_files(str(attachment))
    page.locator("#pn-case-attach").get_by_role("button", name="上传", exact=True).click()
    page.get_by_text("已上传附件").wait_for()
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ" + b"0" * 64)
    page.get_by_label("上传附件").set_input_files(str(bad))
    page.locator("#pn-case-attach").get_by_role("button", name="上传", exact=True).click()
    page.get_by_text("是可执行程序或脚本,不能上传").wait_for()
    screenshot("reporting_case_draft")
    page.locator("#pn-case-submit").click()
    page.get_by_text("已报送").first.wait_for()
    assert CaseReport.objects.get(title="北京市专利开放许可经验").status == CaseStatus.SUBMITTED

    page.context.clear_cookies()
    page = sign_in("moe_admin")
    page.goto(f"{live_server.url}/reporting/cases/")
    assert "北京市专利开放许可经验" in page.content() and "北京盘点问题建议(草稿)" not in page.content()
    screenshot("reporting_case_list_ministry")
    page.context.clear_cookies()
    page = sign_in("operator")
    page.goto(f"{live_server.url}/reporting/cases/")
    page.get_by_role("link", name="北京市专利开放许可经验").click()
    page.locator("#pn-case-mark").click()
    page.get_by_text("已纳入通报").first.wait_for()
    screenshot("reporting_case_detail_operator")
