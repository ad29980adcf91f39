"""The review of assessments (inventory.records.review): draft → submitted → department reviewed →
approved (into the library), returns with a reason at both levels, one or two levels, bulk
approval in a fixed number of queries, and department scoping."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from inventory.choices import Intent, InventoryStatus, PatentType, ReviewState, Screening
from inventory.models import InventoryChange, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number
from inventory.records import review


def _record(world, key) -> InventoryRecord:
    return InventoryRecord.objects.get(patent=world.patents[key])


# The required fields of §3 filled (the world's records leave them blank): what a submission needs.
COMPLETE = {"is_financially_funded": False, "implementation_status": "none", "maturity": 5,
            "scenarios": "工业视觉质检", "prospect": "fair"}


def fill(*records, screening: str = Screening.OUT) -> None:
    """The records' assessments completed (screened out unless told), as a submission needs them."""
    InventoryRecord.objects.filter(pk__in=[r.pk for r in records]).update(screening=screening, **COMPLETE)


def _screen_in(record: InventoryRecord) -> None:
    InventoryRecord.objects.filter(pk=record.pk).update(screening=Screening.IN, intents=[Intent.LICENSE],
                                                        license_type="ordinary", in_library=False, **COMPLETE)


def _states(*records) -> list[str]:
    return [InventoryRecord.objects.get(pk=r.pk).review_state for r in records]


def test_full_path_into_the_library(world):
    record = _record(world, "bj_moe_private")  # 计算机学院, 2-level institution
    _screen_in(record)
    inventor, dept_admin = world.user("inst_bj_moe_inventor"), world.user("inst_bj_moe_dept_admin")
    inst_admin = world.user("inst_bj_moe_admin")

    assert review.submit(inventor, [record.pk]).done == 1
    assert _states(record) == [ReviewState.SUBMITTED]
    # The institution may not skip the department's review of a department's record.
    assert review.approve(inst_admin, [record.pk]) == review.ReviewResult(0, 1)
    assert review.approve(dept_admin, [record.pk]).done == 1
    record.refresh_from_db()
    assert record.review_state == ReviewState.DEPARTMENT_REVIEWED and not record.in_library
    assert review.approve(inst_admin, [record.pk]).done == 1
    record.refresh_from_db()
    assert record.review_state == ReviewState.APPROVED
    assert record.in_library and record.status == InventoryStatus.INVENTORIED

    history = list(InventoryChange.objects.filter(record=record).order_by("id"))
    assert [h.changes["review_state"] for h in history] == [
        ["draft", "submitted"], ["submitted", "department_reviewed"], ["department_reviewed", "approved"]]
    assert history[-1].changes["in_library"] == [False, True]
    assert [h.changed_by_id for h in history] == [inventor.pk, dept_admin.pk, inst_admin.pk]
    assert AuditEvent.objects.filter(action="inventory.review_approve").count() == 2


def test_screened_out_is_approved_but_not_in_the_library(world):
    record = _record(world, "bj_moe_library")  # no department: the institution approves directly
    InventoryRecord.objects.filter(pk=record.pk).update(screening=Screening.OUT, review_state=ReviewState.SUBMITTED)
    assert review.approve(world.user("inst_bj_moe_member"), [record.pk]).done == 1
    record.refresh_from_db()
    assert record.review_state == ReviewState.APPROVED and not record.in_library


def test_one_level_institution_approves_directly(world):
    admin, dept_admin = world.user("inst_bj_moe_admin"), world.user("inst_bj_moe_dept_admin")
    assert review.set_review_levels(admin, 1) is True
    record = _record(world, "bj_moe_private")
    _screen_in(record)
    review.submit(world.user("inst_bj_moe_inventor"), [record.pk])
    # With one level the department admin has nothing to review.
    assert review.approve(dept_admin, [record.pk]).done == 0
    assert review.approve(world.user("inst_bj_moe_member"), [record.pk]).done == 1
    record.refresh_from_db()
    assert record.review_state == ReviewState.APPROVED and record.in_library


def test_only_the_institution_admin_sets_review_levels(world):
    with pytest.raises(review.ReviewError):
        review.set_review_levels(world.user("inst_bj_moe_dept_admin"), 1)
    with pytest.raises(review.ReviewError):
        review.set_review_levels(world.user("inst_bj_moe_member"), 1)
    with pytest.raises(review.ReviewError):
        review.set_review_levels(world.user("inst_bj_moe_admin"), 3)
    world.orgs["inst_bj_moe"].refresh_from_db()
    assert world.orgs["inst_bj_moe"].review_levels == 2


def test_return_with_reason_at_both_levels(world):
    record = _record(world, "bj_moe_private")
    inventor, dept_admin = world.user("inst_bj_moe_inventor"), world.user("inst_bj_moe_dept_admin")
    inst_admin = world.user("inst_bj_moe_admin")
    fill(record)
    review.submit(inventor, [record.pk])
    with pytest.raises(review.ReviewError):
        review.return_(dept_admin, [record.pk], "   ")
    assert _states(record) == [ReviewState.SUBMITTED]

    assert review.return_(dept_admin, [record.pk], "应用场景写得太简略").done == 1
    record.refresh_from_db()
    assert record.review_state == ReviewState.RETURNED and record.return_reason == "应用场景写得太简略"
    # Resubmitting clears the reason; the institution returns it in turn.
    review.submit(inventor, [record.pk])
    record.refresh_from_db()
    assert record.return_reason == ""
    review.approve(dept_admin, [record.pk])
    assert review.return_(inst_admin, [record.pk], "请补充联系人").done == 1
    record.refresh_from_db()
    assert record.review_state == ReviewState.RETURNED and record.return_reason == "请补充联系人"
    returns = InventoryChange.objects.filter(record=record, changes__review_state__1="returned")
    assert returns.count() == 2


def test_department_admin_cannot_review_another_department(world):
    dept_admin = world.user("inst_bj_moe_dept_admin")
    other = _record(world, "co_owned")  # 机械工程学院
    InventoryRecord.objects.filter(pk=other.pk).update(review_state=ReviewState.SUBMITTED)
    assert not Patent.objects.visible_to(dept_admin).filter(pk=other.patent_id).exists()
    assert review.approve(dept_admin, [other.pk]) == review.ReviewResult(0, 1)
    assert review.return_(dept_admin, [other.pk], "no").done == 0
    assert _states(other) == [ReviewState.SUBMITTED]
    assert not InventoryChange.objects.filter(record=other).exists()


def test_other_roles_review_nothing(world):
    record = _record(world, "bj_moe_private")
    fill(record)
    review.submit(world.user("inst_bj_moe_inventor"), [record.pk])
    for name in ("inst_bj_moe_inventor", "inst_gd_local_admin", "operator", "prov_bj_admin"):
        user = world.user(name)
        if review.reviewer_level(user) is None:
            with pytest.raises(review.ReviewError):
                review.approve(user, [record.pk])
        else:
            assert review.approve(user, [record.pk]).done == 0
    assert _states(record) == [ReviewState.SUBMITTED]


def _many_records(world, count: int, department) -> list[int]:
    org = world.orgs["inst_bj_moe"]
    patents = Patent.objects.bulk_create([
        Patent(application_number=make_application_number(2020, "1", 2000000 + i), title=f"批量 {i}",
               patent_type=PatentType.INVENTION, application_date=date(2020, 1, 1))
        for i in range(count)
    ])
    PatentOwnership.objects.bulk_create(
        [PatentOwnership(patent=p, organization=org) for p in patents])
    records = InventoryRecord.objects.bulk_create([
        InventoryRecord(patent=p, institution=org, department=department.name, department_unit=department,
                        review_state=ReviewState.SUBMITTED, screening=Screening.IN, intents=[Intent.TRANSFER])
        for p in patents
    ])
    return [r.pk for r in records]


@pytest.mark.parametrize("count", [20, 300])
def test_bulk_approve_in_a_fixed_number_of_queries(world, django_assert_max_num_queries, count):
    dept_admin, inst_admin = world.user("inst_bj_moe_dept_admin"), world.user("inst_bj_moe_admin")
    ids = _many_records(world, count, dept_admin.department)
    with django_assert_max_num_queries(10):
        assert review.approve(dept_admin, ids).done == count
    with django_assert_max_num_queries(10):
        assert review.approve(inst_admin, InventoryRecord.objects.filter(pk__in=ids)).done == count
    approved = InventoryRecord.objects.filter(pk__in=ids, review_state=ReviewState.APPROVED, in_library=True)
    assert approved.count() == count
    assert InventoryChange.objects.filter(record_id__in=ids).count() == 2 * count
    assert AuditEvent.objects.filter(action="inventory.review_approve").count() == 2


def test_queue_page_lists_and_bulk_approves(world, login):
    dept_admin = world.user("inst_bj_moe_dept_admin")
    ids = _many_records(world, 3, dept_admin.department)
    client = login(dept_admin)
    page = client.get(reverse("inventory:review_queue"))
    assert page.status_code == 200
    body = page.content.decode()
    assert all(f'value="{pk}"' in body for pk in ids)
    assert world.patents["co_owned"].application_number not in body
    response = client.post(reverse("inventory:review_action"), {"action": "approve", "ids": ids[:2]}, follow=True)
    assert "已审核通过 2 件" in response.content.decode()
    assert InventoryRecord.objects.filter(pk__in=ids, review_state=ReviewState.DEPARTMENT_REVIEWED).count() == 2
    # Everything the filter selects: the remaining one, and a return needs its reason.
    response = client.post(reverse("inventory:review_action"), {"action": "return", "all": "1"}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    client.post(reverse("inventory:review_action"), {"action": "return", "all": "1", "reason": "材料不全"})
    assert InventoryRecord.objects.get(pk=ids[2]).return_reason == "材料不全"


def test_queue_page_is_for_institutions_only(world, login):
    for name in ("inst_bj_moe_inventor", "ent_gd_admin", "prov_bj_admin"):
        assert login(world.user(name)).get(reverse("inventory:review_queue")).status_code == 403


def test_review_levels_page(world, login):
    client = login(world.user("inst_bj_moe_admin"))
    assert "pn-review-levels" in client.get(reverse("inventory:review_queue")).content.decode()
    client.post(reverse("inventory:review_levels"), {"review_levels": "1"})
    world.orgs["inst_bj_moe"].refresh_from_db()
    assert world.orgs["inst_bj_moe"].review_levels == 1
    response = login(world.user("inst_bj_moe_dept_admin")).post(reverse("inventory:review_levels"),
                                                                 {"review_levels": "2"})
    assert response.status_code == 403


def test_api_review_actions(world, login):
    dept_admin = world.user("inst_bj_moe_dept_admin")
    ids = _many_records(world, 3, dept_admin.department)
    other = _record(world, "co_owned")
    InventoryRecord.objects.filter(pk=other.pk).update(review_state=ReviewState.SUBMITTED)
    client = login(dept_admin)
    response = client.post("/api/v1/review/approve/", {"ids": [*ids[:2], other.pk]}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"done": 2, "skipped": 1, "incomplete": 0, "stale": 0}
    response = client.post("/api/v1/review/return/", {"ids": [ids[2]]}, content_type="application/json")
    assert response.status_code == 400
    response = client.post("/api/v1/review/return/", {"ids": [ids[2]], "reason": "缺少联系人"},
                           content_type="application/json")
    assert response.json()["done"] == 1
    assert InventoryChange.objects.filter(record_id=ids[2], source=InventoryChange.Source.API).exists()
    assert _states(other) == [ReviewState.SUBMITTED]
    assert login(world.user("ent_gd_admin")).post(
        "/api/v1/review/approve/", {"ids": ids}, content_type="application/json").status_code == 403


def test_state_after_edit(world):
    """An edit never approves: institution-level staff complete a record into review (or keep the
    state of one approved or waiting); an incomplete record is a draft; department staff and
    inventors edit drafts and submit only when asked (an upload's changed row, 保存并提交审核)."""
    from accounts.models import User

    dept_admin, inventor = world.user("inst_bj_moe_dept_admin"), world.user("inst_bj_moe_inventor")
    dept_member = User.objects.create(username="cs_member", organization=world.orgs["inst_bj_moe"],
                                      department=dept_admin.department)
    staff = world.user("inst_bj_moe_member")
    State = ReviewState
    assert review.state_after_edit(staff, State.DRAFT, complete=True) == State.SUBMITTED
    assert review.state_after_edit(staff, State.DRAFT, complete=False) == State.DRAFT
    assert review.state_after_edit(staff, State.RETURNED, complete=True) == State.SUBMITTED
    assert review.state_after_edit(staff, State.DEPARTMENT_REVIEWED, complete=True) == State.DEPARTMENT_REVIEWED
    assert review.state_after_edit(staff, State.APPROVED, complete=True) == State.APPROVED
    assert review.state_after_edit(staff, State.APPROVED, complete=False) == State.DRAFT
    for state in State.values:
        for user in (staff, dept_admin, dept_member, inventor):
            for submit in (False, True):
                after = review.state_after_edit(user, state, complete=True, submit=submit)
                assert after != State.APPROVED or state == State.APPROVED
    assert review.state_after_edit(inventor, State.DRAFT, complete=True) == State.DRAFT
    assert review.state_after_edit(inventor, State.DRAFT, complete=True, submit=True) == State.SUBMITTED
    assert review.state_after_edit(inventor, State.DRAFT, complete=False, submit=True) == State.DRAFT
    # A department admin amending what was submitted to them leaves it submitted; a member pulls it back.
    assert review.state_after_edit(dept_admin, State.SUBMITTED, complete=True) == State.SUBMITTED
    assert review.state_after_edit(dept_member, State.SUBMITTED, complete=True) == State.DRAFT
    assert review.state_after_edit(dept_member, State.APPROVED, complete=True, submit=True) == State.SUBMITTED
    assert review.state_after_edit(inventor, State.RETURNED, complete=True) == State.RETURNED
    # The operator leaves the state as it was, unless approving outright (标记为已盘点).
    operator = world.user("operator")
    assert review.state_after_edit(operator, State.SUBMITTED, complete=True) == State.SUBMITTED
    assert review.state_after_edit(operator, State.SUBMITTED, complete=True, approve=True) == State.APPROVED
    with pytest.raises(ValueError):
        review.state_after_edit(dept_admin, State.SUBMITTED, complete=True, approve=True)


def test_submission_needs_the_required_fields_on_every_path(world, login):
    """保存并提交审核 on a blank record is refused on the service, the review page and the API: it
    stays a draft and pending; filled in, it is submitted."""
    inventor, dept_admin = world.user("inst_bj_moe_inventor"), world.user("inst_bj_moe_dept_admin")
    record = _record(world, "bj_moe_private")
    assert (record.review_state, record.status) == (ReviewState.DRAFT, InventoryStatus.PENDING)
    assert review.submit(inventor, [record.pk]) == review.ReviewResult(0, 1, 1)
    page = login(dept_admin).post(reverse("inventory:review_action"), {
        "action": "submit", "ids": [record.pk], "state": "draft"}, follow=True).content.decode()
    assert "必填项未填写完整" in page and "技术成熟度" in page
    response = login(inventor).post("/api/v1/review/submit/", {"ids": [record.pk]}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"done": 0, "skipped": 1, "incomplete": 1, "stale": 0}
    record.refresh_from_db()
    assert (record.review_state, record.status) == (ReviewState.DRAFT, InventoryStatus.PENDING)
    assert not InventoryChange.objects.filter(record=record).exists()
    fill(record)
    assert review.submit(inventor, [record.pk]) == review.ReviewResult(1, 0)
    record.refresh_from_db()
    assert (record.review_state, record.status) == (ReviewState.SUBMITTED, InventoryStatus.INVENTORIED)


def _amend_as_department_admin(world, login, path: str) -> str:
    """A department admin changes the prospect of a record submitted to them, by `path`; the
    record's review state afterwards."""
    from rest_framework.test import APIClient

    from inventory.records.assessment import update_assessment
    from inventory.workbench import bulk

    dept_admin = world.user("inst_bj_moe_dept_admin")
    record = _record(world, "bj_moe_private")  # 计算机学院's, submitted for the department's review
    fill(record)
    InventoryRecord.objects.filter(pk=record.pk).update(review_state=ReviewState.SUBMITTED,
                                                        status=InventoryStatus.INVENTORIED)
    record.refresh_from_db()
    if path == "service":
        update_assessment(actor=dept_admin, record=record, values={"prospect": "good"})
    elif path == "page":
        response = login(dept_admin).post(
            reverse("inventory:patent_save", args=[record.patent_id]) + "?group=assessment",
            {"group": "assessment", "assessment-prospect": "good", "assessment-implementation_status": "none",
             "assessment-maturity": "5", "assessment-scenarios": "工业视觉质检", "assessment-version": record.version},
            HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and response["HX-Trigger"] == "assessment-saved"
    elif path == "api":
        client = APIClient()
        client.force_authenticate(dept_admin)
        response = client.patch(f"/api/v1/inventory-records/{record.pk}/", {"prospect": "good"}, format="json",
                                HTTP_IF_MATCH=f'"{record.version}"')
        assert response.status_code == 200, response.content
    elif path == "bulk":
        assert bulk.apply_bulk_action(actor=dept_admin, action="set_prospect", value="good", ids=[record.pk]) == 1
    elif path == "bulk_page":
        response = login(dept_admin).post(reverse("inventory:patent_bulk"), {
            "action": "set_prospect", "prospect": "good", "scope": "selected", "ids": [record.pk], "filter": ""})
        assert response.status_code == 302
    elif path == "bulk_api":
        client = APIClient()
        client.force_authenticate(dept_admin)
        response = client.post("/api/v1/inventory-records/bulk/",
                               {"action": "set_prospect", "value": "good", "ids": [record.pk]}, format="json")
        assert response.json()["changed"] == 1
    record.refresh_from_db()
    assert record.prospect == "good"
    return record.review_state


@pytest.mark.parametrize("path", ["service", "page", "api", "bulk", "bulk_page", "bulk_api"])
def test_a_department_admins_edit_keeps_a_submitted_record_submitted_whatever_the_path(world, login, path):
    """One review-state machine: the workbench page, the API and bulk actions alike leave a record
    submitted to the department admin submitted when they amend it (they approve it next)."""
    assert _amend_as_department_admin(world, login, path) == ReviewState.SUBMITTED


def test_department_member_submits_from_the_queue_page(world, login):
    from accounts.models import User

    dept_admin = world.user("inst_bj_moe_dept_admin")
    member = User.objects.create(username="cs_member", organization=world.orgs["inst_bj_moe"],
                                 department=dept_admin.department)
    record = _record(world, "bj_moe_private")
    fill(record)
    client = login(member)
    page = client.get(reverse("inventory:review_queue")).content.decode()
    assert f'value="{record.pk}"' in page and world.patents["co_owned"].application_number not in page
    client.post(reverse("inventory:review_action"), {"action": "submit", "ids": [record.pk], "state": "draft"})
    assert _states(record) == [ReviewState.SUBMITTED]
    # A member reviews nothing.
    client.post(reverse("inventory:review_action"), {"action": "approve", "ids": [record.pk]})
    assert _states(record) == [ReviewState.SUBMITTED]
