"""The expert library (evaluation.experts): recommendations by form and by sheet, the platform's
review, the library's search with load and on-time rate, masking of phones and e-mails, the
expert's own profile and the API."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent, User
from evaluation.choices import AssignmentStatus, ExpertStatus
from evaluation.experts import library, privacy, services
from evaluation.experts.importer import EXPERTS
from evaluation.experts.models import Expert, ExpertsBatch, Unavailability
from evaluation.experts.sheet_format import ExpertsFormat
from evaluation.rounds.models import Assignment, EvaluationRound
from ground import imports
from notifications.models import Notification

HEADERS = [column.header for column in ExpertsFormat().columns]
GD_ENTERPRISE = "91350100M000100Y43"
BAD_CODE = "91350100M000100Y44"
GD_PHONE, BJ_PHONE = "13912340001", "13912340002"  # the world's approved (广东) and pending (北京) experts


def values(**changes) -> dict:
    base = {"name": "张评审", "employer_name": "广东专精特新科技有限公司", "employer_credit_code": GD_ENTERPRISE,
            "title": "高级工程师", "industry_codes": ["1.5"], "ipc_prefixes": ["g06n", "G06F 16/30"],
            "phone": "13800138000", "email": "zhang@example.com"}
    return {**base, **changes}


# --- recommending one by one -----------------------------------------------------------------------

def test_a_province_recommends_an_expert_matched_to_the_employer_by_credit_code(world):
    expert = services.recommend(world.user("prov_gd_admin"), values())
    assert expert.status == ExpertStatus.RECOMMENDED and expert.recommending_province_id == "440000"
    assert expert.employer == world.orgs["ent_gd"] and expert.ipc_prefixes == ["G06N", "G06F 16/30"]
    event = AuditEvent.objects.get(action="evaluation.expert_recommend")
    assert event.after["phone"] == "138****8000"
    assert Notification.objects.filter(recipient=world.user("operator"), kind="expert.recommended").exists()
    unknown = services.recommend(world.user("prov_gd_admin"), values(phone="13800138001", employer_credit_code=""))
    assert unknown.employer is None


@pytest.mark.parametrize("field,value,message", [
    ("employer_credit_code", BAD_CODE, "校验位"),
    ("ipc_prefixes", ["电池"], "不是 IPC 分类号"),
    ("industry_codes", ["99"], "不是战略性新兴产业分类代码"),
    ("phone", "010-12345678", "11 位手机号码"),
    ("email", "not-an-email", "格式不正确"),
    ("name", "", "请填写专家姓名"),
])
def test_bad_recommendations_are_refused_in_chinese_and_write_nothing(world, field, value, message):
    before = Expert.objects.count()
    with pytest.raises(services.ExpertError) as caught:
        services.recommend(world.user("prov_gd_admin"), values(**{field: value}))
    assert message in caught.value.errors[field]
    assert Expert.objects.count() == before and not AuditEvent.objects.filter(
        action="evaluation.expert_recommend").exists()


def test_no_specialty_is_refused(world):
    with pytest.raises(services.ExpertError) as caught:
        services.recommend(world.user("prov_gd_admin"), values(industry_codes=[], ipc_prefixes=[]))
    assert "至少填写所属产业或专业领域" in caught.value.errors["industry_codes"]


def test_a_known_phone_is_refused_with_who_holds_it(world):
    with pytest.raises(services.ExpertError) as own:
        services.recommend(world.user("prov_gd_admin"), values(phone=GD_PHONE))
    assert "已由本省推荐" in own.value.errors["phone"]
    with pytest.raises(services.ExpertError) as other:
        services.recommend(world.user("prov_gd_admin"), values(phone=BJ_PHONE))
    assert "其他省份推荐" in other.value.errors["phone"] and "京畿" not in other.value.errors["phone"]
    for username in ("operator", "inst_bj_moe_admin", "ent_gd_admin", "expert"):
        with pytest.raises(PermissionDenied):
            services.recommend(world.user(username), values())


def test_the_recommendation_form(world, client):
    client.force_login(world.user("prov_gd_admin"))
    assert client.get(reverse("evaluation:expert_new")).status_code == 200
    form = {**values(), "industry_codes": ["1.5"], "ipc_prefixes": "G06N; G06F 16/30"}
    response = client.post(reverse("evaluation:expert_new"), {**form, "employer_credit_code": BAD_CODE})
    assert "校验位" in response.content.decode() and not Expert.objects.filter(phone="13800138000").exists()
    response = client.post(reverse("evaluation:expert_new"), form)
    assert response.status_code == 302
    page = client.get(reverse("evaluation:expert_recommendations")).content.decode()
    assert "张评审" in page and "待审核" in page and "13800138000" in page
    client.force_login(world.user("prov_bj_admin"))
    assert client.get(reverse("evaluation:expert_new")).status_code == 200
    client.force_login(world.user("inst_bj_moe_admin"))
    assert client.get(reverse("evaluation:expert_new")).status_code == 403


# --- the sheet -------------------------------------------------------------------------------------

def xlsx(rows: list[list], *, headers=None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("experts.xlsx", buffer.getvalue())


def row(phone="13800138000", **changes) -> list:
    cells = {"姓名": "张评审", "工作单位": "广东专精特新科技有限公司", "工作单位统一社会信用代码": GD_ENTERPRISE,
             "职称": "高级工程师", "所属产业": "1.5;4.1", "专业领域": "G06V; G06T 7", "手机": phone,
             "邮箱": "zhang@example.com", "推荐省份": "广东省"}
    cells.update(changes)
    return [cells[h] for h in HEADERS]


def upload(world, rows, user="prov_gd_admin", **kwargs) -> ExpertsBatch:
    batch = imports.stage(EXPERTS, actor=world.user(user), file=xlsx(rows, **kwargs))
    return imports.start_validation(EXPERTS, batch)


def problems(batch) -> set[tuple]:
    return {(p["row"], p["column"]) for p in batch.errors if p["level"] == "error"}


def test_sheet_commit_and_idempotent_reupload(world, django_assert_max_num_queries):
    user = world.user("prov_gd_admin")
    rows = [row(), row("13800138001", 姓名="李评审", 工作单位统一社会信用代码=None)]
    batch = upload(world, rows)
    assert batch.status == "validated" and batch.counts["new"] == 2, batch.errors
    imports.request_commit(EXPERTS, actor=user, batch=batch)
    zhang = Expert.objects.get(phone="13800138000")
    assert zhang.employer == world.orgs["ent_gd"] and zhang.ipc_prefixes == ["G06V", "G06T 7"]
    assert zhang.industry_codes == ["1.5", "4.1"] and zhang.status == ExpertStatus.RECOMMENDED
    assert zhang.recommending_province_id == "440000" and zhang.recommended_by == user
    assert AuditEvent.objects.filter(action="evaluation.expert_import").count() == 1
    snapshot = list(Expert.objects.order_by("pk").values_list())
    again = upload(world, rows)
    assert (again.counts["new"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    imports.request_commit(EXPERTS, actor=user, batch=again)
    assert list(Expert.objects.order_by("pk").values_list()) == snapshot
    # The province's own approved expert, corrected by the sheet: updated, still approved.
    changed = upload(world, [row(GD_PHONE, 姓名="岭南评审专家", 职称="教授")])
    assert (changed.counts["new"], changed.counts["updated"]) == (0, 1), changed.errors
    imports.request_commit(EXPERTS, actor=user, batch=changed)
    approved = Expert.objects.get(phone=GD_PHONE)
    assert approved.title == "教授" and approved.status == ExpertStatus.APPROVED
    # Many rows: a few queries in all, not one per row.
    many = [row(f"1390000{n:04d}", 姓名=f"专家{n}") for n in range(60)]
    with django_assert_max_num_queries(40):
        big = upload(world, many)
    assert big.counts["new"] == 60, big.errors[:3]


def test_hostile_sheet_is_refused_by_row_and_column(world):
    before = list(Expert.objects.order_by("pk").values_list())
    rows = [
        row(),
        row("13800138002", 工作单位统一社会信用代码=BAD_CODE),
        row("13800138003", 专业领域="电池"),
        row("13800138004", 所属产业="99"),
        row(),  # the first row's phone again
        row("13800138005", 推荐省份="北京市"),
        row("13800138006", 邮箱="not-an-email"),
        row(BJ_PHONE),  # 北京's pending expert
        row("13800138007", 所属产业=None, 专业领域=None),
        row("12345", 姓名="号码错"),
    ]
    batch = upload(world, rows)
    assert problems(batch) == {
        (3, "工作单位统一社会信用代码"), (4, "专业领域"), (5, "所属产业"), (6, "手机"), (7, "推荐省份"), (8, "邮箱"),
        (9, "手机"), (10, "所属产业"), (11, "手机")}
    messages = {(p["row"], p["column"]): p["message"] for p in batch.errors}
    assert "本省" in messages[(7, "推荐省份")] and "其他省份" in messages[(9, "手机")]
    with pytest.raises(imports.pipeline.UploadError):
        imports.request_commit(EXPERTS, actor=world.user("prov_gd_admin"), batch=batch)
    assert list(Expert.objects.order_by("pk").values_list()) == before
    with pytest.raises(PermissionDenied):
        imports.stage(EXPERTS, actor=world.user("inst_bj_moe_admin"), file=xlsx([row()]))


def test_upload_pages_and_template(world, client):
    client.force_login(world.user("prov_gd_admin"))
    response = client.get(reverse("evaluation:template_experts"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(body))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS and len(workbook.worksheets) >= 2
    assert client.get(reverse("evaluation:expert_upload")).status_code == 200
    response = client.post(reverse("evaluation:expert_upload"), {"file": xlsx([row()])})
    batch = ExpertsBatch.objects.get(original_name="experts.xlsx")
    assert response.status_code == 302 and str(batch.pk) in response["Location"]
    page = client.get(reverse("evaluation:expert_upload_detail", args=[batch.pk])).content.decode()
    assert "pn-experts-commit" in page
    client.post(reverse("evaluation:expert_upload_commit", args=[batch.pk]))
    assert Expert.objects.filter(phone="13800138000").count() == 1
    client.force_login(world.user("prov_bj_admin"))
    assert client.get(reverse("evaluation:expert_upload_detail", args=[batch.pk])).status_code == 404


# --- the platform's review -------------------------------------------------------------------------

def test_approval_creates_the_account_and_tells_the_expert_and_the_province(world, client):
    pending = Expert.objects.get(phone=BJ_PHONE)
    client.force_login(world.user("operator"))
    page = client.get(reverse("evaluation:expert_review")).content.decode()
    assert "京畿待审专家" in page and "岭南评审专家" not in page
    response = client.post(reverse("evaluation:expert_approve", args=[pending.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    pending.refresh_from_db()
    user = pending.user
    assert pending.status == ExpertStatus.APPROVED and pending.decided_by == world.user("operator")
    assert user.is_expert and user.organization is None and user.must_change_password
    assert user.username == BJ_PHONE and user.phone == BJ_PHONE and user.full_name == "京畿待审专家"
    assert 'id="pn-one-time-password"' in response.content.decode()
    assert Notification.objects.filter(recipient=user, kind="expert.approved").exists()
    assert Notification.objects.filter(recipient=world.user("prov_bj_admin"), kind="expert.approved").exists()
    assert not Notification.objects.filter(recipient=world.user("prov_gd_admin"), kind="expert.approved").exists()
    assert AuditEvent.objects.filter(action="evaluation.expert_approve").count() == 1
    assert AuditEvent.objects.filter(action="account.create", target_id=str(user.pk)).exists()
    with pytest.raises(services.ExpertError, match="已审核"):
        services.approve(world.user("operator"), pending)
    assert User.objects.filter(is_expert=True).count() == 2


def test_rejection_needs_a_reason_and_tells_the_province(world, client):
    pending = Expert.objects.get(phone=BJ_PHONE)
    operator = world.user("operator")
    with pytest.raises(services.ExpertError) as caught:
        services.reject(operator, pending, "  ")
    assert "请填写不通过的理由" in caught.value.errors["reason"]
    client.force_login(operator)
    client.post(reverse("evaluation:expert_reject", args=[pending.pk]), {"reason": ""})
    pending.refresh_from_db()
    assert pending.status == ExpertStatus.RECOMMENDED
    client.post(reverse("evaluation:expert_reject", args=[pending.pk]), {"reason": "专业领域与推荐材料不符"})
    pending.refresh_from_db()
    assert pending.status == ExpertStatus.REJECTED and pending.decision_reason == "专业领域与推荐材料不符"
    notice = Notification.objects.get(recipient=world.user("prov_bj_admin"), kind="expert.rejected")
    assert notice.body == "专业领域与推荐材料不符"
    assert AuditEvent.objects.get(action="evaluation.expert_reject").after["reason"] == "专业领域与推荐材料不符"
    # Only the platform decides: the recommending province edits its entry but cannot approve it.
    again = services.recommend(world.user("prov_bj_admin"), values(phone="13800138009"))
    with pytest.raises(PermissionDenied):
        services.approve(world.user("prov_bj_admin"), again)
    client.force_login(world.user("prov_bj_admin"))
    assert client.post(reverse("evaluation:expert_approve", args=[again.pk])).status_code == 403


def test_a_rejected_entry_corrected_by_the_sheet_goes_back_to_review(world):
    pending = Expert.objects.get(phone=BJ_PHONE)
    services.reject(world.user("operator"), pending, "材料不全")
    batch = upload(world, [row(BJ_PHONE, 姓名="京畿待审专家", 推荐省份="北京市")], user="prov_bj_admin")
    assert batch.counts["updated"] == 1, batch.errors
    imports.request_commit(EXPERTS, actor=world.user("prov_bj_admin"), batch=batch)
    pending.refresh_from_db()
    assert pending.status == ExpertStatus.RECOMMENDED and pending.decision_reason == ""


# --- masking ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("username,full", [
    ("operator", True), ("prov_gd_admin", True), ("prov_bj_admin", False), ("expert", True),
    ("inst_bj_moe_admin", False),
])
def test_contact_is_masked_except_to_the_platform_and_the_recommending_province(world, username, full):
    expert = Expert.objects.get(phone=GD_PHONE)
    shown = privacy.contact(world.user(username), expert)
    if full:
        assert shown == {"phone": GD_PHONE, "email": "lingnan.zhuanjia@pingjia.example.cn"}
    else:
        assert shown == {"phone": "139****0001", "email": "l***@pingjia.example.cn"}


def test_library_pages_mask_by_reader(world, client):
    client.force_login(world.user("prov_bj_admin"))
    page = client.get(reverse("evaluation:expert_library")).content.decode()
    assert "岭南评审专家" in page and "139****0001" in page and GD_PHONE not in page
    assert "京畿待审专家" not in page  # pending: in 北京's recommendations, not in the library
    detail = client.get(reverse("evaluation:expert_detail", args=[Expert.objects.get(phone=GD_PHONE).pk]))
    assert "139****0001" in detail.content.decode() and GD_PHONE not in detail.content.decode()
    client.force_login(world.user("prov_gd_admin"))
    assert GD_PHONE in client.get(reverse("evaluation:expert_library")).content.decode()
    client.force_login(world.user("operator"))
    assert GD_PHONE in client.get(reverse("evaluation:expert_library")).content.decode()
    client.force_login(world.user("ent_gd_admin"))
    assert client.get(reverse("evaluation:expert_library")).status_code == 403


# --- the library's search --------------------------------------------------------------------------

def _assignments(world, expert: Expert) -> None:
    today = timezone.localdate()
    round_ = EvaluationRound.objects.create(organiser=world.orgs["prov_gd"], title="评价轮次", due_on=today)
    patents = list(world.patents.values())
    on_time = timezone.now() - dt.timedelta(days=20)
    Assignment.objects.create(round=round_, patent=patents[0], expert=expert, due_on=today - dt.timedelta(days=10),
                              status=AssignmentStatus.SUBMITTED, submitted_at=on_time)
    Assignment.objects.create(round=round_, patent=patents[1], expert=expert, due_on=today - dt.timedelta(days=30),
                              status=AssignmentStatus.SUBMITTED, submitted_at=on_time)  # late
    Assignment.objects.create(round=round_, patent=patents[2], expert=expert, due_on=today - dt.timedelta(days=1))
    Assignment.objects.create(round=round_, patent=patents[3], expert=expert, due_on=today + dt.timedelta(days=9))
    Assignment.objects.create(round=round_, patent=patents[4], expert=expert, due_on=today - dt.timedelta(days=1),
                              status=AssignmentStatus.RECUSED)


# The world's experts of this area; other areas' world objects add experts of their own.
OURS = {"岭南评审专家", "京畿待审专家"}


def _names(user, **params) -> set[str]:
    return {e.name for e in library.search(user, library.LibraryQuery.from_params(params))} & OURS


def test_search_by_text_industry_ipc_province_and_availability(world):
    gd_user = world.user("prov_gd_admin")
    services.approve(world.user("operator"), Expert.objects.get(phone=BJ_PHONE))
    assert _names(gd_user) == {"京畿待审专家", "岭南评审专家"}
    assert _names(gd_user, q="人民医院") == {"岭南评审专家"}
    assert _names(gd_user, industry="4") == {"岭南评审专家"}  # a sector finds its sub-sectors
    assert _names(gd_user, industry="2.4") == {"京畿待审专家"}
    assert _names(gd_user, ipc="G16H 50/20") == {"岭南评审专家"}  # covered by G16H 50
    assert _names(gd_user, ipc="b61") == {"京畿待审专家"}  # lies under B61
    assert _names(gd_user, ipc="B61K") == set()
    assert _names(gd_user, province="110000") == {"京畿待审专家"}
    today = timezone.localdate()
    assert _names(gd_user, available="1") == {"岭南评审专家"}  # the world's 北京 expert is away today
    Unavailability.objects.filter(expert__phone=BJ_PHONE).delete()
    Unavailability.objects.create(expert=Expert.objects.get(phone=GD_PHONE), starts_on=today, ends_on=today)
    assert _names(gd_user, available="1") == {"京畿待审专家"}


def test_load_and_on_time_rate_in_one_query(world, django_assert_max_num_queries):
    expert = Expert.objects.get(phone=GD_PHONE)
    # Other areas' world objects give this expert assignments too: count only this test's.
    Assignment.objects.filter(expert=expert).delete()
    _assignments(world, expert)
    with django_assert_max_num_queries(1):
        found = list(library.search(world.user("operator"), library.LibraryQuery()))
    [found] = [entry for entry in found if entry.phone == GD_PHONE]
    # Five assignments; due: the two submitted and the one overdue (not the recused, not the future one).
    assert (found.load, found.on_time, found.due) == (5, 1, 3)
    assert library.on_time_rate(found) == 33.3


def test_the_library_page_reads_in_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    for n in range(30):
        Expert.objects.create(name=f"专家{n:02d}", employer_name="某单位", industry_codes=["1.5"],
                              phone=f"1370000{n:04d}", recommending_province_id="440000",
                              status=ExpertStatus.APPROVED)
    client.force_login(world.user("prov_bj_admin"))
    client.get(reverse("evaluation:expert_library"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("evaluation:expert_library"))
    assert response.content.decode().count("137****") == 20


# --- the expert's own profile ----------------------------------------------------------------------

def test_the_expert_keeps_their_profile(world, client):
    user = world.user("expert")
    expert = services.update_own_profile(user, {
        "industry_codes": ["4.1", "4.2"], "ipc_prefixes": ["a61k 31"], "declared_conflicts": "与某药企有合作",
        "affiliations": [{"name": "广东专精特新科技有限公司", "credit_code": GD_ENTERPRISE}]})
    assert expert.ipc_prefixes == ["A61K 31"] and expert.affiliations[0]["credit_code"] == GD_ENTERPRISE
    event = AuditEvent.objects.get(action="evaluation.expert_profile_update")
    assert set(event.after) == {"industry_codes", "ipc_prefixes", "affiliations", "declared_conflicts"}
    with pytest.raises(services.ExpertError) as caught:
        services.update_own_profile(user, {"industry_codes": ["4.1"], "ipc_prefixes": [],
                                           "affiliations": [{"name": "某公司", "credit_code": BAD_CODE}]})
    assert "校验位" in caught.value.errors["affiliations"]
    for username in ("prov_gd_admin", "operator", "inst_bj_moe_admin"):
        with pytest.raises(PermissionDenied):
            services.update_own_profile(world.user(username), {"industry_codes": ["1.5"]})
    client.force_login(user)
    page = client.get(reverse("evaluation:expert_me")).content.decode()
    assert "A61K 31" in page and "出国访问" in page
    response = client.post(reverse("evaluation:expert_me"), {
        "industry_codes": ["4.1"], "ipc_prefixes": "A61K", "affiliations": f"某医院\n某公司,{BAD_CODE}",
        "declared_conflicts": ""})
    assert "校验位" in response.content.decode()
    response = client.post(reverse("evaluation:expert_me"), {
        "industry_codes": ["4.1"], "ipc_prefixes": "A61K", "affiliations": f"某医院\n某公司,{GD_ENTERPRISE}"})
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.affiliations == [{"name": "某医院", "credit_code": ""},
                                   {"name": "某公司", "credit_code": GD_ENTERPRISE}]
    client.force_login(world.user("prov_gd_admin"))
    assert client.get(reverse("evaluation:expert_me")).status_code == 403


def test_periods_of_unavailability(world, client):
    user = world.user("expert")
    today = timezone.localdate()
    client.force_login(user)
    response = client.post(reverse("evaluation:expert_unavailability_add"), {
        "starts_on": today.isoformat(), "ends_on": (today - dt.timedelta(days=1)).isoformat()})
    assert "结束日期不能早于开始日期" in response.content.decode()
    client.post(reverse("evaluation:expert_unavailability_add"), {
        "starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=3)).isoformat(), "note": "开会"})
    period = Unavailability.objects.get(note="开会")
    assert AuditEvent.objects.filter(action="evaluation.expert_unavailability_add").exists()
    client.force_login(world.user("prov_gd_admin"))
    assert client.post(reverse("evaluation:expert_unavailability_remove", args=[period.pk])).status_code == 403
    client.force_login(user)
    client.post(reverse("evaluation:expert_unavailability_remove", args=[period.pk]))
    assert not Unavailability.objects.filter(pk=period.pk).exists()
    assert AuditEvent.objects.filter(action="evaluation.expert_unavailability_remove").exists()


# --- the API ---------------------------------------------------------------------------------------

def _api(client, user, path="/api/v1/experts/", **kwargs):
    client.force_login(user)
    return client.get(path, kwargs)


def test_api_scoping_and_masking(world, client):
    # Other areas' world objects give the expert assignments: this test reads an expert without any.
    Assignment.objects.filter(expert__phone=GD_PHONE).delete()
    listed = {u: {e["name"]: e for e in _api(client, world.user(u)).json()["results"] if e["name"] in OURS}
              for u in ("operator", "prov_gd_admin", "prov_bj_admin", "inst_bj_moe_admin", "expert")}
    assert set(listed["operator"]) == {"岭南评审专家", "京畿待审专家"}
    assert set(listed["prov_gd_admin"]) == {"岭南评审专家"}
    assert set(listed["prov_bj_admin"]) == {"岭南评审专家", "京畿待审专家"}
    assert listed["inst_bj_moe_admin"] == {} and set(listed["expert"]) == {"岭南评审专家"}
    assert listed["prov_bj_admin"]["岭南评审专家"]["phone"] == "139****0001"
    assert listed["prov_bj_admin"]["京畿待审专家"]["phone"] == BJ_PHONE
    assert listed["prov_gd_admin"]["岭南评审专家"]["email"] == "lingnan.zhuanjia@pingjia.example.cn"
    found = _api(client, world.user("operator"), ipc="A61K 31", available="true").json()["results"]
    assert [e["name"] for e in found] == ["岭南评审专家"] and found[0]["load"] == 0
    assert found[0]["on_time_rate"] is None and found[0]["available_today"] is True


def test_api_me_reads_and_changes_the_experts_own_profile(world, client):
    client.force_login(world.user("expert"))
    me = client.get("/api/v1/experts/me/").json()
    assert me["name"] == "岭南评审专家" and me["phone"] == GD_PHONE and me["unavailabilities"][0]["note"] == "出国访问"
    response = client.patch("/api/v1/experts/me/", {"ipc_prefixes": ["G16H"], "affiliations": [
        {"name": "某公司", "credit_code": BAD_CODE}]}, content_type="application/json")
    assert response.status_code == 400 and "校验位" in response.json()["affiliations"][0]
    response = client.patch("/api/v1/experts/me/", {"ipc_prefixes": ["g16h"], "name": "改名"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["ipc_prefixes"] == ["G16H"]
    assert Expert.objects.get(phone=GD_PHONE).name == "岭南评审专家"
    for username in ("prov_gd_admin", "operator"):
        client.force_login(world.user(username))
        assert client.get("/api/v1/experts/me/").status_code == 403
        assert client.patch("/api/v1/experts/me/", {}, content_type="application/json").status_code == 403
