"""The pre-filled round trip: an institution downloads 我的专利(预填), changes three rows and
uploads the file. The preview shows exactly three changes, no error for a row left as it was, and
no review state moves but those of the three changed rows; nothing is approved by the upload."""

import io

import openpyxl
import pytest
from django.urls import reverse

from ground import imports
from inventory.choices import ImplementationStatus, Intent, InventoryStatus, Prospect, ReviewState, Screening
from inventory.models import InventoryChange, InventoryRecord
from inventory.upload.importer import INVENTORY

from .test_inventory_upload import body, run
from .test_workbench import add_patent

COMPLETE = {"is_financially_funded": False, "implementation_status": ImplementationStatus.NONE, "maturity": 5,
            "scenarios": "工业视觉质检", "prospect": Prospect.FAIR, "screening": Screening.OUT}
INVENTORIED = {**COMPLETE, "status": InventoryStatus.INVENTORIED}


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def records(world) -> dict[str, InventoryRecord]:
    """北京示范大学's records in every review state, besides the world's three: complete ones
    submitted, reviewed by the department, returned, approved (in the library) and a complete
    draft; blank pending ones; a partial draft."""
    org = world.orgs["inst_bj_moe"]
    specs = {
        "submitted": {**INVENTORIED, "review_state": ReviewState.SUBMITTED},
        "department_reviewed": {**INVENTORIED, "review_state": ReviewState.DEPARTMENT_REVIEWED},
        "returned": {**INVENTORIED, "review_state": ReviewState.RETURNED, "return_reason": "请补充应用场景"},
        "approved": {**INVENTORIED, "review_state": ReviewState.APPROVED, "screening": Screening.IN,
                     "intents": [Intent.TRANSFER], "in_library": True},
        "complete_draft": {**COMPLETE},
        "blank_1": {},
        "blank_2": {},
        "blank_3": {},
        "partial_draft": {"maturity": 4, "prospect": Prospect.GOOD},
    }
    return {key: add_patent(org, 900 + serial, title=f"往返 {key}", **spec).inventory
            for serial, (key, spec) in enumerate(specs.items())}


def state_of(queryset) -> dict[int, tuple]:
    """Every field of each record, by id."""
    return {values[0]: values[1:] for values in queryset.order_by("pk").values_list()}


def edit(content: bytes, changes: dict[str, dict[str, object]]) -> bytes:
    """The pre-filled workbook with the cells of the rows named by application number changed."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    sheet = wb.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    found = set()
    for row in sheet.iter_rows(min_row=2):
        number = row[0].value
        for header, value in changes.get(number, {}).items():
            row[headers.index(header)].value = value
            found.add(number)
    assert found == set(changes)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_prefilled_round_trip_changes_only_the_three_edited_rows(world, records, client):
    admin = world.user("inst_bj_moe_admin")
    client.force_login(admin)
    content = body(client.get(reverse("inventory:export_prefilled")))
    editable = InventoryRecord.objects.editable_by(admin)
    before = state_of(editable)
    blank_pending = editable.filter(status=InventoryStatus.PENDING, maturity__isnull=True, prospect="",
                                    scenarios="", implementation_status="", screening="",
                                    is_financially_funded__isnull=True).count()
    approved_before = editable.filter(review_state=ReviewState.APPROVED).count()
    assert blank_pending >= 3

    number = {key: record.patent.application_number for key, record in records.items()}
    edited = edit(content, {
        # A first inventory of a blank pending record.
        number["blank_1"]: {"是否财政资助": "否", "实施状态": "未实施", "技术成熟度": 6, "应用场景": "电池回收",
                            "产业化前景": "较好", "是否入库": "不入库"},
        # Amendments of a record waiting for review and of a returned one.
        number["submitted"]: {"技术成熟度": 7},
        number["returned"]: {"应用场景": "动力电池梯次利用与回收"},
    })
    batch = run(admin, edited, "我的专利.xlsx")
    assert batch.status == "validated", batch.failure
    counts = batch.counts
    assert counts["new"] + counts["updated"] == 3 and (counts["new"], counts["updated"]) == (1, 2), counts
    assert counts["rejected"] == 0 and not [e for e in batch.errors if e["level"] == "error"], batch.errors[:5]
    # The blank pending rows are skipped and counted; every other untouched row is unchanged.
    assert counts["skipped"] == blank_pending - 1
    assert counts["unchanged"] == len(before) - 3 - counts["skipped"]
    # Only the changed rows' review states move, and only into review.
    assert counts["review_moves"] == {"draft>submitted": 1, "returned>submitted": 1}

    page = client.get(reverse("inventory:upload_detail", args=[batch.pk])).content.decode()
    table = page[page.index('id="pn-changes-table"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 1 + 3  # the header and the three changes
    assert all(number[key] in table for key in ("blank_1", "submitted", "returned"))
    assert f'data-count="skipped">{counts["skipped"]}<' in page
    moves = page[page.index('id="pn-review-moves"'):]
    assert "建档中 → 待二级单位审核" in moves and "已退回 → 待二级单位审核" in moves
    assert "上传不会审核通过任何专利" in moves

    batch = imports.request_commit(INVENTORY, actor=admin, batch=batch)
    assert batch.status == "committed", batch.failure
    after = state_of(editable)
    changed = {records[key].pk for key in ("blank_1", "submitted", "returned")}
    assert {pk for pk in before if before[pk] != after[pk]} == changed
    assert InventoryChange.objects.filter(batch=batch).count() == 3
    assert editable.filter(review_state=ReviewState.APPROVED).count() == approved_before
    states = dict(editable.filter(pk__in=changed).values_list("pk", "review_state"))
    assert states == {records["blank_1"].pk: ReviewState.SUBMITTED, records["submitted"].pk: ReviewState.SUBMITTED,
                      records["returned"].pk: ReviewState.SUBMITTED}
    first = InventoryRecord.objects.get(pk=records["blank_1"].pk)
    assert first.status == InventoryStatus.INVENTORIED and first.maturity == 6 and not first.in_library


def test_prefilled_round_trip_as_a_department_admin(world, records, client):
    """A department's admin: the same file back changes nothing, whatever the states."""
    dept_admin = world.user("inst_bj_moe_dept_admin")
    InventoryRecord.objects.filter(pk__in=[r.pk for r in records.values()]).update(
        department=dept_admin.department.name, department_unit=dept_admin.department)
    client.force_login(dept_admin)
    content = body(client.get(reverse("inventory:export_prefilled")))
    editable = InventoryRecord.objects.editable_by(dept_admin)
    before = state_of(editable)
    batch = run(dept_admin, content, "我的专利.xlsx")
    assert batch.counts["new"] == batch.counts["updated"] == batch.counts["rejected"] == 0, batch.errors[:5]
    assert batch.counts["review_moves"] == {}
    assert batch.counts["unchanged"] + batch.counts["skipped"] == len(before)
    imports.request_commit(INVENTORY, actor=dept_admin, batch=batch)
    assert state_of(editable) == before


def test_partly_filled_row_over_a_pending_record_names_each_blank_required_column(world, records):
    admin = world.user("inst_bj_moe_admin")
    from .test_inventory_upload import good_row, xlsx_bytes

    patent = records["blank_2"].patent
    other = records["blank_3"].patent.application_number
    batch = run(admin, xlsx_bytes([good_row(patent, 技术成熟度=None, 应用场景=None),
                                   {"申请号": other, "所属二级单位": "化学学院"}]))
    errors = {(e["row"], e["column"]): e["message"] for e in batch.errors if e["level"] == "error"}
    assert errors == {(2, "技术成熟度"): "必填项为空", (2, "应用场景"): "必填项为空"}
    # A row that fills no required column over a pending record is skipped, with a warning.
    assert batch.counts["skipped"] == 1 and batch.counts["rejected"] == 1
    assert any(e["row"] == 3 and "待盘点" in e["message"] for e in batch.errors if e["level"] == "warning")
