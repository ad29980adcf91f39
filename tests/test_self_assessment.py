"""Inventor self-assessment (inventory.records.self_assessment): invitations grant exactly the named
patents (django-guardian), the inventor fills and submits, staff accept or return, closing revokes;
an e-mail invitation creates the account and its one-time link sets a password."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from guardian.shortcuts import get_objects_for_user

from accounts.models import AuditEvent, User
from inventory.choices import Intent, InventoryStatus, ReviewState, Screening
from inventory.models import InventoryChange, InventoryRecord, Patent, SelfAssessmentInvitation
from inventory.records import review
from inventory.records import self_assessment as sa

FILLED = {
    "maturity": "6", "scenarios": "用于工业视觉检测中的缺陷识别,可部署在生产线上的嵌入式设备", "prospect": "good",
    "implementation_status": "none", "is_financially_funded": "false", "funding_project_number": "",
    "screening": "in", "intents": ["license", "transfer"], "license_type": "ordinary", "value_grade": "A",
    "contact_name": "张三", "contact_phone": "13800138000", "contact_email": "zhang@example.edu.cn",
}


def _record(world, key) -> InventoryRecord:
    return InventoryRecord.objects.get(patent=world.patents[key])


def test_inventor_sees_exactly_the_granted_patents(world):
    inventor = world.user("inst_bj_moe_inventor")
    granted = {world.patents["bj_moe_private"].pk}
    assert set(Patent.objects.visible_to(inventor).values_list("pk", flat=True)) == granted
    assert set(get_objects_for_user(inventor, sa.PERMISSION, Patent).values_list("pk", flat=True)) == granted
    assert set(InventoryRecord.objects.editable_by(inventor).values_list("patent_id", flat=True)) == granted


def test_invite_by_account_grants_and_close_revokes(world, login):
    inventor = world.user("inst_bj_moe_inventor")
    admin = world.user("inst_bj_moe_admin")
    co_owned = _record(world, "co_owned")
    invitation, created = sa.invite(admin, record_ids=[co_owned.pk], username=inventor.username,
                                    message="请于周五前完成")
    assert not created
    assert Patent.objects.visible_to(inventor).filter(pk=co_owned.patent_id).exists()
    client = login(inventor)
    assert client.get(reverse("inventory:self_assessment_edit", args=[co_owned.pk])).status_code == 200

    assert sa.close(admin, invitation) is True
    assert not Patent.objects.visible_to(inventor).filter(pk=co_owned.patent_id).exists()
    assert client.get(reverse("inventory:self_assessment_edit", args=[co_owned.pk])).status_code == 404
    # The world's other invitation (bj_moe_private) still stands.
    assert Patent.objects.visible_to(inventor).filter(pk=world.patents["bj_moe_private"].pk).exists()
    assert sa.close(admin, invitation) is False


def test_closing_the_world_invitation_leaves_the_inventor_nothing(world, login):
    inventor = world.user("inst_bj_moe_inventor")
    invitation = SelfAssessmentInvitation.objects.get(inventor=inventor)
    client = login(world.user("inst_bj_moe_dept_admin"))
    client.post(reverse("inventory:self_assessment_close", args=[invitation.pk]))
    assert not Patent.objects.visible_to(inventor).exists()
    assert not InventoryRecord.objects.editable_by(inventor).exists()
    assert sa.open_grants(inventor) == 0
    assert AuditEvent.objects.filter(action="inventory.self_assessment_close").count() == 1


def test_inventor_fills_saves_a_draft_then_submits(world, login):
    inventor = world.user("inst_bj_moe_inventor")
    record = _record(world, "bj_moe_private")
    client = login(inventor)
    mine = client.get(reverse("inventory:self_assessment_mine")).content.decode()
    assert record.patent.application_number in mine
    assert world.patents["co_owned"].application_number not in mine

    save = reverse("inventory:self_assessment_save", args=[record.pk])
    response = client.post(save, {**FILLED, **_read(record), "submit": "0"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.review_state == ReviewState.DRAFT and record.maturity == 6
    assert record.intents == [Intent.LICENSE, Intent.TRANSFER] and record.screening == Screening.IN
    client.post(save, {**FILLED, **_read(record), "submit": "1"})
    record.refresh_from_db()
    assert record.review_state == ReviewState.SUBMITTED
    # Under review the inventor cannot change it.
    response = client.post(reverse("inventory:self_assessment_save", args=[record.pk]),
                           {**FILLED, **_read(record), "maturity": "2"})
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.maturity == 6
    assert InventoryChange.objects.filter(record=record, changed_by=inventor).count() == 2


def test_blank_or_partial_form_cannot_be_submitted(world, login):
    """保存并提交审核 on an empty form is refused, naming each required field: the record stays a
    draft, pending (progress is not inflated) and nothing reaches the reviewer; a partial draft
    saves; the complete form submits."""
    inventor = world.user("inst_bj_moe_inventor")
    record = _record(world, "bj_moe_private")
    client = login(inventor)
    url = reverse("inventory:self_assessment_save", args=[record.pk])
    response = client.post(url, {**_read(record), "submit": "1"})
    assert response.status_code == 400
    text = response.content.decode()
    for label in ("是否财政资助", "实施状态", "技术成熟度", "应用场景", "产业化前景", "是否入库"):
        assert f"提交审核前须填写“{label}”" in text
    record.refresh_from_db()
    assert (record.review_state, record.status) == (ReviewState.DRAFT, InventoryStatus.PENDING)
    assert not InventoryChange.objects.filter(record=record).exists()
    assert not review.review_queue(world.user("inst_bj_moe_dept_admin")).filter(pk=record.pk).exists()
    # A partial draft is kept, and still cannot be submitted.
    assert client.post(url, {**_read(record), "maturity": "6", "prospect": "good", "submit": "0"}).status_code == 302
    assert client.post(url, {**_read(record), "maturity": "6", "prospect": "good", "submit": "1"}).status_code == 400
    record.refresh_from_db()
    assert (record.maturity, record.review_state, record.status) == (6, ReviewState.DRAFT, InventoryStatus.PENDING)
    assert client.post(url, {**FILLED, **_read(record), "submit": "1"}).status_code == 302
    record.refresh_from_db()
    assert (record.review_state, record.status) == (ReviewState.SUBMITTED, InventoryStatus.INVENTORIED)


def test_rule_errors_name_the_field(world, login):
    record = _record(world, "bj_moe_private")
    client = login(world.user("inst_bj_moe_inventor"))
    response = client.post(reverse("inventory:self_assessment_save", args=[record.pk]),
                           {**FILLED, **_read(record), "intents": ["license"], "license_type": ""})
    assert response.status_code == 400
    assert "许可方式" in response.content.decode()
    record.refresh_from_db()
    assert record.maturity is None


def test_staff_accept_amend_and_return(world, login):
    inventor, dept_admin = world.user("inst_bj_moe_inventor"), world.user("inst_bj_moe_dept_admin")
    record = _record(world, "bj_moe_private")
    values = {"maturity": 5, "screening": Screening.IN, "intents": [Intent.TRANSFER], "scenarios": "智能制造",
              "is_financially_funded": False, "implementation_status": "none", "prospect": "good"}
    sa.save(inventor, record, values, submit=True)
    # Return with a reason the inventor sees.
    review.return_(dept_admin, [record.pk], "请补充应用场景")
    page = login(inventor).get(reverse("inventory:self_assessment_mine")).content.decode()
    assert "请补充应用场景" in page
    record.refresh_from_db()
    sa.save(inventor, record, {"scenarios": "智能制造产线的视觉质检"}, submit=True)
    # The department admin amends (it stays submitted to them) and accepts.
    record.refresh_from_db()
    sa.save(dept_admin, record, {"maturity": 7})
    record.refresh_from_db()
    assert record.review_state == ReviewState.SUBMITTED and record.maturity == 7
    review.approve(dept_admin, [record.pk])
    review.approve(world.user("inst_bj_moe_admin"), [record.pk])
    record.refresh_from_db()
    assert record.review_state == ReviewState.APPROVED and record.in_library


def test_email_invitation_creates_the_account_and_the_link_sets_a_password(world, client, password):
    staff = world.user("inst_bj_moe_dept_admin")
    record = _record(world, "bj_moe_private")
    _invitation, created = sa.invite(staff, record_ids=[record.pk], email="wang.wu@example.edu.cn",
                                    full_name="王五", message="请自评")
    assert created
    inventor = User.objects.get(email="wang.wu@example.edu.cn")
    assert inventor.is_inventor and inventor.organization_id == world.orgs["inst_bj_moe"].pk
    assert inventor.department_id == staff.department_id and not inventor.has_usable_password()
    assert [m.to for m in mail.outbox] == [["wang.wu@example.edu.cn"]]
    link = re.search(r"https?://\S+|/inventory/self-assessment/password/\S+", mail.outbox[0].body).group(0)
    path = link[link.index("/inventory/"):]

    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    inventor.refresh_from_db()
    assert inventor.check_password(password)
    # The link works once.
    assert client.get(path).status_code == 404
    signed_in = client.post(reverse("accounts:login"), {"username": "wang.wu@example.edu.cn", "password": password})
    assert signed_in.status_code == 302
    mine = client.get(reverse("inventory:self_assessment_mine")).content.decode()
    assert record.patent.application_number in mine


def test_invitation_refusals_name_the_value(world):
    admin = world.user("inst_bj_moe_admin")
    with pytest.raises(sa.InvitationError, match="inst_bj_moe_member"):
        sa.invite(admin, record_ids=[_record(world, "bj_moe_private").pk], username="inst_bj_moe_member")
    with pytest.raises(sa.InvitationError, match=re.escape(world.patents["gd_private"].application_number)):
        sa.records_from_numbers(admin, world.patents["gd_private"].application_number)
    with pytest.raises(sa.InvitationError, match="第 2 行"):
        sa.records_from_numbers(admin, world.patents["bj_moe_private"].application_number + "\nabc")
    # A department admin invites only for their department's patents.
    dept_admin = world.user("inst_bj_moe_dept_admin")
    with pytest.raises(sa.InvitationError):
        sa.invite(dept_admin, record_ids=[_record(world, "co_owned").pk], username="inst_bj_moe_inventor")
    assert SelfAssessmentInvitation.objects.count() == 2  # the world's two


def test_invite_page(world, login):
    client = login(world.user("inst_bj_moe_admin"))
    response = client.post(reverse("inventory:self_assessment_invite"), {
        "account": "inst_bj_moe_inventor", "patents": world.patents["co_owned"].application_number,
    })
    invitation = SelfAssessmentInvitation.objects.latest("pk")
    assert response.status_code == 302 and response["Location"].endswith(f"/{invitation.pk}/")
    detail = client.get(response["Location"]).content.decode()
    assert world.patents["co_owned"].application_number in detail
    assert set(invitation.patents.values_list("pk", flat=True)) == {world.patents["co_owned"].pk}
    assert login(world.user("inst_bj_moe_inventor")).get(
        reverse("inventory:self_assessment_invite")).status_code == 403


def test_api_invitations(world, login):
    admin = world.user("inst_bj_moe_admin")
    client = login(admin)
    co_owned = _record(world, "co_owned")
    response = client.post("/api/v1/self-assessment-invitations/", {
        "username": "inst_bj_moe_inventor", "record_ids": [co_owned.pk]}, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["patents"] == [co_owned.patent_id] and created["is_open"]
    inventor_client = login(world.user("inst_bj_moe_inventor"))
    listed = inventor_client.get("/api/v1/self-assessment-invitations/").json()["results"]
    assert {item["id"] for item in listed} == {created["id"], SelfAssessmentInvitation.objects.earliest("pk").pk}
    # The inventor cannot close it; staff can, and the grant goes.
    assert inventor_client.post(f"/api/v1/self-assessment-invitations/{created['id']}/close/").status_code == 403
    client = login(admin)
    assert client.post(f"/api/v1/self-assessment-invitations/{created['id']}/close/").json()["is_open"] is False
    assert not Patent.objects.visible_to(world.user("inst_bj_moe_inventor")).filter(pk=co_owned.patent_id).exists()
    bad = client.post("/api/v1/self-assessment-invitations/", {"username": "nobody", "record_ids": [co_owned.pk]},
                      content_type="application/json")
    assert bad.status_code == 400 and "nobody" in bad.content.decode()


def test_invitation_list_counts_what_waits_for_review(world, login):
    record = _record(world, "bj_moe_private")
    sa.save(world.user("inst_bj_moe_inventor"), record, {
        "maturity": 5, "screening": Screening.OUT, "scenarios": "智能制造", "is_financially_funded": False,
        "implementation_status": "none", "prospect": "good"}, submit=True)
    response = login(world.user("inst_bj_moe_dept_admin")).get(reverse("inventory:self_assessment_invitations"))
    rows = list(response.context["invitations"])
    assert [(i.patent_count, i.waiting_count) for i in rows] == [(1, 1)]  # the closed dept-B one is not theirs


# An inventor writes only the self-assessment fields, never to a record under review, on every path.


def _read(record: InventoryRecord) -> dict:
    """The record's version now, as a form read now carries it."""
    return {"version": InventoryRecord.objects.get(pk=record.pk).version}


def _inventor_record(world) -> InventoryRecord:
    record = InventoryRecord.objects.get(patent=world.patents["bj_moe_private"])
    InventoryRecord.objects.filter(pk=record.pk).update(remarks="原备注", responsible_person="王老师")
    record.refresh_from_db()
    assert record.department  # the world puts it in 计算机学院: clearing it would take it out of the department's scope
    return record


def test_inventor_cannot_change_staff_fields_on_the_workbench_page(world, login):
    client = login(world.user("inst_bj_moe_inventor"))
    record = _inventor_record(world)
    before = (record.department, record.remarks, record.responsible_person)
    url = reverse("inventory:patent_save", args=[record.patent_id])
    response = client.post(url, {"group": "contact", "department": "", "remarks": "发明人改写的备注",
                                 "responsible_person": "发明人", "contact_name": record.contact_name,
                                 "contact_phone": record.contact_phone, "contact_email": record.contact_email})
    assert response.status_code in (200, 302, 400)  # staff fields disabled for inventors: ignored, or refused
    record.refresh_from_db()
    assert (record.department, record.remarks, record.responsible_person) == before


def test_inventor_cannot_change_staff_fields_through_the_api(world, login):
    client = login(world.user("inst_bj_moe_inventor"))
    record = _inventor_record(world)
    before = (record.department, record.remarks, record.asking_price, record.disposal)
    url = reverse("inventoryrecord-detail", args=[record.pk])
    for values in ({"department": ""}, {"remarks": "改"}, {"asking_price": "1.00"}, {"disposal": "abandon"}):
        response = client.patch(url, {**values, **_read(record)}, content_type="application/json")
        assert response.status_code == 400, (values, response.content)
    record.refresh_from_db()
    assert (record.department, record.remarks, record.asking_price, record.disposal) == before
    allowed = client.patch(url, {"prospect": "good", **_read(record)}, content_type="application/json")
    assert allowed.status_code == 200, allowed.content


def test_inventor_cannot_change_a_record_under_review_on_any_path(world, login):
    client = login(world.user("inst_bj_moe_inventor"))
    record = _inventor_record(world)
    InventoryRecord.objects.filter(pk=record.pk).update(review_state=ReviewState.SUBMITTED)
    response = client.patch(reverse("inventoryrecord-detail", args=[record.pk]), {"prospect": "poor", **_read(record)},
                            content_type="application/json")
    assert response.status_code == 400 and "已提交审核" in response.content.decode()
    record.refresh_from_db()
    assert record.prospect != "poor"


def test_the_listing_rule_is_shown_where_the_inventor_types_the_scenarios(world, login):
    record = _record(world, "bj_moe_private")
    client = login(world.user("inst_bj_moe_inventor"))
    page = client.get(reverse("inventory:self_assessment_edit", args=[record.pk])).content.decode()
    assert 'id="id_scenarios_helptext"' in page
    assert "不少于 20 字才计入挂牌信息完整度" in page
    assert 'data-pn-min-chars="20"' in page
