"""Enterprise profiles, technology needs, the needs sheet, the needs board, institutions' offers
and profile suggestions (matching.needs)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import AuditEvent
from ground import imports
from inventory.classification.models import PatentIndustry
from matching.choices import PushSource, PushStatus
from matching.needs import offers, services, suggestions
from matching.needs.board import BoardQuery, board
from matching.needs.importer import NEEDS
from matching.needs.models import EnterpriseProfile, NeedsBatch, ProfileSuggestion, TechnologyNeed
from matching.needs.sheet_format import NeedsFormat
from matching.pushes.models import Push

HEADERS = [column.header for column in NeedsFormat().columns]
BJ_SOE = "91110000600037341L"
GD = "91350100M000100Y43"
DESCRIPTION = "需要一种适用于高寒地区的锂电池低温快充技术,要求零下二十度充电效率不低于百分之八十。"


def need_values(**changes) -> dict:
    values = {"title": "低温快充电池", "description": DESCRIPTION, "keywords": ["锂电池", "快充"],
              "industry_codes": ["5.2"], "ipc_prefixes": ["h01m10/44"], "modes": ["licence", "joint_rd"],
              "budget": "80", "deadline": None, "contact_name": "王工", "contact_phone": "13900001111",
              "allow_direct_contact": False}
    return {**values, **changes}


# --- values and profiles ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw,stored", [("H", "H"), ("h01", "H01"), ("H01M", "H01M"), ("g06f16", "G06F 16"),
                                        ("G06F 16/30", "G06F 16/30"), (" g06f  16/300 ", "G06F 16/300")])
def test_ipc_prefixes_at_any_depth(raw, stored):
    assert services.ipc_prefix(raw) == stored


@pytest.mark.parametrize("raw", ["I01", "G6F", "G06FF", "G06F16/", "G06F 16/30/1", "电池", "H01M 10/44a", ""])
def test_not_an_ipc_prefix_is_refused_in_chinese(raw):
    with pytest.raises(ValueError, match="不是 IPC 分类号或其前缀"):
        services.ipc_prefix(raw)


def test_enterprise_admin_edits_its_profile_with_an_audit_event(world):
    admin, enterprise = world.user("ent_gd_admin"), world.orgs["ent_gd"]
    profile = services.update_profile(admin, enterprise, {
        "industry_codes": ["1.5", "4.1"], "ipc_prefixes": ["g06n", "A61K 31"], "province_codes": ["440000"],
        "modes": ["licence"], "budget_band": "10-50", "allow_direct_contact": True})
    assert profile.ipc_prefixes == ["G06N", "A61K 31"]
    event = AuditEvent.objects.get(action="matching.profile_update")
    assert event.after["ipc_prefixes"] == ["G06N", "A61K 31"]
    # Saving the same values again changes nothing and writes no second event.
    services.update_profile(admin, enterprise, {**{f: getattr(profile, f) for f in services.PROFILE_FIELDS}})
    assert AuditEvent.objects.filter(action="matching.profile_update").count() == 1


def test_profile_refuses_bad_values_and_other_enterprises(world):
    admin = world.user("ent_gd_admin")
    with pytest.raises(services.ProfileError) as caught:
        services.update_profile(admin, world.orgs["ent_gd"], {"industry_codes": ["99.9"], "ipc_prefixes": ["Z99"],
                                                               "province_codes": ["999999"], "modes": ["gift"]})
    assert set(caught.value.errors) == {"industry_codes", "ipc_prefixes", "province_codes", "modes"}
    assert EnterpriseProfile.objects.get(enterprise=world.orgs["ent_gd"]).ipc_prefixes == ["A61K"]  # the world's
    with pytest.raises(PermissionDenied):
        services.update_profile(admin, world.orgs["ent_bj_soe"], {})
    with pytest.raises(PermissionDenied):
        services.update_profile(world.user("prov_gd_admin"), world.orgs["ent_gd"], {})


def test_profile_page_edits_for_the_admin_and_reads_for_the_province(world, client):
    client.force_login(world.user("ent_gd_admin"))
    response = client.post(reverse("matching:profile_mine"), {"industry_codes": ["1.5"], "ipc_prefixes": "G06N; xx",
                                                              "budget_band": ""})
    assert "不是 IPC 分类号或其前缀" in response.content.decode()
    response = client.post(reverse("matching:profile_mine"), {"industry_codes": ["1.5"], "ipc_prefixes": "G06N"})
    assert response.status_code == 302
    profile = EnterpriseProfile.objects.get(enterprise=world.orgs["ent_gd"])
    client.force_login(world.user("prov_gd_admin"))
    page = client.get(reverse("matching:profile_detail", args=[profile.pk])).content.decode()
    assert "G06N" in page and "pn-profile-form" not in page
    client.force_login(world.user("prov_bj_admin"))
    assert client.get(reverse("matching:profile_detail", args=[profile.pk])).status_code == 404


# --- needs --------------------------------------------------------------------------------------------

def test_enterprise_and_its_province_create_and_edit_needs(world):
    need = services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], need_values())
    assert need.ipc_prefixes == ["H01M 10/44"] and need.status == TechnologyNeed.Status.OPEN
    assert "锂电池" in need.search_text
    services.update_need(world.user("prov_gd_admin"), need, need_values(budget="100"))
    need.refresh_from_db()
    assert str(need.budget) == "100.00"
    assert AuditEvent.objects.filter(action__in=["matching.need_create", "matching.need_update"]).count() == 2
    with pytest.raises(PermissionDenied):
        services.update_need(world.user("prov_bj_admin"), need, need_values(budget="1"))
    with pytest.raises(PermissionDenied):
        services.create_need(world.user("prov_bj_admin"), world.orgs["ent_gd"], need_values(title="别省企业"))
    with pytest.raises(services.NeedError) as caught:
        services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], need_values())
    assert "同名" in caught.value.errors["title"]


def test_need_values_are_checked(world):
    before = TechnologyNeed.objects.count()
    with pytest.raises(services.NeedError) as caught:
        services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], need_values(
            description="太短的描述", ipc_prefixes=["电池"], budget="-1", deadline=dt.date(2000, 1, 1),
            contact_phone="12345"))
    assert set(caught.value.errors) == {"description", "ipc_prefixes", "budget", "deadline", "contact_phone"}
    assert "至少 20 个字" in caught.value.errors["description"]
    assert TechnologyNeed.objects.count() == before


def test_close_and_reopen(world):
    admin = world.user("ent_gd_admin")
    need = services.create_need(admin, world.orgs["ent_gd"], need_values())
    services.set_need_status(admin, need, TechnologyNeed.Status.CLOSED)
    assert not TechnologyNeed.objects.visible_to(world.user("inst_bj_moe_admin")).filter(pk=need.pk).exists()
    services.set_need_status(admin, need, TechnologyNeed.Status.OPEN)
    assert TechnologyNeed.objects.visible_to(world.user("inst_bj_moe_admin")).filter(pk=need.pk).exists()
    TechnologyNeed.objects.filter(pk=need.pk).update(status="closed", deadline=dt.date(2020, 1, 1))
    with pytest.raises(services.NeedError):
        services.set_need_status(admin, need, TechnologyNeed.Status.OPEN)


# --- the board ------------------------------------------------------------------------------------------

@pytest.fixture
def board_needs(world):
    # The world's pushes (tests/world_matching_pushes.py) already carry its library patents to its
    # enterprises; these tests offer those patents afresh.
    Push.objects.all().delete()
    gd = services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], need_values())
    bj = services.create_need(world.user("ent_bj_soe_admin"), world.orgs["ent_bj_soe"], need_values(
        title="工业视觉缺陷检测", keywords=["机器视觉"], industry_codes=["1.5"], ipc_prefixes=["G06T 7"],
        allow_direct_contact=True, description="用于钢板表面缺陷的在线视觉检测,要求检出率达到百分之九十九以上。"))
    closed = services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], need_values(title="已关闭的需求"))
    TechnologyNeed.objects.filter(pk=closed.pk).update(status="closed")
    expired = services.create_need(world.user("ent_gd_admin"), world.orgs["ent_gd"], need_values(title="已过期的需求"))
    TechnologyNeed.objects.filter(pk=expired.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    return {"gd": gd, "bj": bj, "closed": closed, "expired": expired}


OURS = {"低温快充电池", "工业视觉缺陷检测", "已关闭的需求", "已过期的需求"}


def _board(world, user, **query):
    """The board's titles among this module's needs (the world has needs of its own)."""
    return {n.title for n in board(world.user(user), BoardQuery(**query))} & OURS


def test_board_scoping(world, board_needs):
    assert _board(world, "inst_gd_local_admin") == {"低温快充电池", "工业视觉缺陷检测"}
    assert _board(world, "prov_gd_admin") == {"低温快充电池"}
    assert _board(world, "ent_bj_soe_admin") == {"工业视觉缺陷检测"}
    assert _board(world, "operator") == {"低温快充电池", "工业视觉缺陷检测"}
    assert _board(world, "expert") == set()


def test_board_search_and_filters(world, board_needs):
    assert _board(world, "inst_bj_moe_admin", text="机器视觉") == {"工业视觉缺陷检测"}
    assert _board(world, "inst_bj_moe_admin", text="零下 快充") == {"低温快充电池"}
    assert _board(world, "inst_bj_moe_admin", industry="1") == {"工业视觉缺陷检测"}
    assert _board(world, "inst_bj_moe_admin", industry="5.2") == {"低温快充电池"}
    assert _board(world, "inst_bj_moe_admin", province="440000") == {"低温快充电池"}


def test_board_shows_contacts_to_institutions_only_when_allowed(world, board_needs, client):
    client.force_login(world.user("inst_bj_moe_admin"))
    page = client.get(reverse("matching:need_board")).content.decode()
    assert "北京中央企业集团有限公司" in page  # allows direct contact
    assert "广东专精特新科技有限公司" not in page and "13900001111" not in page.split("工业视觉")[0]
    detail = client.get(reverse("matching:need_detail", args=[board_needs["gd"].pk])).content.decode()
    assert "13900001111" not in detail and "王工" not in detail
    assert client.get(reverse("matching:need_detail", args=[board_needs["closed"].pk])).status_code == 404


# --- offers -------------------------------------------------------------------------------------------

def test_institution_offers_its_library_patents(world, board_needs):
    user, need = world.user("inst_bj_moe_admin"), board_needs["gd"]
    library = world.patents["bj_moe_library"]
    pushes = offers.offer_patents(user, need, [library.pk])
    push = Push.objects.get(pk=pushes[0].pk)
    assert (push.source, push.need, push.enterprise, push.institution) == (
        PushSource.OFFER, need, world.orgs["ent_gd"], world.orgs["inst_bj_moe"])
    assert push.enterprise_province_id == "440000" and push.institution_province_id == "110000"
    assert push.reasons == [{"kind": "need", "text": "机构响应需求“低温快充电池”"}]
    assert AuditEvent.objects.filter(action="matching.need_offer").count() == 1
    # A second offer of the same patent to the same enterprise is refused, naming it.
    with pytest.raises(offers.OfferError, match="已推送给该企业"):
        offers.offer_patents(user, need, [library.pk])


def test_offer_refusals_write_nothing(world, board_needs):
    user, need = world.user("inst_bj_moe_admin"), board_needs["gd"]
    cases = [
        ([world.patents["gd_library"].pk], "不是本单位作为第一权利人"),
        ([world.patents["bj_moe_private"].pk], "尚未进入专利转化资源库"),
        ([world.patents["bj_moe_library"].pk, world.patents["bj_moe_private"].pk], "尚未进入"),
        ([], "请至少选择"),
    ]
    for ids, message in cases:
        with pytest.raises(offers.OfferError, match=message):
            offers.offer_patents(user, need, ids)
    for key in ("closed", "expired"):
        with pytest.raises(offers.OfferError, match="已关闭或已过截止日期"):
            offers.offer_patents(user, board_needs[key], [world.patents["bj_moe_library"].pk])
    with pytest.raises(PermissionDenied):
        offers.offer_patents(world.user("ent_gd_admin"), need, [world.patents["bj_moe_library"].pk])
    assert not Push.objects.exists()


def test_offer_page(world, board_needs, client):
    client.force_login(world.user("inst_bj_moe_admin"))
    url = reverse("matching:need_detail", args=[board_needs["gd"].pk])
    assert "pn-offer-form" in client.get(url).content.decode()
    response = client.post(reverse("matching:need_offer", args=[board_needs["gd"].pk]),
                           {"patents": [world.patents["bj_moe_library"].pk]}, follow=True)
    assert "已向该企业推荐 1 件专利" in response.content.decode()


# --- suggestions ----------------------------------------------------------------------------------------

def test_suggestions_from_recurring_answers(world, django_assert_max_num_queries):
    enterprise = world.orgs["ent_gd"]
    patents = list(world.patents.values())
    for patent in patents[:3]:
        type(patent).objects.filter(pk=patent.pk).update(main_ipc="G06N 3/08")
        PatentIndustry.objects.get_or_create(patent=patent, industry_id="1.5")
    statuses = [PushStatus.INTERESTED, PushStatus.EVALUATION_REQUESTED, PushStatus.INTERESTED]
    Push.objects.filter(enterprise=enterprise).delete()  # the world's own pushes answer other patents
    Push.objects.bulk_create([Push(patent=p, enterprise=enterprise, institution=world.orgs["inst_bj_moe"], status=s)
                              for p, s in zip(patents[:3], statuses, strict=True)])
    services.update_profile(world.user("ent_gd_admin"), enterprise, {"industry_codes": ["1.5"]})
    with django_assert_max_num_queries(4):
        suggestions.refresh_suggestions([enterprise.pk, world.orgs["ent_bj_soe"].pk])
    found = list(ProfileSuggestion.objects.exclude(value__in=["C12N"]).exclude(kind="industry", evidence=4)
                 .values_list("enterprise_id", "kind", "value", "evidence"))
    assert found == [(enterprise.pk, "ipc", "G06N", 3)]  # 1.5 is already in the profile
    admin = world.user("ent_gd_admin")
    profile = EnterpriseProfile.objects.get(enterprise=enterprise)
    [suggestion] = [s for s in suggestions.pending_suggestions(admin, profile) if s.value == "G06N"]
    suggestions.ignore_suggestion(admin, suggestion)
    suggestions.refresh_suggestions([enterprise.pk])
    assert "G06N" not in {s.value for s in suggestions.pending_suggestions(admin, profile)}
    assert ProfileSuggestion.objects.get(value="G06N").status == ProfileSuggestion.Status.IGNORED


def test_accepting_a_suggestion_adds_it_to_the_profile(world, client):
    enterprise = world.orgs["ent_gd"]
    suggestion = ProfileSuggestion.objects.create(enterprise=enterprise, kind="ipc", value="G06N", evidence=4)
    client.force_login(world.user("ent_gd_admin"))
    assert "G06N" in client.get(reverse("matching:profile_mine")).content.decode()
    client.post(reverse("matching:suggestion_accept", args=[suggestion.pk]))
    assert EnterpriseProfile.objects.get(enterprise=enterprise).ipc_prefixes == ["A61K", "G06N"]
    assert AuditEvent.objects.filter(action="matching.suggestion_accept").exists()
    client.force_login(world.user("ent_bj_soe_admin"))
    other = ProfileSuggestion.objects.create(enterprise=enterprise, kind="ipc", value="H01M", evidence=4)
    assert client.post(reverse("matching:suggestion_ignore", args=[other.pk])).status_code == 404


# --- the needs sheet -------------------------------------------------------------------------------------

def xlsx(rows: list[list], *, headers=None, title_rows: int = 0) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["广东省企业技术需求汇总表"])
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("needs.xlsx", buffer.getvalue())


def row(code=GD, title="低温快充电池", **changes) -> list:
    values = {"企业名称": "广东专精特新科技有限公司", "统一社会信用代码": code, "所在省份": "广东省", "需求名称": title,
              "需求描述": DESCRIPTION, "关键词": "锂电池;快充", "所属产业": "5.2", "技术领域": "H01M 10/44；H01M 4",
              "期望合作方式": "许可、联合研发", "预算(万元)": 80, "截止日期": "2099-12-31", "联系人": "王工",
              "联系电话": "13900001111", "是否允许机构直接联系": "否"}
    values.update(changes)
    return [values[h] for h in HEADERS]


def upload(world, rows, user="ent_gd_admin", **kwargs) -> NeedsBatch:
    batch = imports.stage(NEEDS, actor=world.user(user), file=xlsx(rows, **kwargs))
    return imports.start_validation(NEEDS, batch)


def problems(batch) -> set[tuple]:
    return {(p["row"], p["column"]) for p in batch.errors if p["level"] == "error"}


def test_upload_commit_and_idempotent_reupload(world):
    user = world.user("ent_gd_admin")
    solar = {"所属产业": "6.3", "技术领域": "H01L 31", "是否允许机构直接联系": "是"}
    rows = [row(), row(title="高效光伏组件", **solar)]
    batch = upload(world, rows, title_rows=1)
    assert batch.status == "validated" and batch.counts["new"] == 2, batch.errors
    imports.request_commit(NEEDS, actor=user, batch=batch)
    before = TechnologyNeed.objects.count()
    needs = {n.title: n for n in TechnologyNeed.objects.all()}
    assert needs["低温快充电池"].ipc_prefixes == ["H01M 10/44", "H01M 4"]
    assert needs["低温快充电池"].modes == ["licence", "joint_rd"]
    assert needs["高效光伏组件"].allow_direct_contact
    assert AuditEvent.objects.filter(action="matching.need_import").count() == 1
    again = upload(world, rows)
    assert (again.counts["new"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    changed = upload(world, [row(**{"预算(万元)": 120})])
    assert (changed.counts["new"], changed.counts["updated"]) == (0, 1)
    imports.request_commit(NEEDS, actor=user, batch=changed)
    assert str(TechnologyNeed.objects.get(title="低温快充电池").budget) == "120.00"
    assert TechnologyNeed.objects.count() == before


def test_hostile_sheets_are_refused_by_row_and_column(world):
    before = TechnologyNeed.objects.count()
    rows = [
        row(),
        row(code="91350100M000100Y44", title="校验位错"),
        row(code=BJ_SOE, title="别的企业"),
        row(title="描述太短", **{"需求描述": "太短了"}),
        row(title="IPC错", **{"技术领域": "电池"}),
        row(title="产业错", **{"所属产业": "99"}),
        row(title="方式错", **{"期望合作方式": "赠送"}),
        row(title="预算错", **{"预算(万元)": -5}),
        row(title="日期错", **{"截止日期": "明年"}),
        row(title="是否错", **{"是否允许机构直接联系": "也许"}),
        row(),  # the first row again
        row(title="省份错", **{"所在省份": "北京市"}),
    ]
    batch = upload(world, rows)
    assert problems(batch) == {
        (3, "统一社会信用代码"), (4, "统一社会信用代码"), (5, "需求描述"), (6, "技术领域"), (7, "所属产业"),
        (8, "期望合作方式"), (9, "预算(万元)"), (10, "截止日期"), (11, "是否允许机构直接联系"), (12, "需求名称"),
        (13, "所在省份")}
    messages = {(p["row"], p["column"]): p["message"] for p in batch.errors}
    assert "本企业" in messages[(4, "统一社会信用代码")]
    assert "与第 2 行" in messages[(12, "需求名称")]
    with pytest.raises(imports.pipeline.UploadError):
        imports.request_commit(NEEDS, actor=world.user("ent_gd_admin"), batch=batch)
    assert TechnologyNeed.objects.count() == before


def test_wrong_headers_fail_the_batch(world):
    batch = upload(world, [row()], headers=["名称", "描述"])
    assert batch.status == "failed" and "需求名称" in batch.failure


def test_province_uploads_for_its_enterprises_only(world):
    ok = upload(world, [row()], user="prov_gd_admin")
    assert ok.counts["new"] == 1, ok.errors
    other = upload(world, [row(code=BJ_SOE, **{"所在省份": "北京市"})], user="prov_gd_admin")
    [problem] = [p for p in other.errors if p["level"] == "error"]
    assert BJ_SOE in problem["message"] and "本省" in problem["message"]
    imports.request_commit(NEEDS, actor=world.user("prov_gd_admin"), batch=ok)
    assert TechnologyNeed.objects.get(title="低温快充电池").enterprise == world.orgs["ent_gd"]
    with pytest.raises(PermissionDenied):
        imports.stage(NEEDS, actor=world.user("inst_bj_moe_admin"), file=xlsx([row()]))


def test_upload_pages_and_template(world, client):
    client.force_login(world.user("ent_gd_admin"))
    response = client.get(reverse("matching:template_needs"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(body))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS
    assert len(workbook.worksheets) >= 2
    response = client.post(reverse("matching:need_upload"), {"file": xlsx([row()])})
    batch = NeedsBatch.objects.get(original_name="needs.xlsx")
    assert response.status_code == 302 and str(batch.pk) in response["Location"]
    client.post(reverse("matching:need_upload_commit", args=[batch.pk]))
    assert TechnologyNeed.objects.filter(title="低温快充电池").count() == 1
    client.force_login(world.user("prov_bj_admin"))
    assert client.get(reverse("matching:need_upload_detail", args=[batch.pk])).status_code == 404


def test_the_batch_page_offers_no_commit_while_any_row_has_an_error(world, client):
    """The needs sheet lands all or nothing: one bad row disables 确认导入 on the shared batch page."""
    client.force_login(world.user("ent_gd_admin"))
    bad = upload(world, [row(), row(title="IPC错", **{"技术领域": "电池"})])
    page = client.get(reverse("matching:need_upload_detail", args=[bad.pk])).content.decode()
    assert 'id="pn-needs-commit" disabled' in page and 'data-count="updated">' in page
    good = upload(world, [row()])
    page = client.get(reverse("matching:need_upload_detail", args=[good.pk])).content.decode()
    assert 'id="pn-needs-commit">' in page and reverse("matching:need_upload_commit", args=[good.pk]) in page
