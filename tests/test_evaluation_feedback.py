"""Feedback to institutions (精准对接): summaries per patent computed by hand,
answers and their notifications, contact only where the enterprise agreed, the reasons aggregated
per role, the evaluation-feedback sheet's download, and its upload through the one import pipeline
(hostile sheets, idempotent re-upload, the uploader's scope)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent
from evaluation.assessments.models import Evaluation
from evaluation.choices import (
    EvaluationSource,
    EvaluationStatus,
    EvaluatorKind,
    FeedbackAction,
    NonConversionReason,
    Prospect,
)
from evaluation.experts.models import Expert
from evaluation.feedback import services
from evaluation.feedback.importer import FEEDBACK
from evaluation.feedback.models import EvaluationsBatch, FeedbackAnswer
from evaluation.feedback.sheet_format import FeedbackFormat
from evaluation.indicators.models import Dimension, IndicatorSystem
from ground import imports
from inventory.classification.models import PatentIndustry
from matching.needs.models import EnterpriseProfile
from notifications.models import Notification

HEADERS = [column.header for column in FeedbackFormat().columns]
GD = "91350100M000100Y43"
BJ_SOE = "91110000600037341L"


def _evaluations(world) -> dict[str, Evaluation]:
    return {item.key: item.obj for item in world.extra_objects["evaluation.evaluation"]
            if item.key.startswith("feedback_")}


@pytest.fixture
def more(world):
    """Two more submitted evaluations of 北京示范大学's library patent: 北京中央企业's and an expert's."""
    patent, owner = world.patents["bj_moe_library"], world.orgs["inst_bj_moe"]
    expert = Expert.objects.get(phone="13700990001")
    soe = Evaluation.objects.create(
        patent=patent, owner=owner, evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=world.orgs["ent_bj_soe"],
        status=EvaluationStatus.SUBMITTED, prospect=Prospect.POOR, cooperation_modes=["joint_rd", "licence"],
        reasons=[NonConversionReason.PRICE], dimension_scores={"legal": 50.0, "technical": 60.0},
        overall=Decimal("55.00"), improvement_needs="降低成本")
    by_expert = Evaluation.objects.create(
        patent=patent, owner=owner, evaluator_kind=EvaluatorKind.EXPERT, expert=expert,
        status=EvaluationStatus.SUBMITTED, dimension_scores={"economic": 80.0}, overall=Decimal("90.00"))
    return {"soe": soe, "expert": by_expert}


# --- summaries ----------------------------------------------------------------------------------------

def test_summary_per_patent_computed_by_hand(world, more, client, django_assert_max_num_queries):
    user = world.user("inst_bj_moe_admin")
    summaries = {s["patent__application_number"]: s for s in services.describe(
        list(services.patent_summaries(services.feedback_evaluations(user), services.dimension_labels())),
        services.feedback_evaluations(user), services.dimension_labels())}
    library = summaries[world.patents["bj_moe_library"].application_number]
    # 广东专精特新 (一般, 71, legal 70 technical 80 economic 60, no cooperation, 优势不明确 + 价格),
    # 北京中央企业 (较差, 55, legal 50 technical 60, 联合研发 + 许可, 价格), an expert (90, economic 80).
    assert (library["evaluations"], library["enterprises"], library["experts"]) == (3, 2, 1)
    assert float(library["overall_mean"]) == pytest.approx(72.0)
    means = dict(library["dimension_means"])
    assert means["法律价值"] == pytest.approx(60.0)
    assert means["技术价值"] == pytest.approx(70.0)
    assert means["经济价值"] == pytest.approx(70.0)
    assert dict(library["prospects"]) == {"较好": 0, "一般": 1, "较差": 1}
    # 暂无: 广东专精特新 alone (the expert states no cooperation intent).
    assert dict(library["modes"]) == {"许可": 1, "联合研发": 1, "暂无": 1}
    assert dict(library["reasons"]) == {"相对现有技术的优势不明确": 1, "价格不合适": 2}
    assert sorted(library["improvement_needs"]) == ["feedback 希望补充中试数据和能耗指标", "降低成本"]
    private = summaries[world.patents["bj_moe_private"].application_number]
    assert (private["evaluations"], private["experts"]) == (1, 1)
    # Only its own patents, and never the withdrawn evaluation.
    assert set(summaries) == {world.patents["bj_moe_library"].application_number,
                              world.patents["bj_moe_private"].application_number}
    client.force_login(user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("evaluation:feedback_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "降低成本" in text and "价格不合适 2" in text


def test_page_queries_do_not_grow_with_patents(world, more, client, django_assert_max_num_queries):
    user = world.user("operator")
    client.force_login(user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("evaluation:feedback_list")).status_code == 200


def test_department_staff_see_their_department_only(world):
    dept = world.user("inst_bj_moe_dept_admin")
    numbers = {s["patent__application_number"] for s in
               services.patent_summaries(services.feedback_evaluations(dept), services.dimension_labels())}
    assert numbers == {world.patents["bj_moe_private"].application_number}


def test_patent_page_names_the_enterprise_only_where_it_agreed(world, client):
    e = _evaluations(world)
    client.force_login(world.user("inst_bj_moe_admin"))
    url = reverse("evaluation:feedback_patent", args=[world.patents["bj_moe_library"].pk])
    text = client.get(url).content.decode()
    assert "企业(未公开名称)" in text and "广东专精特新科技有限公司" not in text and "13600000002" not in text
    assert "技术有新意" in text and "计划三个月内补充中试数据" in text
    EnterpriseProfile.objects.filter(enterprise=world.orgs["ent_gd"]).update(allow_direct_contact=True)
    text = client.get(url).content.decode()
    assert "广东专精特新科技有限公司" in text and "13600000002" in text
    assert f'id="pn-evaluation-{e["feedback_ent_gd_on_bj_moe_library"].pk}"' in text
    # Experts review unsigned for the institution.
    other = client.get(reverse("evaluation:feedback_patent", args=[world.patents["bj_moe_private"].pk]))
    assert "反馈评价专家" not in other.content.decode()


def test_patent_page_out_of_scope_is_404(world, client):
    client.force_login(world.user("inst_bj_moe_admin"))
    assert client.get(reverse("evaluation:feedback_patent", args=[world.patents["gd_private"].pk])).status_code == 404
    client.force_login(world.user("ent_gd_admin"))
    assert client.get(reverse("evaluation:feedback_list")).status_code == 403


# --- answers ------------------------------------------------------------------------------------------

def test_joint_development_notifies_the_enterprise_once(world):
    e = _evaluations(world)["feedback_ent_gd_on_bj_moe_library"]
    admin = world.user("inst_bj_moe_admin")
    created = services.answer(admin, e.pk, FeedbackAction.JOINT_RD, "欢迎来校交流")
    assert created.evaluation == e and created.created_by == admin
    [note] = Notification.objects.filter(kind="evaluation.joint_rd")
    assert note.recipient == world.user("ent_gd_admin") and "欢迎来校交流" in note.body
    assert note.url == reverse("evaluation:feedback_answers")
    event = AuditEvent.objects.get(action="evaluation.feedback_answer")
    assert event.after["action"] == FeedbackAction.JOINT_RD
    with pytest.raises(services.FeedbackError, match="已向该企业提议过联合研发"):
        services.answer(admin, e.pk, FeedbackAction.JOINT_RD)
    assert Notification.objects.filter(kind="evaluation.joint_rd").count() == 1


def test_answers_refused_in_chinese_with_nothing_written(world):
    e = _evaluations(world)
    admin = world.user("inst_bj_moe_admin")
    ent_bj = e["feedback_ent_gd_on_bj_moe_library"]
    before = FeedbackAnswer.objects.count()
    cases = [
        (admin, e["feedback_expert_on_gd_private"].pk, FeedbackAction.IMPROVE, "x", "不是对本机构专利的评价"),
        (world.user("inst_gd_local_admin"), e["feedback_ent_gd_withdrawn_on_gd_library"].pk, FeedbackAction.IMPROVE,
         "x", "已被评价方撤回"),
        (admin, ent_bj.pk, FeedbackAction.CONTACT, "", "未同意机构直接联系"),
        (admin, ent_bj.pk, FeedbackAction.IMPROVE, "", "请填写改进计划"),
        (admin, ent_bj.pk, "gift", "", "请选择答复方式"),
        (admin, e["feedback_expert_on_bj_moe_private"].pk, FeedbackAction.JOINT_RD, "", "不是平台注册企业"),
        (world.user("inst_bj_moe_dept_admin"), ent_bj.pk, FeedbackAction.IMPROVE, "x", "不是对本机构专利的评价"),
        (world.user("ent_gd_admin"), ent_bj.pk, FeedbackAction.IMPROVE, "x", "只有专利权人机构"),
        (admin, 999_999, FeedbackAction.IMPROVE, "x", "不是对本机构专利的评价"),
    ]
    for user, pk, action, note, message in cases:
        with pytest.raises(services.FeedbackError, match=message):
            services.answer(user, pk, action, note)
    draft = Evaluation.objects.create(patent=world.patents["co_owned"], owner=world.orgs["inst_bj_moe"],
                                      evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=world.orgs["ent_bj_soe"])
    with pytest.raises(services.FeedbackError, match="尚未提交"):
        services.answer(admin, draft.pk, FeedbackAction.IMPROVE, "x")
    assert FeedbackAnswer.objects.count() == before
    assert not AuditEvent.objects.filter(action="evaluation.feedback_answer").exists()


def test_contact_where_the_enterprise_agreed(world, client):
    e = _evaluations(world)["feedback_ent_gd_on_bj_moe_library"]
    EnterpriseProfile.objects.filter(enterprise=world.orgs["ent_gd"]).update(allow_direct_contact=True)
    client.force_login(world.user("inst_bj_moe_member"))
    response = client.post(reverse("evaluation:feedback_answer", args=[e.pk]), {"action": "contact", "note": ""})
    assert response.status_code == 302
    assert FeedbackAnswer.objects.filter(evaluation=e, action=FeedbackAction.CONTACT).count() == 1


def test_answer_page_post_refusal_is_shown(world, client):
    e = _evaluations(world)["feedback_ent_gd_on_bj_moe_library"]
    client.force_login(world.user("inst_bj_moe_admin"))
    response = client.post(reverse("evaluation:feedback_answer", args=[e.pk]), {"action": "contact"}, follow=True)
    assert "未同意机构直接联系" in response.content.decode()
    client.force_login(world.user("prov_bj_admin"))
    assert client.post(reverse("evaluation:feedback_answer", args=[e.pk]), {"action": "improve",
                                                                            "note": "x"}).status_code == 403


def test_enterprise_reads_the_answers_to_its_evaluations(world, client):
    client.force_login(world.user("ent_gd_admin"))
    text = client.get(reverse("evaluation:feedback_answers")).content.decode()
    assert "计划三个月内补充中试数据" in text and "按专家意见完善实施方案" not in text


# --- reasons aggregated -------------------------------------------------------------------------------

def test_reasons_by_sector_and_institution_per_role(world, more):
    PatentIndustry.objects.create(patent=world.patents["bj_moe_library"], industry_id="1.5")
    PatentIndustry.objects.create(patent=world.patents["bj_moe_library"], industry_id="1.2")  # same sector
    PatentIndustry.objects.create(patent=world.patents["gd_private"], industry_id="4.1")
    moe = services.reason_breakdown(world.user("moe_admin"))
    # 北京示范大学's: bj_moe_library (3 evaluations) and bj_moe_private (1, unclassified).
    assert moe["totals"]["evaluations"] == 4
    assert moe["totals"]["reason_price"] == 2 and moe["totals"]["reason_advantage_unclear"] == 1
    sectors = {row["sector"]: row for row in moe["sectors"]}
    assert sectors["1"]["evaluations"] == 3 and sectors["1"]["reason_price"] == 2
    assert sectors["1"]["prospect_poor"] == 1 and sectors["1"]["prospect_fair"] == 1
    assert sectors[None]["evaluations"] == 1 and sectors[None]["prospect_poor"] == 1
    assert [(r["owner__name"], r["evaluations"]) for r in moe["institutions"]] == [("北京示范大学", 4)]
    gd = services.reason_breakdown(world.user("prov_gd_admin"))
    # Its enterprise's evaluation of a 北京 patent and the expert's of its institution's patent.
    assert gd["totals"]["evaluations"] == 2
    assert {r["owner__name"]: r["evaluations"] for r in gd["institutions"]} == {"北京示范大学": 1, "广东省人民医院": 1}
    assert {row["sector"]: row["evaluations"] for row in gd["sectors"]} == {"1": 1, "4": 1}
    assert services.reason_breakdown(world.user("sasac_admin"))["totals"]["evaluations"] == 0
    assert services.reason_breakdown(world.user("operator"))["totals"]["evaluations"] == 5


def test_reasons_page_chart_and_export(world, client):
    client.force_login(world.user("prov_bj_admin"))
    response = client.get(reverse("evaluation:feedback_reasons"))
    text = response.content.decode()
    assert response.status_code == 200 and 'id="reason-chart-data"' in text and "reason-charts.js" in text
    assert "echarts.init" not in text  # the chart is drawn by static/js (CSP: no inline script)
    assert "北京示范大学" in text
    export = client.get(reverse("evaluation:feedback_reasons_export"))
    workbook = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert workbook.sheetnames == ["按产业", "按单位", "合计"]
    rows = list(workbook["按单位"].values)
    assert rows[1][0] == "北京示范大学" and rows[1][1] == 2
    assert AuditEvent.objects.filter(action="export.evaluation_reasons").count() == 1
    client.force_login(world.user("inst_bj_moe_admin"))
    assert client.get(reverse("evaluation:feedback_reasons")).status_code == 403


# --- the standard format: download --------------------------------------------------------------------

def test_download_in_the_standard_format(world, client):
    client.force_login(world.user("inst_bj_moe_admin"))
    response = client.get(reverse("evaluation:feedback_export"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.values)
    assert list(rows[0]) == HEADERS
    by_number = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    library = by_number[world.patents["bj_moe_library"].application_number]
    assert library["评价主体类型"] == "企业" and library["评价主体名称"] == "企业(未公开名称)"
    assert library["统一社会信用代码"] is None and library["产业化前景"] == "一般"
    assert library["产学研合作意愿"] == "暂无"
    assert (library["法律价值"], library["技术价值"], library["经济价值"]) == (70, 80, 60)
    assert library["评价日期"].date() == dt.date(2026, 11, 20)
    private = by_number[world.patents["bj_moe_private"].application_number]
    assert private["评价主体类型"] == "专家" and private["评价主体名称"] == "评价专家"
    assert len(by_number) == 2
    assert AuditEvent.objects.get(action="export.evaluation_feedback").detail["rows"] == 2
    client.force_login(world.user("prov_gd_admin"))
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("evaluation:feedback_export")).streaming_content)))
    names = {row[2] for row in list(workbook.active.values)[1:]}
    assert names == {"广东专精特新科技有限公司", "反馈评价专家"}


def test_a_summary_typed_with_characters_no_sheet_can_hold_downloads(world, client):
    """A summary typed in a form may hold a control character (a bell pasted from a terminal) or a
    non-character: openpyxl and lxml refuse them on saving; the download shows them as U+FFFD."""
    from evaluation.models import Evaluation

    Evaluation.objects.filter(patent=world.patents["bj_moe_library"]).update(summary="可行\x07\ufffe")
    client.force_login(world.user("inst_bj_moe_admin"))
    response = client.get(reverse("evaluation:feedback_export"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [dict(zip(HEADERS, row, strict=True)) for row in list(workbook.active.values)[1:]]
    assert "可行\ufffd\ufffd" in {row["综合意见"] for row in rows}


# --- the standard format: upload ----------------------------------------------------------------------

def xlsx(rows, headers=None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("feedback.xlsx", buffer.getvalue())


def row(number, kind="企业", name="广东专精特新科技有限公司", code=GD, **changes) -> list:
    values = {"申请号": number, "评价主体类型": kind, "评价主体名称": name, "统一社会信用代码": code,
              "产业化前景": "较好", "技术改进需求": "提高良率", "产学研合作意愿": "许可、联合研发", "法律价值": 70,
              "技术价值": 80, "经济价值": 60, "综合意见": "可以合作", "评价日期": "2026-11-01"}
    values.update(changes)
    return [values[h] for h in HEADERS]


def upload(world, rows, user="prov_gd_admin", **kwargs) -> EvaluationsBatch:
    batch = imports.stage(FEEDBACK, actor=world.user(user), file=xlsx(rows, **kwargs))
    return imports.start_validation(FEEDBACK, batch)


def problems(batch) -> dict[tuple, str]:
    return {(p["row"], p["column"]): p["message"] for p in batch.errors if p["level"] == "error"}


def _indicator_system() -> None:
    system = IndicatorSystem.objects.create(version=99, name="测试体系", scenario="许可转让", is_current=True)
    for position, (code, name, weight) in enumerate((("legal", "法律价值", "0.3"), ("technical", "技术价值", "0.4"),
                                                     ("economic", "经济价值", "0.3"))):
        Dimension.objects.create(system=system, code=code, name=name, weight=Decimal(weight), position=position)


def test_province_upload_commit_and_idempotent_reupload(world):
    IndicatorSystem.objects.update(is_current=False)
    _indicator_system()
    gd_private = world.patents["gd_private"].application_number
    rows = [row(gd_private), row(gd_private, kind="专家", name="王专家", code="", **{"产业化前景": "",
                                                                                 "产学研合作意愿": "暂无"})]
    batch = upload(world, rows)
    assert batch.status == "validated" and batch.counts["new"] == 2, batch.errors
    imports.request_commit(FEEDBACK, actor=world.user("prov_gd_admin"), batch=batch)
    uploaded = {e.evaluator_kind: e for e in Evaluation.objects.filter(source=EvaluationSource.UPLOAD)}
    enterprise = uploaded[EvaluatorKind.ENTERPRISE]
    assert enterprise.enterprise == world.orgs["ent_gd"] and enterprise.owner == world.orgs["inst_gd_local"]
    assert enterprise.status == EvaluationStatus.SUBMITTED and enterprise.submitted_at is not None
    assert enterprise.cooperation_modes == ["licence", "joint_rd"] and enterprise.prospect == Prospect.GOOD
    assert enterprise.dimension_scores == {"legal": 70.0, "technical": 80.0, "economic": 60.0}
    assert enterprise.overall == Decimal("71.00")  # 0.3 × 70 + 0.4 × 80 + 0.3 × 60
    assert enterprise.system.version == 99
    expert = uploaded[EvaluatorKind.EXPERT]
    assert expert.enterprise is None and expert.expert is None and expert.evaluator_name == "王专家"
    assert expert.cooperation_modes == []
    assert AuditEvent.objects.filter(action="evaluation.feedback_import").count() == 1
    count = Evaluation.objects.count()
    again = upload(world, rows)
    assert (again.counts["new"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    changed = upload(world, [row(gd_private, **{"经济价值": 100})])
    assert (changed.counts["new"], changed.counts["updated"]) == (0, 1), changed.errors
    imports.request_commit(FEEDBACK, actor=world.user("prov_gd_admin"), batch=changed)
    assert Evaluation.objects.get(pk=enterprise.pk).overall == Decimal("83.00")
    assert Evaluation.objects.count() == count
    # The enterprise now reads the evaluation made in its name; the institution sees it.
    assert Evaluation.objects.visible_to(world.user("ent_gd_admin")).filter(pk=enterprise.pk).exists()
    assert services.feedback_evaluations(world.user("inst_gd_local_admin")).filter(pk=enterprise.pk).exists()


def test_overall_is_the_mean_without_an_indicator_system(world):
    IndicatorSystem.objects.update(is_current=False)
    gd_private = world.patents["gd_private"].application_number
    batch = upload(world, [row(gd_private, **{"技术价值": "", "经济价值": 81})])
    imports.request_commit(FEEDBACK, actor=world.user("prov_gd_admin"), batch=batch)
    assert Evaluation.objects.get(source=EvaluationSource.UPLOAD).overall == Decimal("75.50")


def test_hostile_feedback_sheets_are_refused_by_row_and_column(world):
    before = Evaluation.objects.count()
    gd_private = world.patents["gd_private"].application_number
    bad_check = gd_private[:-1] + ("0" if gd_private[-1] != "0" else "1")
    rows = [
        row(gd_private),
        row(bad_check),
        row(_unknown_number()),
        row(world.patents["bj_moe_library"].application_number),
        row(gd_private, name="甲", code="", kind="专家", **{"法律价值": 101}),
        row(gd_private, kind="机构"),
        row(gd_private, name="乙", kind="专家", code="", **{"评价日期": "明年"}),
        row(gd_private),  # the first row again
        row(gd_private, name="丙公司", code=""),
        row(gd_private, name="丁", kind="专家", code="", **{"产学研合作意愿": "暂无、许可"}),
        row(gd_private, **{"评价日期": "2026-10-01"}),  # a second live evaluation of the same enterprise
    ]
    batch = upload(world, rows)
    found = problems(batch)
    assert set(found) == {(3, "申请号"), (4, "申请号"), (5, "申请号"), (6, "法律价值"), (7, "评价主体类型"),
                          (8, "评价日期"), (9, "申请号"), (10, "统一社会信用代码"), (11, "产学研合作意愿"),
                          (12, "评价日期")}
    assert "不在本局的反馈范围内" in found[(5, "申请号")]
    assert "没有申请号为" in found[(4, "申请号")]
    assert "0–100" in found[(6, "法律价值")]
    assert "与第 2 行" in found[(9, "申请号")]
    assert "评价主体为企业时必填" in found[(10, "统一社会信用代码")]
    assert "只能有一条有效评价" in found[(12, "评价日期")]
    with pytest.raises(imports.pipeline.UploadError):
        imports.request_commit(FEEDBACK, actor=world.user("prov_gd_admin"), batch=batch)
    assert Evaluation.objects.count() == before


def _unknown_number() -> str:
    from inventory.patents.identifiers import make_application_number
    return make_application_number(2019, "1", 1999999)


def test_enterprise_uploads_its_own_evaluations_of_library_or_pushed_patents(world):
    gd_library = world.patents["gd_library"].application_number
    gd_private = world.patents["gd_private"].application_number
    batch = upload(world, [
        row(gd_library),  # in the library (its withdrawn evaluation of it is history)
        row(gd_private),  # neither pushed to it nor in the library
        row(world.patents["bj_moe_library"].application_number, name="北京中央企业集团有限公司", code=BJ_SOE),
    ], user="ent_gd_admin")
    found = problems(batch)
    assert set(found) == {(3, "申请号"), (4, "统一社会信用代码")}
    assert "本企业的反馈范围" in found[(3, "申请号")] and "本企业的评价" in found[(4, "统一社会信用代码")]
    ok = upload(world, [row(gd_library)], user="ent_gd_admin")
    imports.request_commit(FEEDBACK, actor=world.user("ent_gd_admin"), batch=ok)
    created = Evaluation.objects.get(source=EvaluationSource.UPLOAD)
    assert created.enterprise == world.orgs["ent_gd"] and created.patent == world.patents["gd_library"]
    # Its existing live evaluation of bj_moe_library blocks a second one from a sheet.
    clash = upload(world, [row(world.patents["bj_moe_library"].application_number)], user="ent_gd_admin")
    assert set(problems(clash)) == {(2, "评价日期")}


def test_who_may_upload(world):
    with pytest.raises(PermissionDenied):
        imports.stage(FEEDBACK, actor=world.user("inst_bj_moe_admin"),
                      file=xlsx([row(world.patents["gd_private"].application_number)]))
    assert set(EvaluationsBatch.objects.visible_to(world.user("prov_gd_admin"))) == set()


def test_upload_pages_and_template(world, client):
    client.force_login(world.user("prov_gd_admin"))
    response = client.get(reverse("evaluation:feedback_template"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS
    page = client.get(reverse("evaluation:feedback_upload"))
    assert page.status_code == 200 and "评价主体类型" in page.content.decode()
    response = client.post(reverse("evaluation:feedback_upload"),
                           {"file": xlsx([row(world.patents["gd_private"].application_number)])})
    batch = EvaluationsBatch.objects.get(organization=world.orgs["prov_gd"])
    assert response.status_code == 302 and response["Location"] == reverse("evaluation:feedback_upload_detail",
                                                                          args=[batch.pk])
    assert client.get(response["Location"]).status_code == 200
    client.post(reverse("evaluation:feedback_upload_commit", args=[batch.pk]))
    assert Evaluation.objects.filter(source=EvaluationSource.UPLOAD).count() == 1


# --- API ----------------------------------------------------------------------------------------------

def test_api_answers_and_summary(world, client):
    e = _evaluations(world)
    client.force_login(world.user("ent_gd_admin"))
    listed = client.get("/api/v1/evaluation-feedback/").json()
    assert [a["note"] for a in listed["results"]] == ["计划三个月内补充中试数据"]
    refused = client.post("/api/v1/evaluation-feedback/", {"evaluation": e["feedback_ent_gd_on_bj_moe_library"].pk,
                                                           "action": "improve", "note": "x"},
                          content_type="application/json")
    assert refused.status_code == 403
    client.force_login(world.user("inst_bj_moe_admin"))
    created = client.post("/api/v1/evaluation-feedback/", {"evaluation": e["feedback_ent_gd_on_bj_moe_library"].pk,
                                                           "action": "joint_rd", "note": "联合攻关"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["action"] == "joint_rd"
    assert Notification.objects.filter(kind="evaluation.joint_rd").count() == 1
    outside = client.post("/api/v1/evaluation-feedback/", {"evaluation": e["feedback_expert_on_gd_private"].pk,
                                                           "action": "improve", "note": "x"},
                          content_type="application/json")
    assert outside.status_code == 400 and "不是对本机构专利的评价" in outside.json()["evaluation"][0]
    [summary] = client.get("/api/v1/evaluation-feedback/summaries/",
                           {"patent": world.patents["bj_moe_library"].pk}).json()["results"]
    assert summary["evaluations"] == 1 and summary["overall_mean"] == pytest.approx(71.0)
    assert {r["label"]: r["count"] for r in summary["reasons"]} == {"相对现有技术的优势不明确": 1, "价格不合适": 1}
    assert client.get("/api/v1/evaluation-feedback/summaries/",
                      {"patent": world.patents["gd_private"].pk}).json()["results"] == []
    every = client.get("/api/v1/evaluation-feedback/summaries/").json()
    assert {s["application_number"] for s in every["results"]} == {
        world.patents["bj_moe_library"].application_number, world.patents["bj_moe_private"].application_number}
    assert client.get("/api/v1/evaluation-feedback/summaries/", {"patent": "x"}).status_code == 400


def test_an_experts_evaluation_counts_as_no_cooperation_intent_at_all(world):
    """暂无 counts the enterprises that see no cooperation; an expert's evaluation states no intent."""
    from evaluation.feedback.services import patent_summaries

    patent = world.patents["bj_moe_private"]
    evaluations = Evaluation.objects.submitted().filter(patent=patent)
    assert evaluations.filter(evaluator_kind=EvaluatorKind.EXPERT, cooperation_modes=[]).exists()
    [summary] = patent_summaries(evaluations, [])
    assert summary["mode_none"] == evaluations.filter(evaluator_kind=EvaluatorKind.ENTERPRISE,
                                                      cooperation_modes=[]).count()
