"""The institution's standard-format upload: check, preview, commit and cancel, the error report, the
blank and prefilled templates, the pages, and every bad input.

Each bad input asserts the Chinese message (naming row and column where there is one) and that
nothing was written: no inventory record changed and no InventoryChange row appeared.
"""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditEvent
from ground import imports
from ground.imports import problems as upload_errors
from ground.sheets.template import write_template
from ground.uploads import UploadError
from inventory.choices import ImplementationStatus, InventoryStatus, LicenseType, ReviewState, Screening
from inventory.models import ImportBatch, InventoryChange, InventoryRecord
from inventory.records.formats import InventoryFormat
from inventory.upload import check as upload_check
from inventory.upload.importer import INVENTORY

HEADERS = [column.header for column in InventoryFormat().columns]
Status = ImportBatch.Status


def good_row(patent, **overrides) -> dict:
    row = {
        "申请号": patent.application_number,
        "专利名称": patent.title,
        "所属二级单位": "计算机学院",
        "盘点负责人": "王老师",
        "是否财政资助": "是",
        "资助项目编号": "2019YFB1000001",
        "实施状态": "许可实施",
        "技术成熟度": 6,
        "应用场景": "工业视觉质检",
        "产业化前景": "较好",
        "价值分级自评": "A",
        "是否入库": "入库",
        "转化意愿": "转让;许可",
        "许可方式": "普通许可",
        "意向价格(万元)": 50,
        "处置建议": "重点推广",
        "所属产业": "1.5",
        "联系人": "李老师",
        "联系电话": "13800138000",
        "联系邮箱": "tto@example.edu.cn",
        "备注": "",
    }
    row.update(overrides)
    return row


def xlsx_bytes(rows: list[dict], *, headers=None, title_rows=(), merge_title=False) -> bytes:
    headers = headers or HEADERS
    wb = openpyxl.Workbook()
    ws = wb.active
    for title in title_rows:
        ws.append([title])
    if merge_title and title_rows:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for row in rows:
        ws.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def body(response) -> bytes:
    """A response's content; a streamed file response is read whole (which closes it)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def as_upload(content: bytes, name: str = "盘点结果.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def run(user, content: bytes, name: str = "盘点结果.xlsx") -> ImportBatch:
    batch = imports.stage(INVENTORY, actor=user, file=as_upload(content, name))
    return imports.start_validation(INVENTORY, batch)


def snapshot() -> tuple:
    return (
        tuple(tuple(r) for r in InventoryRecord.objects.order_by("pk").values_list()),
        InventoryChange.objects.count(),
    )


def messages(batch: ImportBatch, level: str = "error") -> dict[tuple[int, str], str]:
    return {(e["row"], e["column"]): e["message"] for e in batch.errors if e["level"] == level}




pytestmark = pytest.mark.usefixtures("media")


# --- the happy path -------------------------------------------------------------------------------


def test_upload_validate_preview_commit(world, bj):
    private, library, co_owned = (world.patents[k] for k in ("bj_moe_private", "bj_moe_library", "co_owned"))
    content = xlsx_bytes([
        good_row(private),
        good_row(library, 是否入库="不入库", 转化意愿="暂无", 许可方式="", 处置建议="继续观察"),
        good_row(co_owned, 专利名称="另一个名称", 实施状态="已产业化", 技术成熟度="TRL9", 产业化前景="高"),
    ])
    batch = run(bj, content)
    assert batch.status == Status.VALIDATED, batch.failure
    assert len(batch.sha256) == 64
    assert batch.counts["new"] == 2 and batch.counts["updated"] == 1 and batch.counts["rejected"] == 0
    assert batch.counts["warnings"] == 1
    assert "不一致" in messages(batch, "warning")[(4, "专利名称")]
    # Nothing written before the commit.
    assert not InventoryChange.objects.exists()

    batch = imports.request_commit(INVENTORY, actor=bj, batch=batch)
    assert batch.status == Status.COMMITTED
    record = InventoryRecord.objects.get(patent=private)
    assert record.status == InventoryStatus.INVENTORIED and record.inventoried_at is not None
    # Submitted to review, not approved: the library takes it when the review approves it.
    assert record.review_state == ReviewState.SUBMITTED and record.in_library is False
    assert record.screening == Screening.IN
    assert record.intents == ["transfer", "license"] and record.license_type == LicenseType.ORDINARY
    assert record.asking_price == Decimal("50.00") and record.maturity == 6 and record.industry_codes == ["1.5"]
    assert record.updated_by == bj
    library_record = InventoryRecord.objects.get(patent=library)
    assert library_record.in_library is False
    co = InventoryRecord.objects.get(patent=co_owned)
    assert co.implementation_status == ImplementationStatus.INDUSTRIALISED and co.maturity == 9
    assert co.prospect == "good"
    changes = InventoryChange.objects.filter(batch=batch)
    assert changes.count() == 3
    change = changes.get(record=record)
    assert change.source == InventoryChange.Source.UPLOAD and change.changed_by == bj
    assert change.changes["status"] == ["pending", "inventoried"]
    assert change.changes["maturity"] == [None, 6]
    assert changes.get(record=library_record).changes["in_library"] == [True, False]
    assert AuditEvent.objects.filter(action="inventory.upload_commit", target_id=str(batch.pk)).exists()
    assert AuditEvent.objects.filter(action="inventory.upload", target_id=str(batch.pk)).exists()

    # The same file again: every row unchanged, no new history.
    again = run(bj, content)
    assert again.counts["unchanged"] == 3 and again.counts["new"] == 0 and again.counts["updated"] == 0
    before = snapshot()
    again = imports.request_commit(INVENTORY, actor=bj, batch=again)
    assert again.status == Status.COMMITTED and snapshot() == before
    assert InventoryChange.objects.count() == 3


def test_staff_upload_submits_links_departments_and_scores(world, bj):
    """A staff upload's changed rows are submitted to review (a submitted one stays submitted),
    never approved; 所属二级单位 names a department of the institution (created once); the
    listing score is written with the fields."""
    from accounts.models import Department
    from inventory.library import listing

    private, library = world.patents["bj_moe_private"], world.patents["bj_moe_library"]
    InventoryRecord.objects.filter(patent=library).update(review_state=ReviewState.SUBMITTED, in_library=False)
    content = xlsx_bytes([
        good_row(private, 所属二级单位="计算机学院"),
        good_row(library, 所属二级单位="计算机学院", 应用场景="短", 联系人="", 意向价格="", 许可方式="",
                 转化意愿="转让"),
    ])
    batch = imports.request_commit(INVENTORY, actor=bj, batch=run(bj, content))
    assert batch.status == Status.COMMITTED, batch.failure
    departments = Department.objects.filter(organization=world.orgs["inst_bj_moe"], name="计算机学院")
    assert departments.count() == 1
    for patent in (private, library):
        record = InventoryRecord.objects.select_related("patent").get(patent=patent)
        assert record.review_state == ReviewState.SUBMITTED and record.in_library is False
        assert record.department_unit == departments.get()
        assert record.listing_score == listing.score(record)
    assert InventoryRecord.objects.get(patent=private).listing_score > InventoryRecord.objects.get(
        patent=library).listing_score
    change = InventoryChange.objects.get(batch=batch, record__patent=library)
    assert "review_state" not in change.changes
    assert InventoryChange.objects.get(batch=batch, record__patent=private).changes["review_state"] == [
        "draft", "submitted"]
    # A second upload naming the same department creates no other; the same file is unchanged.
    existing = Department.objects.count()
    again = imports.request_commit(INVENTORY, actor=bj, batch=run(bj, content))
    assert again.counts["unchanged"] == 2 and Department.objects.count() == existing


def test_department_upload_goes_to_review(world):
    """A department's staff upload its own department's patents: submitted for review, not
    approved, so not in the library yet; the same values over an approved record stay unchanged."""
    dept_admin = world.user("inst_bj_moe_dept_admin")  # 计算机学院, which holds bj_moe_private
    private = world.patents["bj_moe_private"]
    batch = imports.request_commit(INVENTORY, actor=dept_admin, batch=run(dept_admin, xlsx_bytes([
        good_row(private, 所属二级单位="计算机学院")])))
    assert batch.status == Status.COMMITTED, batch.failure
    record = InventoryRecord.objects.get(patent=private)
    assert record.review_state == ReviewState.SUBMITTED and record.in_library is False
    assert record.status == InventoryStatus.INVENTORIED
    # Another department's patent is outside the department's scope.
    other = run(dept_admin, xlsx_bytes([good_row(world.patents["co_owned"], 所属二级单位="计算机学院")]))
    assert other.counts["rejected"] == 1
    # Approved by the institution, the same file from the department changes nothing.
    InventoryRecord.objects.filter(pk=record.pk).update(review_state=ReviewState.APPROVED, in_library=True)
    again = run(dept_admin, xlsx_bytes([good_row(private, 所属二级单位="计算机学院")]))
    assert again.counts["unchanged"] == 1


def test_industry_column_overrides_the_classification_after_commit(world, bj, django_capture_on_commit_callbacks):
    from inventory.models import PatentIndustry

    private = world.patents["bj_moe_private"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        imports.request_commit(INVENTORY, actor=bj, batch=run(bj, xlsx_bytes([good_row(private, 所属产业="4.1;1.5")])))
    assert callbacks, "the commit queues the override task"
    links = PatentIndustry.objects.filter(patent=private)
    assert set(links.values_list("industry_id", "is_manual")) == {("4.1", True), ("1.5", True)}


def test_commit_twice_is_idempotent(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    imports.commit(INVENTORY, actor=bj, batch=batch)
    before = snapshot()
    again = imports.commit(INVENTORY, actor=bj, batch=batch)  # a re-delivered task
    assert again.status == Status.COMMITTED and snapshot() == before


def test_absent_optional_column_leaves_field_alone_and_blank_cell_clears(world, bj):
    patent = world.patents["bj_moe_private"]
    imports.commit(INVENTORY, actor=bj, batch=run(bj, xlsx_bytes([good_row(patent, 备注="旧备注")])))
    headers = [h for h in HEADERS if h != "联系人"]
    batch = run(bj, xlsx_bytes([good_row(patent, 备注=None)], headers=headers))
    assert batch.counts["updated"] == 1
    imports.commit(INVENTORY, actor=bj, batch=batch)
    record = InventoryRecord.objects.get(patent=patent)
    assert record.contact_name == "李老师" and record.remarks == ""
    last = InventoryChange.objects.filter(record=record).first()
    assert last.changes == {"remarks": ["旧备注", ""]}


def test_synonyms_numbers_and_written_forms(world, bj):
    patent = world.patents["bj_moe_private"]
    digits = patent.application_number[2:].replace(".", "")
    row = good_row(
        patent, 申请号=f"ZL {digits[:4]} {digits[4]} {digits[5:12]}.{digits[12]}", 是否财政资助="Y",
        技术成熟度="6级", 产业化前景="中", 是否入库="是", 转化意愿="许可、作价入股", 许可方式="独占许可",
        价值分级自评="b", 意向价格="１２.５", 联系电话=13800138000, 所属产业="人工智能;1.1",
    )
    row["意向价格(万元)"] = "１２.５"
    batch = run(bj, xlsx_bytes([row]))
    assert batch.counts["new"] == 1, batch.errors
    imports.commit(INVENTORY, actor=bj, batch=batch)
    record = InventoryRecord.objects.get(patent=patent)
    assert record.is_financially_funded is True and record.maturity == 6 and record.prospect == "fair"
    assert record.intents == ["license", "equity"] and record.license_type == LicenseType.EXCLUSIVE
    assert record.value_grade == "B" and record.asking_price == Decimal("12.50")
    assert record.contact_phone == "13800138000" and record.industry_codes == ["1.5", "1.1"]


def test_csv_upload(world, bj):
    patent = world.patents["bj_moe_private"]
    row = good_row(patent)
    text = ",".join(HEADERS) + "\n" + ",".join(str(row[h]).replace(",", ";") for h in HEADERS) + "\n"
    batch = run(bj, text.encode("gb18030"), "盘点.csv")
    assert batch.status == Status.VALIDATED and batch.counts["new"] == 1, batch.errors


# --- row errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides,column,fragment", [
    ({"是否财政资助": "是", "资助项目编号": ""}, "资助项目编号", "须填写资助项目编号"),
    ({"是否入库": "入库", "转化意愿": "暂无"}, "转化意愿", "暂无"),
    ({"是否入库": "入库", "转化意愿": ""}, "转化意愿", "转化意愿"),
    ({"是否入库": "入库", "处置建议": "放弃维持"}, "处置建议", "矛盾"),
    ({"转化意愿": "许可", "许可方式": ""}, "许可方式", "须填写许可方式"),
    ({"转化意愿": "暂无;转让", "是否入库": "不入库"}, "转化意愿", "单独"),
    ({"实施状态": "已产业化;未实施"}, "实施状态", "已产业化"),
    ({"实施状态": "部分实施"}, "实施状态", "不是可选值"),
    ({"技术成熟度": 10}, "技术成熟度", "1 至 9"),
    ({"产业化前景": "很好"}, "产业化前景", "不是可选值"),
    ({"应用场景": "长" * 501}, "应用场景", "500"),
    ({"意向价格(万元)": -1}, "意向价格(万元)", "不能小于"),
    ({"联系电话": "12345"}, "联系电话", "电话"),
    ({"联系邮箱": "not-an-email"}, "联系邮箱", "邮箱"),
    ({"所属产业": "10.1"}, "所属产业", "战略性新兴产业"),
    ({"应用场景": None}, "应用场景", "必填项为空"),
])
def test_row_rules(world, bj, overrides, column, fragment):
    before = snapshot()
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"], **overrides)]))
    assert batch.status == Status.VALIDATED
    assert fragment in messages(batch)[(2, column)]
    assert batch.counts["rejected"] == 1
    imports.commit(INVENTORY, actor=bj, batch=batch)
    assert snapshot() == before


def test_cross_field_messages_show_the_cell_as_written(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"], 是否入库="是", 转化意愿="暂无",
                                         处置建议="放弃维持")]))
    errors = {e["column"]: e for e in batch.errors}
    assert errors["转化意愿"]["value"] == "暂无" and errors["处置建议"]["value"] == "放弃维持"


def test_open_licence_refused_while_exclusive_recorded(world, bj):
    patent = world.patents["bj_moe_library"]
    InventoryRecord.objects.filter(patent=patent).update(license_type=LicenseType.SOLE)
    batch = run(bj, xlsx_bytes([good_row(patent, 转化意愿="许可", 许可方式="开放许可")]))
    assert "排他许可" in messages(batch)[(2, "许可方式")]


def test_wrong_check_digit_names_row_column_and_value(world, bj):
    number = world.patents["bj_moe_private"].application_number
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"], 申请号=wrong)]))
    error = next(e for e in batch.errors if e["row"] == 2 and e["column"] == "申请号")
    assert "校验位" in error["message"] and error["value"] == wrong


def test_patents_of_others_and_unknown_numbers(world, bj):
    from inventory.patents.identifiers import make_application_number

    unknown = make_application_number(2020, "1", 7654321)
    rows = [
        good_row(world.patents["gd_private"]),  # another institution's
        good_row(world.patents["bj_moe_private"]),
        good_row(world.patents["bj_moe_private"]),  # duplicate
        good_row(world.patents["bj_moe_library"], 申请号=unknown),
    ]
    gd = world.user("inst_gd_local_admin")
    batch = run(bj, xlsx_bytes(rows))
    found = messages(batch)
    assert "不属于本单位" in found[(2, "申请号")]
    assert world.patents["gd_private"].application_number in found[(2, "申请号")]
    assert "与第 3 行重复" in found[(4, "申请号")]
    assert "不在存量专利基础库中" in found[(5, "申请号")] and unknown in found[(5, "申请号")]
    assert batch.counts["new"] == 1 and batch.counts["rejected"] == 3
    # The co-owner (广东省人民医院) may not inventory the co-owned patent: its lead institution does.
    co = run(gd, xlsx_bytes([good_row(world.patents["co_owned"])]))
    assert "共有权利人" in messages(co)[(2, "申请号")]


def test_valid_rows_commit_while_bad_row_rejected(world, bj):
    rows = [good_row(world.patents["bj_moe_private"]), good_row(world.patents["bj_moe_library"], 技术成熟度="x")]
    batch = run(bj, xlsx_bytes(rows))
    batch = imports.request_commit(INVENTORY, actor=bj, batch=batch)
    assert batch.status == Status.COMMITTED and batch.counts["new"] == 1 and batch.counts["rejected"] == 1
    assert InventoryRecord.objects.get(patent=world.patents["bj_moe_private"]).status == InventoryStatus.INVENTORIED
    assert InventoryRecord.objects.get(patent=world.patents["bj_moe_library"]).maturity is None


def test_all_or_nothing_with_one_bad_row_writes_nothing(world, bj):
    rows = [good_row(world.patents["bj_moe_private"]), good_row(world.patents["bj_moe_library"], 技术成熟度="x")]
    batch = run(bj, xlsx_bytes(rows))
    before = snapshot()
    with pytest.raises(UploadError, match="全部或不导入"):
        imports.request_commit(INVENTORY, actor=bj, batch=batch, all_or_nothing=True)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED


def test_commit_rechecks_scope_in_aggregate(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"]), good_row(world.patents["co_owned"])]))
    # Between preview and commit the co-owned patent's lead institution changes.
    InventoryRecord.objects.filter(patent=world.patents["co_owned"]).update(institution=world.orgs["inst_gd_local"])
    before = snapshot()
    with pytest.raises(UploadError, match="可编辑的范围"):
        imports.commit(INVENTORY, actor=bj, batch=batch)
    assert snapshot() == before


def test_other_institution_cannot_commit_or_cancel(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    for other in ("inst_gd_local_admin", "operator", "moe_admin"):
        with pytest.raises(ImportBatch.DoesNotExist):
            imports.commit(INVENTORY, actor=world.user(other), batch=batch)
        with pytest.raises(ImportBatch.DoesNotExist):
            imports.cancel(INVENTORY, actor=world.user(other), batch=batch)


def test_a_batch_is_committed_by_its_uploader_or_an_admin_over_the_uploader(world, bj):
    """The one rule of every pipeline (ImportBatch.editable_by): a colleague who is not the
    uploader's admin may not act on the upload; the institution-level admin may."""
    member = world.user("inst_bj_moe_member")
    theirs = run(member, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    admins = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_library"])]))
    with pytest.raises(ImportBatch.DoesNotExist):
        imports.commit(INVENTORY, actor=member, batch=admins)
    assert imports.commit(INVENTORY, actor=bj, batch=theirs).status == Status.COMMITTED
    assert imports.cancel(INVENTORY, actor=bj, batch=admins).status == Status.CANCELLED


def test_only_institutions_upload(world):
    from django.core.exceptions import PermissionDenied

    for name in ("operator", "moe_admin", "prov_bj_admin", "ent_gd_admin", "expert"):
        with pytest.raises(PermissionDenied):
            imports.stage(INVENTORY, actor=world.user(name), file=as_upload(b"x"))


# --- whole-file problems --------------------------------------------------------------------------


def word_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("content,name,fragment", [
    (b"%PDF-1.4\n%...", "盘点结果.pdf", "不支持的文件类型"),
    (word_document(), "盘点结果.xlsx", "不是 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "盘点结果.xls", ".xls"),
    (zip_bomb(), "盘点结果.xlsx", "压缩炸弹"),
    (b"just some text that is not a sheet", "盘点结果.xlsx", "不是 Excel"),
])
def test_unreadable_files_fail_the_batch(world, bj, content, name, fragment):
    before = snapshot()
    batch = run(bj, content, name)
    assert batch.status == Status.FAILED and fragment in batch.failure
    assert snapshot() == before


def test_empty_file_refused_before_storing(world, bj):
    batches = ImportBatch.objects.count()
    with pytest.raises(UploadError, match="文件是空的"):
        imports.stage(INVENTORY, actor=bj, file=as_upload(b""))
    assert ImportBatch.objects.count() == batches


def test_headers_only_is_no_data(world, bj):
    batch = run(bj, xlsx_bytes([]))
    assert batch.status == Status.FAILED and "没有数据行" in batch.failure


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_file_over_the_limit_refused(world, bj, client):
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    assert len(content) > 1024
    batches = ImportBatch.objects.count()
    with pytest.raises(UploadError, match="超过上限"):
        imports.stage(INVENTORY, actor=bj, file=as_upload(content))
    client.force_login(bj)
    response = client.post(reverse("inventory:upload_new"), {"file": as_upload(content)})
    assert response.status_code == 200 and "超过上限" in response.content.decode()
    assert ImportBatch.objects.count() == batches


def test_missing_required_column_named(world, bj):
    headers = [h for h in HEADERS if h != "是否财政资助"]
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])], headers=headers))
    assert batch.status == Status.FAILED and "缺少必填列" in batch.failure and "是否财政资助" in batch.failure


def test_header_below_merged_title_and_unknown_columns(world, bj):
    headers = [*HEADERS, "学院意见", "序号"]
    rows = [good_row(world.patents["bj_moe_private"], 学院意见="同意", 序号=1)]
    batch = run(bj, xlsx_bytes(rows, headers=headers, title_rows=["北京示范大学存量专利盘点表", "填报日期:2024年3月"],
                               merge_title=True))
    assert batch.status == Status.VALIDATED and batch.counts["new"] == 1
    assert batch.counts["unknown_columns"] == ["学院意见", "序号"]
    warnings = messages(batch, "warning")
    assert "已忽略" in warnings[(3, "学院意见")]


def _with_formula(content: bytes, cell: str, formula: str, cached: str | None) -> bytes:
    """Put a formula into `cell` of the first sheet, with or without a saved value."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                value = f"<v>{cached}</v>" if cached is not None else "<v></v>"
                text, count = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)',
                                      f'<c r="{cell}"><f>{formula}</f>{value}</c>', text)
                assert count == 1
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_formula_with_saved_value_counts_by_it(world, bj):
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    maturity = HEADERS.index("技术成熟度")
    letter = openpyxl.utils.get_column_letter(maturity + 1)
    content = _with_formula(content, f"{letter}2", "3+4", "7")
    batch = run(bj, content)
    assert batch.counts["new"] == 1, batch.errors
    imports.commit(INVENTORY, actor=bj, batch=batch)
    assert InventoryRecord.objects.get(patent=world.patents["bj_moe_private"]).maturity == 7


def test_formula_without_saved_value_is_an_error(world, bj):
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    letter = openpyxl.utils.get_column_letter(HEADERS.index("技术成熟度") + 1)
    before = snapshot()
    batch = run(bj, _with_formula(content, f"{letter}2", "3+4", None))
    assert "公式没有保存计算结果" in messages(batch)[(2, "技术成熟度")]
    imports.commit(INVENTORY, actor=bj, batch=batch)
    assert snapshot() == before


def test_error_report_marks_bad_cells(world, bj):
    rows = [good_row(world.patents["bj_moe_private"], 专利名称="改过的名称"), good_row(world.patents["co_owned"]),
            good_row(world.patents["bj_moe_library"], 技术成熟度="x", 联系电话="123")]
    batch = run(bj, xlsx_bytes(rows, title_rows=["标题"]))
    assert not batch.error_report and upload_errors.has_error_report(batch)  # written when first asked for
    assert upload_errors.ensure_error_report(batch, INVENTORY.batches)
    wb = openpyxl.load_workbook(batch.error_report.path)
    ws = wb.active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][-1] == "错误说明"
    assert len(values) == 3  # the header and the two rows with problems (the good row is left out)
    warned_row, bad_row = values[1], values[2]
    assert warned_row[HEADERS.index("专利名称")] == "改过的名称" and "第3行「专利名称」列" in warned_row[-1]
    assert bad_row[HEADERS.index("技术成熟度")] == "x"
    assert "第5行「技术成熟度」列(值:x)" in bad_row[-1] and "第5行「联系电话」列" in bad_row[-1]
    for column in ("技术成熟度", "联系电话"):
        assert ws.cell(row=3, column=HEADERS.index(column) + 1).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(row=3, column=HEADERS.index("专利名称") + 1).fill.fill_type is None
    assert ws.cell(row=2, column=HEADERS.index("专利名称") + 1).fill.fgColor.rgb.endswith("FFEB9C")


# --- large files run as a task --------------------------------------------------------------------


@override_settings(IMPORT_ASYNC_ROW_THRESHOLD=1)
def test_large_upload_runs_as_tasks(world, bj):
    rows = [good_row(world.patents["bj_moe_private"]), good_row(world.patents["co_owned"])]
    batch = run(bj, xlsx_bytes(rows))  # Celery is eager in tests: the task has run
    assert batch.status == Status.VALIDATED and batch.progress == 100
    batch = imports.request_commit(INVENTORY, actor=bj, batch=batch)
    assert batch.status == Status.COMMITTED and batch.counts["new"] == 2


# --- templates and the round trip -----------------------------------------------------------------


def test_blank_template(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path, InventoryFormat())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["存量专利盘点结果", "填写说明"]
    data = wb.worksheets[0]
    assert [c.value for c in data[1]] == HEADERS
    validated = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in data.data_validations.dataValidation}
    enumerated = [i for i, c in enumerate(InventoryFormat().columns) if c.choices]
    assert len(validated) == len(enumerated)
    letter = openpyxl.utils.get_column_letter(HEADERS.index("产业化前景") + 1)
    assert validated[f"{letter}2"] == '"较好,一般,较差"'
    assert data.column_dimensions["A"].number_format == "@"
    instructions = wb["填写说明"]
    text = "\n".join(str(c.value) for row in instructions.iter_rows() for c in row if c.value)
    assert "是否财政资助" in text and "必填" in text


def test_prefilled_round_trip_is_unchanged(world, bj, client):
    patents = [world.patents[k] for k in ("bj_moe_private", "bj_moe_library", "co_owned")]
    rows = [good_row(patents[0], 意向价格="", 备注="含\n换行"), good_row(patents[1], 转化意愿="许可;自行实施"),
            good_row(patents[2], 是否财政资助="否", 资助项目编号="", 所属产业="1;2.1", 意向价格=None)]
    rows[0]["意向价格(万元)"] = 12.34
    imports.commit(INVENTORY, actor=bj, batch=run(bj, xlsx_bytes(rows)))
    client.force_login(bj)
    response = client.get(reverse("inventory:export_prefilled"))
    assert response.status_code == 200
    content = body(response)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    data = wb.worksheets[0]
    numbers = {row[0] for row in data.iter_rows(min_row=2, values_only=True)}
    assert numbers == {p.application_number for p in patents}  # editable_by: its own, the co-owned lead included
    assert AuditEvent.objects.filter(action="export.inventory_prefilled", actor=bj).exists()
    changes = InventoryChange.objects.count()
    batch = run(bj, content, "我的专利.xlsx")
    assert batch.counts == {**batch.counts, "new": 0, "updated": 0, "unchanged": 3, "rejected": 0}, batch.errors
    imports.commit(INVENTORY, actor=bj, batch=batch)
    assert InventoryChange.objects.count() == changes


def test_prefilled_export_of_other_institution_excludes_co_owned(world, client):
    gd = world.user("inst_gd_local_admin")
    client.force_login(gd)
    response = client.get(reverse("inventory:export_prefilled"))
    content = body(response)
    data = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    numbers = {row[0] for row in data.iter_rows(min_row=2, values_only=True)}
    assert numbers == {world.patents["gd_private"].application_number, world.patents["gd_library"].application_number}


def test_export_only_for_institutions(world, client):
    client.force_login(world.user("operator"))
    assert client.get(reverse("inventory:export_prefilled")).status_code == 403


# --- pages ----------------------------------------------------------------------------------------


def test_pages_upload_preview_commit(world, bj, client):
    client.force_login(bj)
    assert client.get(reverse("inventory:upload_new")).status_code == 200
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"]),
                          good_row(world.patents["bj_moe_library"], 技术成熟度="十")])
    response = client.post(reverse("inventory:upload_new"), {"file": as_upload(content)})
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("inventory:upload_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "不是有效的技术成熟度" in page and "第3行" in page and "十" in page
    assert 'data-count="new">1<' in page and 'data-count="rejected">1<' in page
    assert "将写入的变更" in page and "待盘点 → 已盘点" in page
    report = client.get(reverse("inventory:upload_report", args=[batch.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(body(report))).active.cell(1, len(HEADERS) + 1).value == "错误说明"
    status = client.get(reverse("inventory:upload_status", args=[batch.pk]))
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    response = client.post(reverse("inventory:upload_commit", args=[batch.pk]), {"mode": "valid_only"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTED
    assert "已导入" in client.get(reverse("inventory:upload_detail", args=[batch.pk])).content.decode()
    assert client.get(reverse("inventory:upload_list")).status_code == 200


def test_pages_scope(world, bj, client):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    client.force_login(world.user("operator"))
    assert client.get(reverse("inventory:upload_detail", args=[batch.pk])).status_code == 200
    assert batch.original_name in client.get(reverse("inventory:upload_list")).content.decode()
    assert client.post(reverse("inventory:upload_commit", args=[batch.pk])).status_code == 404
    for name in ("inst_gd_local_admin", "moe_admin", "prov_bj_admin", "ent_gd_admin"):
        client.force_login(world.user(name))
        assert client.get(reverse("inventory:upload_detail", args=[batch.pk])).status_code == 404
        assert client.get(reverse("inventory:upload_report", args=[batch.pk])).status_code == 404
        assert client.post(reverse("inventory:upload_commit", args=[batch.pk])).status_code == 404
        assert client.post(reverse("inventory:upload_cancel", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED


def test_cancel(world, bj, client):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    client.force_login(bj)
    client.post(reverse("inventory:upload_cancel", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == Status.CANCELLED
    with pytest.raises(UploadError):
        imports.commit(INVENTORY, actor=bj, batch=batch)
    assert not InventoryChange.objects.exists()


def test_progress_partial_while_validating(world, bj, client):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(xlsx_bytes([good_row(world.patents["bj_moe_private"])])))
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.VALIDATING, progress=42,
                                                   progress_message="已读取 2000 行")
    client.force_login(bj)
    page = client.get(reverse("inventory:upload_detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    partial = client.get(reverse("inventory:upload_status", args=[batch.pk]))
    assert "HX-Refresh" not in partial and 'aria-valuenow="42"' in partial.content.decode()


def test_template_downloads(world, bj, client):
    from inventory.patents.base_library import BaseLibraryFormat

    client.force_login(bj)
    response = client.get(reverse("inventory:template_inventory"))
    assert response.status_code == 200
    content = body(response)
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(content)).worksheets[0][1]] == HEADERS
    assert AuditEvent.objects.filter(action="export.inventory_template", actor=bj).exists()
    client.force_login(world.user("operator"))
    response = client.get(reverse("inventory:template_base_library"))
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    data = workbook.worksheets[0]
    assert [c.value for c in data[1]] == [c.header for c in BaseLibraryFormat.columns]
    assert "填写说明" in workbook.sheetnames
    letter = openpyxl.utils.get_column_letter([c.header for c in BaseLibraryFormat.columns].index("申请日") + 1)
    assert data.column_dimensions[letter].number_format == "yyyy-mm-dd"


def test_dates_are_not_part_of_the_inventory_format():
    # §3 has no date column; dates (2024-02-30 …) are tested with the shared reader in test_sheets.py.
    assert not any(column.parse.__name__ == "date" for column in InventoryFormat().columns)
    assert dt.date  # the date forms themselves: tests/test_sheets.py::test_dates, test_bad_dates


# --- freshness, redelivery, long previews ---------------------------------------------------------


def test_plan_gone_stale_is_validated_again(world, bj):
    from django.utils import timezone

    patent = world.patents["bj_moe_private"]
    batch = run(bj, xlsx_bytes([good_row(patent, 备注="来自文件")]))
    # Someone edits the record online between the preview and the commit.
    InventoryRecord.objects.filter(patent=patent).update(remarks="在线修改", updated_at=timezone.now())
    before = snapshot()
    with pytest.raises(UploadError, match="重新校验"):
        imports.request_commit(INVENTORY, actor=bj, batch=batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and batch.counts["new"] == 1
    batch = imports.request_commit(INVENTORY, actor=bj, batch=batch)
    assert batch.status == Status.COMMITTED
    change = InventoryChange.objects.get(batch=batch)
    assert change.changes["remarks"] == ["在线修改", "来自文件"]


def test_commit_task_redelivered_after_a_killed_worker(world, bj):
    from ground.imports.tasks import commit_batch

    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    # The worker died mid-commit: its transaction rolled back, the batch still says committing.
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING)
    assert not InventoryChange.objects.exists()
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "committed"  # delivered again (acks_late)
    assert InventoryChange.objects.count() == 1
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "committed"  # and once more: nothing re-applied
    assert InventoryChange.objects.count() == 1


def test_long_preview_pages_through_the_plan(world, bj, client):
    from .test_inventory_api import add_patents

    patents = add_patents(world.orgs["inst_bj_moe"], 60)
    batch = run(bj, xlsx_bytes([good_row(p, 备注=f"第{i}件") for i, p in enumerate(patents)]))
    assert batch.counts["new"] == 60
    client.force_login(bj)
    url = reverse("inventory:upload_detail", args=[batch.pk])
    first = client.get(url).content.decode()
    last = client.get(url, {"changes": 3}).content.decode()  # 20 records a page
    assert patents[0].application_number in first and patents[59].application_number not in first
    assert patents[59].application_number in last and "第59件" in last
    assert "第 3 / 3 页" in last
    imports.commit(INVENTORY, actor=bj, batch=batch)
    committed = client.get(url, {"changes": 3}).content.decode()
    assert "已写入的变更" in committed and "第 3 / 3 页" in committed


def test_long_error_report_written_during_validation(world, bj, monkeypatch):
    monkeypatch.setattr(upload_errors, "REPORT_EAGER_ABOVE", 0)
    when = dt.datetime(2024, 3, 31, 9, 30)
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"], 技术成熟度="x", 备注=when)]))
    assert batch.error_report  # written at once, not on first download
    ws = openpyxl.load_workbook(batch.error_report.path).active
    assert ws.cell(2, HEADERS.index("备注") + 1).value == when  # a date cell stays a date


def test_revalidated_batch_replaces_its_report(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"], 技术成熟度="x")]))
    assert upload_errors.ensure_error_report(batch, INVENTORY.batches)
    first = batch.error_report.name
    batch = imports.revalidate(INVENTORY, batch)
    assert not batch.error_report  # the old report is gone with the old validation
    assert upload_errors.ensure_error_report(batch, INVENTORY.batches) and batch.error_report.name
    assert not default_storage.exists(first) or first == batch.error_report.name


def test_text_starting_with_equals_stays_text(world, bj, client, tmp_path):
    """Formula injection: a remark typed as "=HYPERLINK(…)" is exported and reported as text."""
    patent = world.patents["bj_moe_private"]
    row = good_row(patent, 备注="=1+2")
    csv_text = ",".join(HEADERS) + "\n" + ",".join(str(row[h]).replace(",", ";") for h in HEADERS) + "\n"
    imports.commit(INVENTORY, actor=bj, batch=run(bj, csv_text.encode(), "盘点.csv"))
    assert InventoryRecord.objects.get(patent=patent).remarks == "=1+2"
    client.force_login(bj)
    content = body(client.get(reverse("inventory:export_prefilled")))
    data = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    remark = next(row for row in data.iter_rows(min_row=2) if row[0].value == patent.application_number)[-1]
    assert remark.value == "=1+2" and remark.data_type == "s"
    # Uploaded again unedited: unchanged.
    assert run(bj, content).counts["unchanged"] >= 1


def test_cancel_while_validating_wins(world, bj, monkeypatch):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(xlsx_bytes([good_row(world.patents["bj_moe_private"])])))
    original = upload_check.check_file

    def cancel_midway(*args, **kwargs):
        original(*args, **kwargs)
        imports.cancel(INVENTORY, actor=bj, batch=batch)

    monkeypatch.setattr(upload_check, "check_file", cancel_midway)
    assert imports.validate(INVENTORY, batch.pk).status == Status.CANCELLED
