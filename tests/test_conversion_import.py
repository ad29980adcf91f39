"""The conversion records upload (转化实施情况, DATA-STANDARD.md §4): validation with row, column
and value in every message, preview counts, an atomic commit that follows the implementation
statuses with history, and a re-upload that changes nothing."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent
from ground import imports
from inventory.choices import ConversionKind, ImplementationStatus, LicenseType, PaymentMode
from inventory.conversions import importer as conversion_import
from inventory.conversions.importer import CONVERSIONS
from inventory.conversions.sheet_format import ConversionFormat
from inventory.models import Conversion, ImportBatch, InventoryChange, InventoryRecord, OpenLicenseDeclaration
from inventory.upload.services import UploadError

ADMIN = "inst_bj_moe_admin"
STANDARD_HEADERS = [column.header for column in ConversionFormat().columns]
# Most tests write the sheet as it was before §4 gained 许可期限至, 登记或备案日 and 专利产品备案日:
# a sheet without those optional columns still imports (the dates stay empty).
DATES = ("许可期限至", "登记或备案日", "专利产品备案日")
HEADERS = [header for header in STANDARD_HEADERS if header not in DATES]


def xlsx(rows: list[list], *, title_rows: int = 0, headers: list[str] = HEADERS) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["北京示范大学转化实施情况表"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("conversions.xlsx", buffer.getvalue())


def number(world, key: str) -> str:
    return world.patents[key].application_number


def good_rows(world) -> list[list]:
    return [
        [number(world, "bj_moe_private"), "许可", "普通许可", "江南智能装备有限公司", "91350100M000100Y43", 50,
         "一次性", "2024-01-10", "2024990000555", "否", ""],
        [number(world, "co_owned"), "转让", "", "江南智能装备有限公司", "", "120.5", "分期", "2024/5/1",
         "2024110000999", "是", "CP2024110077"],
    ]


def commit(actor, batch: ImportBatch) -> ImportBatch:
    return imports.request_commit(CONVERSIONS, actor=actor, batch=batch)


def upload(world, rows, user=ADMIN, **kwargs) -> ImportBatch:
    batch = imports.stage(CONVERSIONS, actor=world.user(user), file=xlsx(rows, **kwargs))
    return imports.start_validation(CONVERSIONS, batch)


def test_preview_counts_then_commit(world):
    batch = upload(world, good_rows(world), title_rows=2)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.failure
    assert batch.counts["new"] == 2 and batch.counts["rejected"] == 0 and batch.counts["unchanged"] == 0
    assert not Conversion.objects.filter(counterparty="江南智能装备有限公司").exists()  # preview writes nothing
    history_before = InventoryChange.objects.count()
    batch = commit(world.user(ADMIN), batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    licence = Conversion.objects.get(patent=world.patents["bj_moe_private"], counterparty="江南智能装备有限公司")
    assert (licence.kind, licence.license_type, licence.amount, licence.payment_mode) == (
        ConversionKind.LICENSE, LicenseType.ORDINARY, Decimal("50"), PaymentMode.LUMP_SUM)
    assert licence.created_by == world.user(ADMIN) and licence.institution == world.orgs["inst_bj_moe"]
    transfer = Conversion.objects.get(patent=world.patents["co_owned"], kind=ConversionKind.TRANSFER)
    assert transfer.industrialised and transfer.product_filing_number == "CP2024110077"
    statuses = dict(InventoryRecord.objects.filter(patent__in=[world.patents["bj_moe_private"],
                                                                world.patents["co_owned"]])
                    .values_list("patent_id", "implementation_status"))
    assert statuses == {world.patents["bj_moe_private"].pk: ImplementationStatus.LICENSED,
                        world.patents["co_owned"].pk: ImplementationStatus.INDUSTRIALISED}
    changes = InventoryChange.objects.filter(batch=batch)
    assert InventoryChange.objects.count() == history_before + 2 == history_before + changes.count()
    assert all(c.source == InventoryChange.Source.UPLOAD and c.changed_by == world.user(ADMIN) for c in changes)
    event = AuditEvent.objects.get(action="conversion.import", target_id=str(batch.pk))
    assert sorted(event.after["conversions"]) == sorted([licence.pk, transfer.pk])


def test_uploading_the_same_file_again_changes_nothing(world):
    commit(world.user(ADMIN), upload(world, good_rows(world)))
    conversions, history = Conversion.objects.count(), InventoryChange.objects.count()
    again = upload(world, good_rows(world))
    assert again.counts["unchanged"] == 2 and again.counts["new"] == 0 and again.counts["rejected"] == 0
    commit(world.user(ADMIN), again)
    assert (Conversion.objects.count(), InventoryChange.objects.count()) == (conversions, history)


def test_a_row_identical_to_a_recorded_conversion_is_unchanged(world):
    # The world's licence of bj_moe_library, as the sheet writes it.
    row = [number(world, "bj_moe_library"), "许可", "普通许可", "华北精密仪器制造有限公司", "", 120, "一次性",
           "2024-03-01", "2024990000123", "否", ""]
    batch = upload(world, [row])
    assert batch.counts == {**batch.counts, "unchanged": 1, "new": 0, "rejected": 0}


def test_a_row_contradicting_a_recorded_conversion_is_rejected(world):
    row = [number(world, "bj_moe_library"), "许可", "普通许可", "华北精密仪器制造有限公司", "", 999, "一次性",
           "2024-03-01", "2024990000123", "否", ""]
    batch = upload(world, [row])
    assert batch.counts["rejected"] == 1
    error = batch.errors[0]
    assert error["row"] == 2 and error["column"] == "合同金额(万元)" and "不一致" in error["message"]


def _errors(batch) -> list[tuple]:
    return [(e["row"], e["column"], e["value"], e["message"]) for e in batch.errors if e["level"] == "error"]


@pytest.mark.parametrize(("cells", "column", "value", "fragment"), [
    ({1: "赠与"}, "转化方式", "赠与", "不是可选值"),
    ({1: "转让", 2: "", 3: "", 4: ""}, "受让方或被许可方", "", "转让须填写受让方或被许可方"),
    ({2: ""}, "许可方式", "", "许可须填写许可方式"),
    ({7: "2024-02-30"}, "合同生效日", "2024-02-30", "不存在"),
    ({4: "91350100M000100Y44"}, "统一社会信用代码", "91350100M000100Y44", "校验位"),
    ({5: -3}, "合同金额(万元)", "-3", "不能小于 0"),
    ({6: "月付"}, "支付方式", "月付", "不是可选值"),
    ({9: "否", 10: "CP2024110077"}, "是否产业化", "否", "应为“是”"),
    ({0: "CN202310123456.7"}, "申请号", "CN202310123456.7", "校验"),
    ({7: "2018-01-01", 8: ""}, "合同生效日", "2018-01-01", "早于专利申请日"),
])
def test_each_bad_cell_is_reported_with_row_column_and_value(world, cells, column, value, fragment):
    row = good_rows(world)[0]
    for index, cell in cells.items():
        row[index] = cell
    batch = upload(world, [row])
    assert batch.counts["rejected"] == 1 and batch.counts["new"] == 0
    found = [e for e in _errors(batch) if e[1] == column]
    assert found, batch.errors
    assert found[0][0] == 2 and found[0][2] == value and fragment in found[0][3], found


def test_another_institutions_patent_is_rejected(world):
    row = good_rows(world)[0]
    row[0] = number(world, "gd_private")
    batch = upload(world, [row])
    assert _errors(batch) == [(2, "申请号", number(world, "gd_private"),
                               "不是本单位作为第一权利人、在存量专利基础库中的专利")]


def test_a_co_owner_cannot_upload_for_the_first_patentee(world):
    row = good_rows(world)[1]
    batch = upload(world, [row], user="inst_gd_local_admin")
    assert batch.counts["rejected"] == 1 and "不是本单位" in batch.errors[0]["message"]


def test_duplicate_rows_inside_the_file(world):
    rows = [good_rows(world)[0], good_rows(world)[0], good_rows(world)[1]]
    batch = upload(world, rows)
    assert batch.counts["new"] == 2 and batch.counts["rejected"] == 1
    assert _errors(batch)[0][0] == 3 and "与第 2 行" in _errors(batch)[0][3]


def test_an_exclusive_licence_row_while_an_open_licence_stands(world):
    OpenLicenseDeclaration.objects.create(
        patent=world.patents["bj_moe_private"], institution=world.orgs["inst_bj_moe"], fee_standard="3%",
        payment_mode=PaymentMode.ROYALTY, term_start="2025-01-01", term_end="2027-01-01")
    row = good_rows(world)[0]
    row[2] = "独占许可"
    batch = upload(world, [row])
    assert _errors(batch)[0][1] == "许可方式" and "开放许可" in _errors(batch)[0][3]


def test_rows_of_one_file_are_checked_against_each_other(world):
    exclusive = good_rows(world)[0]
    exclusive[2] = "独占许可"
    other = list(good_rows(world)[0])
    other[3], other[4], other[8], other[7] = "另一家有限公司", "", "2024990000666", "2024-06-01"
    batch = upload(world, [exclusive, other])
    assert batch.counts["new"] == 1 and batch.counts["rejected"] == 1
    assert "尚在期限内" in _errors(batch)[0][3]


def test_a_missing_required_column_fails_the_file(world):
    workbook = Workbook()
    workbook.active.append(["申请号", "受让方或被许可方"])
    workbook.active.append([number(world, "bj_moe_private"), "江南智能装备有限公司"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = imports.stage(CONVERSIONS, actor=world.user(ADMIN), file=SimpleUploadedFile("x.xlsx", buffer.getvalue()))
    batch = imports.start_validation(CONVERSIONS, batch)
    assert batch.status == ImportBatch.Status.FAILED and "转化方式" in batch.failure


def test_the_commit_is_atomic(world, monkeypatch):
    batch = upload(world, good_rows(world))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(conversion_import, "follow_statuses", fail)
    with pytest.raises(UploadError, match="没有写入任何数据"):  # in Chinese, never the exception
        commit(world.user(ADMIN), batch)
    assert not Conversion.objects.filter(counterparty="江南智能装备有限公司").exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED and "内部错误" in batch.failure


def test_a_batch_is_committed_once(world):
    batch = commit(world.user(ADMIN), upload(world, good_rows(world)))
    again = commit(world.user(ADMIN), batch)  # a second confirmation finds it done and writes nothing
    assert again.status == ImportBatch.Status.COMMITTED
    assert Conversion.objects.filter(counterparty="江南智能装备有限公司").count() == 2


def test_the_template_has_the_standard_headers_and_instructions(world, login):
    client = login(world.user(ADMIN))
    response = client.get(reverse("inventory:template_conversions"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [cell.value for cell in workbook.worksheets[0][1]] == STANDARD_HEADERS
    assert STANDARD_HEADERS[8:14] == ["许可期限至", "登记或备案号", "登记或备案日", "是否产业化", "专利产品备案号",
                                      "专利产品备案日"]
    assert "填写说明" in workbook.sheetnames


def test_the_pages_upload_preview_and_confirm(world, login):
    client = login(world.user(ADMIN))
    assert client.get(reverse("inventory:conversion_upload")).status_code == 200
    response = client.post(reverse("inventory:conversion_upload"), {"file": xlsx(good_rows(world))})
    assert response.status_code == 302
    batch = ImportBatch.objects.filter(kind=ImportBatch.Kind.CONVERSIONS).latest("id")
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and 'data-count="new">2<' in preview.content.decode()
    other = login(world.user("inst_gd_local_admin"))
    assert other.get(response["Location"]).status_code == 404
    assert other.post(reverse("inventory:conversion_upload_commit", args=[batch.pk])).status_code == 404
    client = login(world.user(ADMIN))
    assert client.post(reverse("inventory:conversion_upload_commit", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Conversion.objects.filter(counterparty="江南智能装备有限公司").count() == 2


def test_cancel_writes_nothing(world, login):
    batch = upload(world, good_rows(world))
    client = login(world.user(ADMIN))
    assert client.post(reverse("inventory:conversion_upload_cancel", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    with pytest.raises(UploadError):
        commit(world.user(ADMIN), batch)
    assert not Conversion.objects.filter(counterparty="江南智能装备有限公司").exists()


def test_only_institutions_upload(world):
    with pytest.raises(Exception) as caught:
        imports.stage(CONVERSIONS, actor=world.user("operator"), file=xlsx(good_rows(world)))
    assert caught.type.__name__ == "PermissionDenied"


def test_the_batch_page_commits_the_good_rows_beside_rejected_ones(world, login):
    """Conversions land row by row: a rejected row leaves 确认导入 enabled for the good ones, and the
    page counts no updates (a conversion is only ever added)."""
    rejected = [number(world, "bj_moe_private"), "赠送", "", "某公司", "", 1, "一次性", "2024-01-10", "", "否", ""]
    rows = [*good_rows(world), rejected]
    batch = upload(world, rows)
    assert batch.counts["rejected"] == 1 and batch.counts["new"] == 2, batch.errors
    page = login(world.user(ADMIN)).get(reverse("inventory:conversion_upload_detail", args=[batch.pk]))
    html = page.content.decode()
    assert 'id="pn-conversion-commit">' in html and 'data-count="updated"' not in html
    assert "未变化(已登记)" in html


def test_the_standard_layout_carries_the_licence_term_and_the_filing_dates(world):
    """DATA-STANDARD.md §4: 许可期限至, 登记或备案日 and 专利产品备案日 are read into the conversion
    (the statistics count by them); a date before the contract's start is refused on its cell."""
    licence = [number(world, "bj_moe_private"), "许可", "普通许可", "江南智能装备有限公司", "", 50, "一次性",
               "2024-01-10", "2026-12-31", "2024990000555", "2024-02-20", "否", "", ""]
    transfer = [number(world, "co_owned"), "转让", "", "江南智能装备有限公司", "", "120.5", "分期", "2024/5/1", "",
                "2024110000999", "2024/6/3", "是", "CP2024110077", "2024-09-30"]
    batch = imports.start_validation(CONVERSIONS, imports.stage(
        CONVERSIONS, actor=world.user(ADMIN), file=xlsx([licence, transfer], headers=STANDARD_HEADERS)))
    assert batch.counts["new"] == 2 and batch.counts["rejected"] == 0, batch.errors
    commit(world.user(ADMIN), batch)
    recorded = Conversion.objects.get(patent=world.patents["bj_moe_private"], counterparty="江南智能装备有限公司")
    assert (recorded.license_end_date, recorded.registration_date) == (date(2026, 12, 31), date(2024, 2, 20))
    recorded = Conversion.objects.get(patent=world.patents["co_owned"], kind=ConversionKind.TRANSFER)
    assert (recorded.registration_date, recorded.product_filing_date) == (date(2024, 6, 3), date(2024, 9, 30))

    early = list(licence)
    early[10] = "2023-12-31"  # registered before the contract took effect
    before = Conversion.objects.count()
    batch = imports.start_validation(CONVERSIONS, imports.stage(
        CONVERSIONS, actor=world.user(ADMIN), file=xlsx([early], headers=STANDARD_HEADERS)))
    assert batch.counts["rejected"] == 1
    assert [(e[0], e[1]) for e in _errors(batch)] == [(2, "登记或备案日")] and "早于合同生效日" in _errors(batch)[0][3]
    assert Conversion.objects.count() == before
