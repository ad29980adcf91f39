"""Optimistic locking of inventory records (inventory.records.locking): two people edit the same
record from what they read; the second, whose read is out of date, is told what changed meanwhile
and overwrites nothing, on the page, in the API, in bulk actions and in the review. Every write
path adds one to the record's version; on PostgreSQL two writers racing from the same read end
with exactly one write."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.departments import rename_department
from accounts.models import Department
from ground import imports
from inventory.choices import InventoryStatus, Prospect, ReviewState
from inventory.models import InventoryChange, InventoryRecord
from inventory.records import StaleRecord, review, update_assessment
from inventory.records.locking import save_if_unchanged
from inventory.upload import INVENTORY
from inventory.workbench import bulk

from .test_inventory_upload import good_row, run, xlsx_bytes
from .world import build_world

ASSESSMENT = {"implementation_status": "none", "scenarios": "工业视觉质检", "value_grade": "B"}


def _record(world, key: str = "bj_moe_private") -> InventoryRecord:
    return InventoryRecord.objects.select_related("patent").get(patent=world.patents[key])


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _save_page(client: Client, record: InventoryRecord, version: int, **values):
    data = {"group": "assessment", "assessment-version": version,
            **{f"assessment-{name}": value for name, value in {**ASSESSMENT, **values}.items()}}
    return client.post(reverse("inventory:patent_save", args=[record.patent_id]) + "?group=assessment", data,
                       HTTP_HX_REQUEST="true")


# --- the page -----------------------------------------------------------------------------------------


def test_the_older_form_is_refused_with_what_changed_and_keeps_its_input(world):
    record = _record(world)
    first, second = _browser(world.user("inst_bj_moe_admin")), _browser(world.user("inst_bj_moe_member"))
    edit = reverse("inventory:patent_edit", args=[record.patent_id])
    read = record.version
    for client in (first, second):  # both open the same form
        form = client.get(edit, {"group": "assessment"}).content.decode()
        assert f'name="assessment-version" value="{read}"' in form

    saved = _save_page(first, record, read, prospect="good", maturity="7")
    assert saved["HX-Trigger"] == "assessment-saved"

    refused = _save_page(second, record, read, prospect="poor", maturity="3")
    text = refused.content.decode()
    assert refused.status_code == 200 and "HX-Trigger" not in refused
    assert "已被他人修改" in text and "您的修改没有保存" in text
    assert "“产业化前景”:您的值 较差 → 当前值 较好" in text
    assert "“技术成熟度”:您的值 3 " in text and "当前值 7 " in text
    # Their input is kept, at the current version, so that saving again is a choice.
    assert '<option value="poor" selected>' in text and '<option value="3" selected>' in text
    assert f'name="assessment-version" value="{read + 1}"' in text
    record.refresh_from_db()
    assert (record.prospect, record.maturity, record.version) == (Prospect.GOOD, 7, read + 1)
    assert InventoryChange.objects.filter(record=record).count() == 1

    again = _save_page(second, record, read + 1, prospect="poor", maturity="3")
    assert again["HX-Trigger"] == "assessment-saved"
    record.refresh_from_db()
    assert (record.prospect, record.maturity, record.version) == (Prospect.POOR, 3, read + 2)


def test_a_form_without_its_version_writes_nothing(world):
    record = _record(world)
    response = _browser(world.user("inst_bj_moe_admin")).post(
        reverse("inventory:patent_save", args=[record.patent_id]) + "?group=assessment",
        {"group": "assessment", "assessment-prospect": "good"}, HTTP_HX_REQUEST="true")
    assert "表单缺少版本号" in response.content.decode() and "HX-Trigger" not in response
    assert InventoryRecord.objects.get(pk=record.pk).prospect == record.prospect


def test_the_self_assessment_form_is_refused_when_staff_changed_the_record(world):
    record = _record(world)
    inventor = _browser(world.user("inst_bj_moe_inventor"))
    page = inventor.get(reverse("inventory:self_assessment_edit", args=[record.pk])).content.decode()
    read = record.version
    assert f'name="version" value="{read}"' in page
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=record, values={"prospect": "good"}, version=read)
    response = inventor.post(reverse("inventory:self_assessment_save", args=[record.pk]),
                             {"prospect": "poor", "maturity": "4", "version": read, "submit": "0"})
    assert response.status_code == 400 and "“产业化前景”:您的值 较差 → 当前值 较好" in response.content.decode()
    assert InventoryRecord.objects.get(pk=record.pk).prospect == Prospect.GOOD


# --- the message, without a browser -----------------------------------------------------------------


def test_the_refusal_names_each_field_changed_meanwhile_with_both_values(world):
    record = _record(world)
    read = record.version
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=record, version=read,
                      values={"prospect": "good", "intents": ["transfer", "license"], "license_type": "ordinary"})
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=InventoryRecord.objects.get(pk=record.pk),
                      version=read + 1, values={"remarks": "第二次修改"})
    with pytest.raises(StaleRecord) as refused:
        update_assessment(actor=world.user("inst_bj_moe_member"), record=InventoryRecord.objects.get(pk=record.pk),
                          version=read, values={"prospect": "poor", "remarks": ""})
    error = refused.value
    assert (error.read_version, error.record.version) == (read, read + 2)
    assert error.lines[0] == (
        f"保存失败:您打开表单后,该专利的盘点信息已被他人修改(第 {read} 版 → 当前第 {read + 2} 版)。"
        "您的修改没有保存,也没有覆盖他人的修改;请核对下列字段后再提交。")
    assert error.lines[1:] == [
        "“产业化前景”:您的值 较差 → 当前值 较好",
        "“转化意愿”:您的值 — → 当前值 转让、许可",
        "“许可方式”:您的值 — → 当前值 普通许可",
        "“备注”:您的值 — → 当前值 第二次修改",
    ]
    assert [item["name"] for item in error.changes] == ["prospect", "intents", "license_type", "remarks"]
    assert InventoryRecord.objects.get(pk=record.pk).remarks == "第二次修改"


# --- the API ------------------------------------------------------------------------------------------


def test_a_stale_patch_gets_409_with_the_current_values(world):
    record = _record(world)
    url = f"/api/v1/inventory-records/{record.pk}/"
    first, second = _api(world.user("inst_bj_moe_admin")), _api(world.user("inst_bj_moe_member"))
    read = first.get(url)
    assert read["ETag"] == f'"{record.version}"' and read.json()["version"] == record.version
    assert second.get(url)["ETag"] == read["ETag"]

    ok = first.patch(url, {"prospect": "good"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert ok.status_code == 200 and ok.json()["version"] == record.version + 1

    stale = second.patch(url, {"prospect": "poor", "version": record.version}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert "已被他人修改" in body["detail"] and "“产业化前景”:您的值 较差 → 当前值 较好" in body["detail"]
    assert body["version"] == record.version + 1 and body["current"]["prospect"] == "good"
    assert body["changes"] == [{"name": "prospect", "label": "产业化前景", "theirs": "较差", "current": "较好"}]
    assert stale["ETag"] == f'"{record.version + 1}"'
    assert InventoryRecord.objects.get(pk=record.pk).prospect == Prospect.GOOD


def test_a_patch_without_a_version_is_refused(world):
    record = _record(world)
    response = _api(world.user("inst_bj_moe_admin")).patch(
        f"/api/v1/inventory-records/{record.pk}/", {"prospect": "good"}, format="json")
    assert response.status_code == 428 and "version" in response.json()["detail"]
    assert InventoryRecord.objects.get(pk=record.pk).version == record.version


# --- bulk actions and the review ---------------------------------------------------------------------


def test_a_bulk_action_skips_the_ticked_records_changed_since_and_names_them(world):
    stale_record, fresh_record = _record(world, "bj_moe_private"), _record(world, "bj_moe_library")
    admin = world.user("inst_bj_moe_admin")
    client = _browser(admin)
    listing = client.get(reverse("inventory:patent_list")).content.decode()
    assert f'name="version_{stale_record.pk}" value="{stale_record.version}"' in listing
    update_assessment(actor=world.user("inst_bj_moe_member"), record=stale_record, values={"prospect": "good"},
                      version=stale_record.version)

    response = client.post(reverse("inventory:patent_bulk"), {
        "action": "set_prospect", "prospect": "poor", "scope": "selected", "filter": "",
        "ids": [stale_record.pk, fresh_record.pk],
        f"version_{stale_record.pk}": stale_record.version, f"version_{fresh_record.pk}": fresh_record.version,
    }, follow=True)
    text = response.content.decode()
    assert "1 件在您打开列表后已被他人修改,未更新" in text and stale_record.patent.application_number in text
    assert InventoryRecord.objects.get(pk=stale_record.pk).prospect == Prospect.GOOD
    assert InventoryRecord.objects.get(pk=fresh_record.pk).prospect == Prospect.POOR

    answer = _api(admin).post("/api/v1/inventory-records/bulk/", {
        "action": "set_prospect", "value": "fair", "ids": [stale_record.pk],
        "versions": {str(stale_record.pk): stale_record.version}}, format="json").json()
    assert answer == {"selected": 1, "changed": 0, "refused": 0, "stale": [stale_record.patent.application_number]}
    assert InventoryRecord.objects.get(pk=stale_record.pk).prospect == Prospect.GOOD


def test_the_reviewer_does_not_approve_a_record_changed_after_they_read_it(world):
    record = _record(world)
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=record, version=record.version, values={
        "prospect": "good", "maturity": 6, "screening": "out", "is_financially_funded": False, **ASSESSMENT})
    InventoryRecord.objects.filter(pk=record.pk).update(review_state=ReviewState.SUBMITTED)
    record.refresh_from_db()
    reviewer = _browser(world.user("inst_bj_moe_dept_admin"))
    panel = reviewer.get(reverse("inventory:review_record", args=[record.pk])).content.decode()
    assert f'name="version_{record.pk}" value="{record.version}"' in panel
    update_assessment(actor=world.user("inst_bj_moe_admin"), record=record, values={"maturity": 2},
                      version=record.version)

    response = reviewer.post(reverse("inventory:review_record_action", args=[record.pk]), {
        "action": "approve", "ids": record.pk, f"version_{record.pk}": record.version}, HTTP_HX_REQUEST="true")
    assert "该专利在您打开后已被他人修改,未处理" in response.content.decode()
    assert InventoryRecord.objects.get(pk=record.pk).review_state == ReviewState.SUBMITTED

    result = review.approve(world.user("inst_bj_moe_dept_admin"), [record.pk], versions={record.pk: record.version + 1})
    assert (result.done, result.stale) == (1, 0)


# --- every write path adds a version ----------------------------------------------------------------


def test_every_write_path_adds_one_to_the_version(world):
    admin = world.user("inst_bj_moe_admin")
    record = _record(world)

    def version() -> int:
        return InventoryRecord.objects.get(pk=record.pk).version

    start = version()
    update_assessment(actor=admin, record=record, values={"prospect": "good"})
    assert version() == start + 1
    bulk.apply_bulk_action(actor=admin, action="set_prospect", value="poor", ids=[record.pk])
    assert version() == start + 2
    batch = run(admin, xlsx_bytes([good_row(record.patent)]))
    imports.request_commit(INVENTORY, actor=admin, batch=batch)
    record.refresh_from_db()
    assert record.status == InventoryStatus.INVENTORIED and version() == start + 3
    # (The state set directly, as a test's shortcut that is no write path of the application.)
    InventoryRecord.objects.filter(pk=record.pk).update(review_state=ReviewState.SUBMITTED)
    assert review.approve(world.user("inst_bj_moe_dept_admin"), [record.pk]).done == 1 and version() == start + 4
    department = Department.objects.get(organization=record.institution, name=record.department)
    rename_department(actor=admin, department=department, name="计算机与人工智能学院")
    assert version() == start + 5


# --- racing writers on PostgreSQL -------------------------------------------------------------------


def _race(write) -> tuple[list, list[Exception]]:
    """Run `write(n)` in two threads released together; their results and errors."""
    start = threading.Barrier(2)
    results, errors = [], []

    def one(n: int) -> None:
        try:
            start.wait()
            results.append(write(n))
        except Exception as error:  # collected for the assertions
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_racing_from_the_same_read_make_exactly_one_write():
    world = build_world()
    record = _record(world)
    read = record.version
    users = [world.user("inst_bj_moe_admin"), world.user("inst_bj_moe_member")]
    prospects = [Prospect.GOOD, Prospect.POOR]

    def write(n: int):
        return update_assessment(actor=users[n], record=InventoryRecord.objects.get(pk=record.pk), version=read,
                                 values={"prospect": prospects[n]})

    results, errors = _race(write)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], StaleRecord), errors
    record.refresh_from_db()
    winner = results[0].changed_by_id
    assert record.version == read + 1 and record.prospect == prospects[[u.pk for u in users].index(winner)]
    assert InventoryChange.objects.filter(record=record).count() == 1

    # The conditional UPDATE alone (no row lock taken first) lets one of two through as well.
    def save(n: int):
        with transaction.atomic():
            copy = InventoryRecord.objects.get(pk=record.pk)
            copy.remarks = f"写入者 {n}"
            save_if_unchanged(copy, read + 1, {"remarks": copy.remarks})
            return n

    results, errors = _race(save)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], StaleRecord), errors
    record.refresh_from_db()
    assert record.version == read + 2 and record.remarks == f"写入者 {results[0]}"
