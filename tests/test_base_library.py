"""The base library import (DATA-STANDARD.md §2), a format of ground.imports: a realistic sheet, bad
rows named by row and column, idempotent re-runs, aliases that link owners on the next run, CSV as
well as xlsx, the command and the operator's page (upload, preview, confirm or cancel)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.urls import reverse

from accounts.models import AuditEvent, Organization, OrganizationAlias
from ground import imports
from ground.imports.problems import ensure_error_report
from ground.sheets import cells
from inventory.choices import InventoryStatus, LegalStatus, PatentType
from inventory.models import ImportBatch, InventoryRecord, Patent, PatentOwnership
from inventory.patents import base_library
from inventory.patents.base_library_format import ApplicationNumberIndex
from inventory.patents.identifiers import make_application_number
from inventory.patents.patentees import PatenteeKind, PatenteeMatcher, add_alias, classify, normalize_name


def load(path, name=None, *, actor=None, **options) -> base_library.BaseLibraryResult:
    """Stage, validate and commit a file (as the platform unless `actor`), as the command does."""
    return base_library.import_base_library(path, name, actor=actor, **options)


HEADERS = [
    "申请号", "专利名称", "专利类型", "申请日", "授权公告日", "授权公告号", "法律状态", "专利权人",
    "专利权人统一社会信用代码", "发明人", "主分类号", "分类号", "摘要", "财政资助项目编号", "资助来源",
]
INVENTION = make_application_number(2023, "1", 123456)  # CN202310123456.6
UTILITY = make_application_number(2022, "2", 2345678)
DESIGN = make_application_number(2021, "3", 3456789)
CO_OWNED = make_application_number(2020, "1", 4567890)
ENTERPRISE_FIRST = make_application_number(2020, "1", 5678901)
PERSON_ONLY = make_application_number(2019, "2", 6789012)
UNMATCHED = make_application_number(2021, "1", 7890123)
OLD = "CN95115608.X"
WORLD_PATENT = make_application_number(2019, "1", 1000001)  # the world's bj_moe_private
HOSPITAL_ALIAS = "广东省人民医院(广东省医学科学院)"


def _digits(number: str) -> str:
    return number[2:].replace(".", "")


def good_rows() -> list[list]:
    """Accepted rows, in the shapes people send: numbers as numbers, full width, mixed dates."""
    return [
        # 4: the standard example, every column filled
        [INVENTION, "一种基于深度学习的图像识别方法", "发明", dt.date(2023, 3, 1), "2024/1/5", "CN116012345B", "有效",
         "北京示范大学", "12100000400000624D", "张三；李四、王五", "G06F16/30", "G06F 16/30；g06n3/08",
         "本发明公开了一种图像识别方法。", "2022YFB1234567", "国家重点研发计划"],
        # 5: the number typed into a number cell, an Excel serial date, a full-width IPC, co-owned by two institutions
        [int(_digits(UTILITY)), "一种医用监护装置", "实用新型", 44652, "2023年5月6日", "", "有权",
         "北京示范大学;广东省人民医院", "12100000400000624D;-", "赵六", "Ａ６１Ｂ　５／００", "", "", "", ""],
        # 6: full-width number with ZL and a space, a design with its Locarno class, a patentee given by alias
        ["ＺＬ " + DESIGN[2:].translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),
         "包装盒(月饼)", "外观设计", "2021.06.30", "20211210", "CN306123456S", "有效",
         "北京市科学研究院", "", "钱七", "09-03", "", "", "", ""],
        # 7: two institutions, the first by credit code under a differently bracketed name
        [CO_OWNED[2:], "一种锂电池正极材料及其制备方法", "", "2020-03-15", "2022-08-09", "", "有效",
         "北京市属研究院；北京示范大学", "", "孙八;周九", "H01M 4/525", "", "", "", ""],
        # 8: an enterprise first, then an institution: the institution is the only owner
        [ENTERPRISE_FIRST, "一种工业机器人关节减速器", "发明", "2020-11-01", "2023-02-14", "", "有效",
         "北京中央企业集团有限公司、北京示范大学", "91110000600037341L、12100000400000624D", "吴十", "F16H 1/32",
         "", "", "", ""],
        # 9: a person holds it alone: no owner, no inventory record, nothing to report
        [PERSON_ONLY, "一种折叠式晾衣架", "实用新型", "2019-04-01", "2019-12-20", "", "有效",
         "王小明", "", "王小明", "D06F 57/12", "", "", "", ""],
        # 10: an institution the platform does not know under this name: reported as unmatched
        [UNMATCHED, "一种肿瘤标志物检测试剂盒", "发明", "2021-02-02", "2023-09-19", "", "有效",
         "广东省人民医院（广东省医学科学院）", "", "郑十一", "G01N 33/574", "", "", "", ""],
        # 11: an old 8-digit number with an X check character, lapsed
        ["95115608.x", "一种中药提取工艺", "发明", "1995.08.01", "19990310", "", "终止",
         "北京 示范大学", "", "冯十二", "A61K 36/00", "", "", "", ""],
        # 12: the world's patent, retitled: updated, its inventory record untouched
        [WORLD_PATENT, "一种基于深度学习的图像识别方法(修订)", "发明", "2019-03-01", "2021-06-01", "", "有效",
         "北京示范大学", "", "张三;李四", "G06V 10/82", "", "", "", ""],
    ]


def bad_rows() -> list[list]:
    return [
        # 14: wrong check digit
        [INVENTION[:-1] + "5", "校验位错误", "发明", "2023-03-01", "2024-01-05", "", "有效", "北京示范大学", "", "张三",
         "G06F 16/30", "", "", "", ""],
        # 15: a utility model number stated as an invention
        [make_application_number(2022, "2", 1111111), "类型不符", "发明", "2022-03-01", "2023-01-05", "", "有效",
         "北京示范大学", "", "张三", "G06F 16/30", "", "", "", ""],
        # 16: a date that does not exist
        [make_application_number(2022, "1", 2222222), "日期不存在", "发明", "2022-03-01", "2024-02-30", "", "有效",
         "北京示范大学", "", "张三", "G06F 16/30", "", "", "", ""],
        # 17: title missing
        [make_application_number(2022, "1", 3333333), "", "发明", "2022-03-01", "2023-01-05", "", "有效",
         "北京示范大学", "", "张三", "G06F 16/30", "", "", "", ""],
        # 18: row 4's patent again, written another way
        [INVENTION.replace("CN", "ZL "), "重复", "发明", "2023-03-01", "2024-01-05", "", "有效", "北京示范大学", "",
         "张三", "G06F 16/30", "", "", "", ""],
        # 19: an invention without its main IPC
        [make_application_number(2022, "1", 4444444), "缺主分类号", "发明", "2022-03-01", "2023-01-05", "", "有效",
         "北京示范大学", "", "张三", "", "", "", "", ""],
    ]



def test_ownerships_carry_the_grant_date_and_class_through_a_correction(world, alias, media, tmp_path):
    """The ownership's copies of the grant date and main IPC (the workbench's keys) follow the patent's."""
    rows = good_rows()[:2]
    load(write_csv(tmp_path / "a.csv", rows), "a.csv")
    dates = set(PatentOwnership.objects.filter(patent__application_number=UTILITY).values_list("grant_date", flat=True))
    assert dates == {dt.date(2023, 5, 6)}  # both owners of the co-owned utility model
    rows[1][4], rows[1][10] = "2023-06-07", "A61B 5/02"  # the office corrected the date and the class
    result = load(write_csv(tmp_path / "b.csv", rows), "b.csv")
    assert result.updated == 1 and result.ownerships_added == result.ownerships_removed == 0
    copies = set(PatentOwnership.objects.filter(patent__application_number=UTILITY)
                 .values_list("grant_date", "main_ipc"))
    assert copies == {(dt.date(2023, 6, 7), "A61B 5/02")}
    # A file without the 主分类号 column leaves the patent's class, and so its copies, alone.
    headers = [h for h in HEADERS if h != "主分类号"]
    with open(tmp_path / "c.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([csv_cell(v) for h, v in zip(HEADERS, row, strict=True) if h != "主分类号"])
    load(tmp_path / "c.csv", "c.csv")
    assert Patent.objects.get(application_number=UTILITY).main_ipc == "A61B 5/02"
    mismatched = PatentOwnership.objects.exclude(grant_date=F("patent__grant_date"), main_ipc=F("patent__main_ipc"))
    assert not mismatched.exists()

EXPECTED_ERRORS = {
    (14, "申请号"): "校验位是 5,应为 6",
    (15, "专利类型"): "与申请号的类型位(实用新型)不一致",
    (16, "授权公告日"): "不存在",
    (17, "专利名称"): "必填项为空",
    (18, "申请号"): "与第 4 行重复",
    (19, "主分类号"): "须填写主分类号",
}
GOOD = 9


def write_xlsx(path, rows, *, title=True):
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "填写说明"
    info.append(["本表为存量专利基础库,请勿修改表头"])
    ws = wb.create_sheet("基础库")
    if title:
        ws.append(["高校和科研机构存量专利基础库(2024年第一批)"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
        ws.append(["数据来源:国家知识产权局", None, None])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and value < 100000:  # an Excel serial date: a CSV carries the date as text
        return (cells.EXCEL_EPOCH + dt.timedelta(days=value)).isoformat()
    return str(value)


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
    return path



@pytest.fixture
def alias(world):
    return OrganizationAlias.objects.create(organization=world.orgs["inst_bj_local"], name="北京市科学研究院")


@pytest.fixture
def sheet(tmp_path):
    # Row 3 is the header (title and note above it); good rows 4–12, an empty row 13, bad rows 14–19.
    return write_xlsx(tmp_path / "基础库.xlsx", [*good_rows(), [None] * len(HEADERS), *bad_rows()])


def owner_names(number: str) -> list[tuple[int, str]]:
    return list(
        PatentOwnership.objects.filter(patent__application_number=number)
        .order_by("position").values_list("position", "organization__name")
    )


def test_realistic_sheet(world, alias, media, sheet):
    operator = world.user("operator")
    record_before = InventoryRecord.objects.filter(patent__application_number=WORLD_PATENT).values().get()
    result = load(sheet, "基础库.xlsx", actor=operator)

    assert not result.failure
    assert (result.total_rows, result.rejected) == (GOOD + len(bad_rows()), len(bad_rows()))
    assert (result.created, result.updated, result.unchanged) == (GOOD - 1, 1, 0)

    patent = Patent.objects.get(application_number=INVENTION)
    assert patent.title == "一种基于深度学习的图像识别方法"
    assert patent.patent_type == PatentType.INVENTION
    assert (patent.application_date, patent.grant_date) == (dt.date(2023, 3, 1), dt.date(2024, 1, 5))
    assert patent.grant_number == "CN116012345B"
    assert patent.inventors == ["张三", "李四", "王五"]
    assert (patent.main_ipc, patent.ipc_codes) == ("G06F 16/30", ["G06F 16/30", "G06N 3/08"])
    assert patent.patentee_credit_codes == ["12100000400000624D"]
    assert (patent.funding_project_number, patent.funding_source) == ("2022YFB1234567", "国家重点研发计划")

    utility = Patent.objects.get(application_number=UTILITY)
    assert (utility.patent_type, utility.main_ipc) == (PatentType.UTILITY_MODEL, "A61B 5/00")
    assert (utility.application_date, utility.grant_date) == (dt.date(2022, 4, 1), dt.date(2023, 5, 6))
    assert utility.patentee_credit_codes == ["12100000400000624D", ""]
    design = Patent.objects.get(application_number=DESIGN)
    assert (design.patent_type, design.main_ipc, design.title) == (PatentType.DESIGN, "09-03", "包装盒(月饼)")
    old = Patent.objects.get(application_number=OLD)
    assert (old.legal_status, old.application_date) == (LegalStatus.INVALID, dt.date(1995, 8, 1))
    assert Patent.objects.get(application_number=CO_OWNED).patent_type == PatentType.INVENTION  # from the number

    # Owners: institutions only, in patentee order; the alias and the spaced name matched.
    assert owner_names(UTILITY) == [(1, "北京示范大学"), (2, "广东省人民医院")]
    assert owner_names(DESIGN) == [(1, "北京市属研究院")]
    assert owner_names(CO_OWNED) == [(1, "北京市属研究院"), (2, "北京示范大学")]
    assert owner_names(ENTERPRISE_FIRST) == [(2, "北京示范大学")]
    assert owner_names(OLD) == [(1, "北京示范大学")]
    assert owner_names(PERSON_ONLY) == owner_names(UNMATCHED) == []

    # A pending record for each new patent with an institution owner, for the first institution patentee.
    records = dict(InventoryRecord.objects.filter(patent__application_number__in=[
        INVENTION, UTILITY, DESIGN, CO_OWNED, ENTERPRISE_FIRST, PERSON_ONLY, UNMATCHED, OLD,
    ]).values_list("patent__application_number", "institution__name"))
    assert records == {
        INVENTION: "北京示范大学", UTILITY: "北京示范大学", DESIGN: "北京市属研究院", CO_OWNED: "北京市属研究院",
        ENTERPRISE_FIRST: "北京示范大学", OLD: "北京示范大学",
    }
    assert set(InventoryRecord.objects.filter(patent__application_number__in=records).values_list(
        "status", flat=True)) == {InventoryStatus.PENDING}
    # The existing patent was retitled, its record left exactly as it was.
    assert Patent.objects.get(application_number=WORLD_PATENT).title.endswith("(修订)")
    assert InventoryRecord.objects.filter(patent__application_number=WORLD_PATENT).values().get() == record_before

    # Each bad row is rejected with its row, column and reason.
    errors = {(e["row"], e["column"]): e["message"] for e in result.batch.errors if e["level"] == "error"}
    assert set(errors) == set(EXPECTED_ERRORS)
    for key, fragment in EXPECTED_ERRORS.items():
        assert fragment in errors[key], (key, errors[key])
    assert not Patent.objects.filter(title__in=["校验位错误", "类型不符", "日期不存在", "缺主分类号"]).exists()

    # Only the institution-looking name is reported; the enterprise and the person are not.
    assert result.unmatched_names == {HOSPITAL_ALIAS: [1, 10]}
    assert result.counts()["unmatched_names"] == [[HOSPITAL_ALIAS, 1, 10]]

    batch = result.batch
    assert (batch.kind, batch.organization.kind) == (ImportBatch.Kind.BASE_LIBRARY, Organization.Kind.PLATFORM)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.counts["new"] == GOOD - 1 and batch.counts["rejected"] == len(bad_rows())
    assert batch.counts["unmatched"] == 1 and batch.created_by == operator
    assert ensure_error_report(batch, base_library.BASE_LIBRARY.batches)
    with batch.error_report.open("rb") as handle:
        report = "\n".join(str(cell) for row in openpyxl.load_workbook(handle).active.iter_rows(values_only=True)
                           for cell in row if cell is not None)
    assert "与第 4 行重复" in report and "校验位" in report
    event = AuditEvent.objects.get(action="inventory.base_library_import")
    assert event.actor == operator and event.after["new"] == GOOD - 1 and event.target_id == str(batch.pk)
    assert AuditEvent.objects.filter(action="inventory.base_library_upload", target_id=str(batch.pk)).exists()


def test_same_file_twice_changes_nothing(world, alias, media, sheet):
    load(sheet, "基础库.xlsx")
    snapshot = (
        list(Patent.objects.order_by("pk").values()),
        list(PatentOwnership.objects.order_by("pk").values()),
        list(InventoryRecord.objects.order_by("pk").values()),
    )
    again = load(sheet, "基础库.xlsx")
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, GOOD, len(bad_rows()))
    assert again.records_created == again.ownerships_added == again.ownerships_removed == 0
    assert snapshot == (
        list(Patent.objects.order_by("pk").values()),
        list(PatentOwnership.objects.order_by("pk").values()),
        list(InventoryRecord.objects.order_by("pk").values()),
    )
    assert ImportBatch.objects.filter(kind=ImportBatch.Kind.BASE_LIBRARY).count() == 2


def test_alias_added_then_rerun_links_the_owner(world, alias, media, sheet):
    first = load(sheet, "基础库.xlsx")
    assert HOSPITAL_ALIAS in first.unmatched_names
    add_alias(actor=world.user("operator"), institution=world.orgs["inst_gd_local"],
              name="广东省人民医院（广东省医学科学院）")
    assert AuditEvent.objects.filter(action="organization.alias_add").exists()

    again = load(sheet, "基础库.xlsx")
    assert again.unmatched_names == {}
    assert (again.created, again.updated, again.unchanged) == (0, 1, GOOD - 1)
    assert owner_names(UNMATCHED) == [(1, "广东省人民医院")]
    record = InventoryRecord.objects.get(patent__application_number=UNMATCHED)
    assert (record.institution_id, record.status) == (world.orgs["inst_gd_local"].pk, InventoryStatus.PENDING)

    third = load(sheet, "基础库.xlsx")
    assert (third.created, third.updated, third.unchanged) == (0, 0, GOOD)


def test_a_changed_patentee_moves_the_ownership(world, alias, media, tmp_path):
    rows = good_rows()[:1]
    load(write_csv(tmp_path / "a.csv", rows), "a.csv")
    rows[0][7], rows[0][8] = "广东省人民医院；北京示范大学", ""  # the rights were shared with the hospital
    result = load(write_csv(tmp_path / "b.csv", rows), "b.csv")
    assert (result.updated, result.ownerships_added, result.ownerships_removed) == (1, 1, 0)
    assert owner_names(INVENTION) == [(1, "广东省人民医院"), (2, "北京示范大学")]
    # The record stays with the institution that had it: imports never rewrite records.
    assert InventoryRecord.objects.get(patent__application_number=INVENTION).institution == world.orgs["inst_bj_moe"]


def _snapshot() -> tuple:
    return (
        list(Patent.objects.order_by("pk").values()),
        list(PatentOwnership.objects.order_by("pk").values()),
        list(InventoryRecord.objects.order_by("pk").values()),
    )


def _fail_on_ownerships(monkeypatch):
    """The commit fails after its patents are written, while writing the owners (either strategy)."""
    from inventory.patents import base_library_plan, base_library_postgres

    def die(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(base_library_plan, "sync_ownerships", die)
    monkeypatch.setattr(base_library_postgres.PostgresPlan, "_sync_ownerships", die)


def test_a_commit_failing_part_way_writes_nothing(world, alias, media, sheet, monkeypatch):
    operator = world.user("operator")
    before = _snapshot()
    monkeypatch.setattr(base_library.BASE_LIBRARY, "chunk_size", 3)
    monkeypatch.setattr("inventory.patents.base_library_plan.CHUNK_SIZE", 3)
    _fail_on_ownerships(monkeypatch)
    with pytest.raises(imports.pipeline.UploadError, match="没有写入任何数据") as refused:
        load(sheet, "基础库.xlsx", actor=operator)
    assert "database went away" not in str(refused.value)  # a message, never the exception
    assert _snapshot() == before  # not one patent of the chunks before the failure
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.BASE_LIBRARY)
    assert batch.status == ImportBatch.Status.VALIDATED  # still waiting for a commit, saying why
    assert "内部错误" in batch.failure
    assert not AuditEvent.objects.filter(action="inventory.base_library_import").exists()

    monkeypatch.undo()
    done = imports.commit(base_library.BASE_LIBRARY, actor=operator, batch=batch)
    assert done.status == ImportBatch.Status.COMMITTED
    assert (done.counts["new"], done.counts["updated"], done.counts["unchanged"]) == (GOOD - 1, 1, 0)
    assert owner_names(CO_OWNED) == [(1, "北京市属研究院"), (2, "北京示范大学")]
    # Committed once: confirming again changes nothing.
    state = _snapshot()
    assert imports.commit(base_library.BASE_LIBRARY, actor=operator, batch=batch).counts == done.counts
    assert _snapshot() == state


def test_a_file_failing_part_way_through_validation_writes_nothing(world, alias, media, sheet, monkeypatch):
    """A row that breaks the reading itself (not a bad cell) fails the batch; nothing is written or kept."""
    before = _snapshot()
    monkeypatch.setattr(base_library.BASE_LIBRARY, "chunk_size", 2)
    real = base_library.RowChecker.accept

    def accept(self, item):
        if item.row_number == 10:
            raise RuntimeError("the worker was killed")
        return real(self, item)

    monkeypatch.setattr(base_library.RowChecker, "accept", accept)
    result = load(sheet, "基础库.xlsx")
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.BASE_LIBRARY)
    assert batch.status == ImportBatch.Status.FAILED and "内部错误" in batch.failure
    assert result.failure == batch.failure and "worker was killed" not in batch.failure
    assert _snapshot() == before
    from django.core.files.storage import default_storage

    from inventory.patents.base_library_plan import PortablePlan

    assert not default_storage.exists(PortablePlan.name(batch))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"base_library_stage_{batch.pk}"])
            assert cursor.fetchone()[0] is None


def test_the_preview_writes_nothing(world, alias, media, sheet):
    before = _snapshot()
    result = load(sheet, "基础库.xlsx", dry_run=True)
    batch = result.batch
    assert batch.status == ImportBatch.Status.VALIDATED
    # The preview counts exactly what the commit will do.
    assert (result.created, result.updated, result.unchanged, result.rejected) == (GOOD - 1, 1, 0, len(bad_rows()))
    assert result.unmatched_names == {HOSPITAL_ALIAS: [1, 10]}
    assert _snapshot() == before
    cancelled = imports.cancel(base_library.BASE_LIBRARY, actor=None, batch=batch)
    assert cancelled.status == ImportBatch.Status.CANCELLED and _snapshot() == before
    assert AuditEvent.objects.filter(action="inventory.base_library_cancel", target_id=str(batch.pk)).exists()
    with pytest.raises(imports.pipeline.UploadError):
        imports.request_commit(base_library.BASE_LIBRARY, actor=None, batch=batch)
    assert _snapshot() == before


def test_all_or_nothing_refuses_a_file_with_rejected_rows(world, alias, media, sheet):
    before = _snapshot()
    with pytest.raises(imports.pipeline.UploadError, match="全部或不导入"):
        load(sheet, "基础库.xlsx", all_or_nothing=True)
    assert _snapshot() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_commit_is_one_and_its_plan_is_dropped(world, alias, media, sheet):
    """No outer transaction (the command, the Celery task): the commit is its own transaction, and
    the plan it applied (staging table or plan file) is dropped once it is committed."""
    from django.core.files.storage import default_storage

    from inventory.patents.base_library_plan import PortablePlan

    result = load(sheet, "基础库.xlsx")
    assert (result.created, result.updated, result.rejected) == (GOOD - 1, 1, len(bad_rows()))
    assert owner_names(CO_OWNED) == [(1, "北京市属研究院"), (2, "北京示范大学")]
    assert InventoryRecord.objects.filter(patent__application_number=DESIGN).get().institution.name == "北京市属研究院"
    assert not default_storage.exists(PortablePlan.name(result.batch))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"base_library_stage_{result.batch.pk}"])
            assert cursor.fetchone()[0] is None
    again = load(sheet, "基础库.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, GOOD)


def test_csv_gives_the_same_result_as_xlsx(world, alias, media, tmp_path):
    path = write_csv(tmp_path / "基础库.csv", [*good_rows(), [None] * len(HEADERS), *bad_rows()])
    result = load(path, "基础库.csv")
    assert (result.created, result.updated, result.rejected) == (GOOD - 1, 1, len(bad_rows()))
    # CSV rows are numbered from its header on line 1.
    errors = {(e["row"], e["column"]) for e in result.batch.errors if e["level"] == "error"}
    assert errors == {(row - 2, column) for row, column in EXPECTED_ERRORS}
    assert owner_names(DESIGN) == [(1, "北京市属研究院")]


def test_csv_in_gb18030(world, media, tmp_path):
    path = tmp_path / "gbk.csv"
    row = good_rows()[0]
    lines = [",".join(HEADERS), ",".join(csv_cell(v) for v in row)]
    path.write_bytes("\n".join(lines).replace("；", ";").encode("gb18030"))
    result = load(path, "gbk.csv")
    assert result.created == 1 and Patent.objects.get(application_number=INVENTION).title.startswith("一种基于")


def test_small_chunks_give_the_same_counts(world, alias, media, sheet, monkeypatch):
    monkeypatch.setattr(base_library.BASE_LIBRARY, "chunk_size", 2)
    monkeypatch.setattr("inventory.patents.base_library_plan.CHUNK_SIZE", 2)
    result = load(sheet, "基础库.xlsx")
    assert (result.created, result.updated, result.rejected) == (GOOD - 1, 1, len(bad_rows()))
    assert {(e["row"], e["column"]) for e in result.batch.errors if e["level"] == "error"} == set(EXPECTED_ERRORS)


def test_more_rules(world, media, tmp_path):
    base = good_rows()[0]

    def row(**changes):
        values = dict(zip(HEADERS, base, strict=True))
        values.update(changes)
        return [values[h] for h in HEADERS]

    rows = [
        row(申请号=make_application_number(2022, "1", 1), 授权公告日="2021-01-01", 申请日="2022-01-01"),
        row(申请号=make_application_number(2022, "1", 2),
            专利权人统一社会信用代码="12100000400000624D;91110000600037341L"),
        row(申请号=make_application_number(2022, "1", 3), 专利权人统一社会信用代码="12100000400000625D"),
        row(申请号=make_application_number(2022, "3", 4), 专利类型="外观设计", 主分类号="G06F 16/30"),
        row(申请号=make_application_number(2022, "1", 5), 主分类号="14-02"),
        row(申请号=make_application_number(2022, "1", 6), 法律状态="审中"),
        row(申请号=make_application_number(2022, "1", 7), 授权公告号="公告号"),
        row(申请号=make_application_number(2022, "1", 8), 分类号="G06F 16/30;不是分类号"),
    ]
    result = load(write_csv(tmp_path / "r.csv", rows), "r.csv")
    messages = {(e["row"], e["column"]): e["message"] for e in result.batch.errors}
    assert "早于申请日" in messages[(2, "授权公告日")]
    assert "有 2 个信用代码,但有 1 个专利权人" in messages[(3, "专利权人统一社会信用代码")]
    assert "校验位" in messages[(4, "专利权人统一社会信用代码")]
    assert "洛迦诺" in messages[(5, "主分类号")]
    assert "应为 IPC" in messages[(6, "主分类号")]
    assert "不是可选值" in messages[(7, "法律状态")]
    assert "授权公告号" in messages[(8, "授权公告号")]
    assert "IPC" in messages[(9, "分类号")]
    assert result.rejected == len(rows) and result.created == 0


def test_missing_column_fails_the_batch(world, media, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("申请号,专利名称\n" + INVENTION + ",标题\n", encoding="utf-8")
    result = load(path, "x.csv")
    assert "缺少必填列" in result.failure and "申请日" in result.failure
    assert result.batch.status == ImportBatch.Status.FAILED
    assert not AuditEvent.objects.filter(action="inventory.base_library_import").exists()


def test_unknown_columns_are_reported_and_ignored(world, media, tmp_path):
    path = tmp_path / "u.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADERS, "备注栏"])
        writer.writerow([*(csv_cell(v) for v in good_rows()[0]), "x"])
    result = load(path, "u.csv")
    assert result.created == 1
    assert [(e["column"], e["level"]) for e in result.batch.errors] == [("备注栏", "warning")]


def test_an_absent_optional_column_leaves_stored_values_alone(world, media, tmp_path):
    load(write_csv(tmp_path / "full.csv", good_rows()[:1]), "full.csv")
    path = tmp_path / "short.csv"
    keep = [h for h in HEADERS if h not in ("摘要", "资助来源")]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(keep)
        values = dict(zip(HEADERS, good_rows()[0], strict=True))
        writer.writerow([csv_cell(values[h]) for h in keep])
    result = load(path, "short.csv")
    assert (result.updated, result.unchanged) == (0, 1)
    patent = Patent.objects.get(application_number=INVENTION)
    assert (patent.abstract, patent.funding_source) == ("本发明公开了一种图像识别方法。", "国家重点研发计划")


def test_compact_index_finds_duplicates_across_freezes():
    index = ApplicationNumberIndex()
    index.FREEZE_AT = 3
    numbers = [make_application_number(2020, "1", serial) for serial in range(10)]
    for row, number in enumerate(numbers, start=2):
        assert index.first_row(number, row) is None
    assert len(index) == 10
    assert index.first_row(numbers[0], 50) == 2
    assert index.first_row(numbers[9], 51) == 11
    assert index.first_row("CN95115608.X", 52) is None and index.first_row("CN95115608.X", 53) == 52


@pytest.mark.parametrize("name,code,kind", [
    ("北京大学", "", PatenteeKind.INSTITUTION),
    ("中国科学院大连化学物理研究所", "", PatenteeKind.INSTITUTION),
    ("清华大学出版社有限公司", "", PatenteeKind.ENTERPRISE),
    ("华为技术有限公司", "", PatenteeKind.ENTERPRISE),
    ("张三", "", PatenteeKind.PERSON),
    ("阿依古丽·买买提", "", PatenteeKind.PERSON),
    ("Stanford University", "", PatenteeKind.INSTITUTION),
    ("Siemens AG", "", PatenteeKind.ENTERPRISE),
    ("Agricultural University of Hebei", "", PatenteeKind.INSTITUTION),
    ("某某", "91350100M000100Y43", PatenteeKind.ENTERPRISE),
])
def test_classify_patentees(name, code, kind):
    assert classify(name, code) == kind


def test_names_are_compared_normalised(world):
    assert normalize_name(" 北京大学（深圳 研究生院）") == normalize_name("北京大学(深圳研究生院)")
    assert normalize_name("北京大学（深圳 研究生院）") == "北京大学(深圳研究生院)"
    assert normalize_name("北京大学【深圳】") == "北京大学(深圳)"
    matcher = PatenteeMatcher()
    found = matcher.match(["北京示范大学", "张三", "北京中央企业集团有限公司"], ["12100000400000624D", "", ""])
    assert [(m.organization_id, m.via) for m in found] == [(world.orgs["inst_bj_moe"].pk, "credit_code"),
                                                            (None, ""), (None, "")]
    assert not any(m.is_unmatched_institution for m in found)


# The command ---------------------------------------------------------------------------------


def test_command_prints_counts_and_exits_non_zero_on_rejected_rows(world, alias, media, sheet, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("import_base_library", str(sheet), "--user", "operator")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    for fragment in (f"新增(created):{GOOD - 1}", "更新(updated):1", "未变(unchanged):0",
                     f"拒绝(rejected):{len(bad_rows())}", "未匹配专利权人(unmatched):1", "错误报告:"):
        assert fragment in out, fragment


def test_command_succeeds_on_a_clean_file(world, alias, media, tmp_path, capsys):
    path = write_csv(tmp_path / "ok.csv", good_rows())
    call_command("import_base_library", str(path), "--quiet-progress")
    out = capsys.readouterr().out
    assert f"新增(created):{GOOD - 1}" in out and "拒绝(rejected):0" in out
    call_command("import_base_library", str(path), "--quiet-progress")
    assert f"未变(unchanged):{GOOD}" in capsys.readouterr().out


def test_command_refuses_a_missing_file_and_a_non_operator(world, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_base_library", str(tmp_path / "none.csv"))
    path = write_csv(tmp_path / "ok.csv", good_rows()[:1])
    with pytest.raises(CommandError, match="不是平台运营账号"):
        call_command("import_base_library", str(path), "--user", "inst_bj_moe_admin")


# The page --------------------------------------------------------------------------------------

NOT_OPERATORS = ["sysadmin", "secadmin", "auditor", "moe_admin", "prov_bj_admin", "inst_bj_moe_admin",
                 "ent_gd_admin", "expert"]


@pytest.mark.parametrize("username", NOT_OPERATORS)
def test_only_the_operator_reaches_the_pages(world, client, username, media, sheet):
    client.force_login(world.user(username))
    url = reverse("inventory:base_library")
    assert client.get(url).status_code == 403
    with open(sheet, "rb") as handle:
        assert client.post(url, {"file": handle}).status_code == 403
    assert client.get(reverse("inventory:base_library_alias")).status_code == 403
    assert client.post(reverse("inventory:base_library_alias"),
                       {"name": "某别名", "institution": "北京示范大学"}).status_code == 403
    assert client.post(reverse("inventory:base_library_commit", args=[1])).status_code == 403
    assert client.post(reverse("inventory:base_library_cancel", args=[1])).status_code == 403
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.BASE_LIBRARY).exists()
    assert not OrganizationAlias.objects.filter(name="某别名").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("inventory:base_library"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_operator_uploads_previews_and_confirms(world, alias, client, media, sheet):
    client.force_login(world.user("operator"))
    url = reverse("inventory:base_library")
    page = client.get(url)
    assert page.status_code == 200 and "上传并校验" in page.content.decode()
    before = _snapshot()
    with open(sheet, "rb") as handle:
        response = client.post(url, {"file": handle})
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.BASE_LIBRARY)
    assert response.status_code == 302 and response["Location"].endswith(f"?batch={batch.pk}")
    assert batch.status == ImportBatch.Status.VALIDATED and batch.original_name == "基础库.xlsx"
    assert _snapshot() == before  # the preview wrote nothing

    html = client.get(response["Location"]).content.decode()
    assert f'data-count="new">{GOOD - 1}<' in html and f'data-count="rejected">{len(bad_rows())}<' in html
    assert "将新增" in html and "确认导入" in html
    assert "与第 4 行重复" in html and HOSPITAL_ALIAS in html
    assert reverse("inventory:base_library_alias") + "?name=" in html
    report = client.get(f"{url}?batch={batch.pk}&download=report")
    assert report.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert any("校验位" in str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row)
    progress = client.get(f"{url}?batch={batch.pk}&partial=progress")
    assert progress["HX-Refresh"] == "true"

    committed = client.post(reverse("inventory:base_library_commit", args=[batch.pk]))
    assert committed.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.counts["records_created"] == 6
    assert Patent.objects.filter(application_number=INVENTION).exists()
    html = client.get(committed["Location"]).content.decode()
    assert f'data-count="new">{GOOD - 1}<' in html and "pn-base-library-commit" not in html
    assert client.get(f"{url}?batch=999999").status_code == 404
    assert AuditEvent.objects.filter(action="inventory.base_library_upload").exists()
    assert AuditEvent.objects.filter(action="inventory.base_library_import").exists()


def test_operator_cancels_a_preview(world, alias, client, media, sheet):
    client.force_login(world.user("operator"))
    with open(sheet, "rb") as handle:
        client.post(reverse("inventory:base_library"), {"file": handle})
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.BASE_LIBRARY)
    before = _snapshot()
    response = client.post(reverse("inventory:base_library_cancel", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and _snapshot() == before
    refused = client.post(reverse("inventory:base_library_commit", args=[batch.pk]), follow=True)
    assert "不能导入" in refused.content.decode() and _snapshot() == before


def test_another_operator_cannot_confirm_a_batch(world, alias, client, media, sheet):
    from accounts.models import User

    first = world.user("operator")
    other = User.objects.create_user(username="operator2", password="Pw@12345678x", organization=first.organization,
                                     platform_role=first.platform_role)
    batch = load(sheet, "基础库.xlsx", actor=first, dry_run=True).batch
    client.force_login(other)
    assert client.post(reverse("inventory:base_library_commit", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def test_a_file_over_the_limit_is_refused(world, client, media, settings, sheet):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(world.user("operator"))
    with open(sheet, "rb") as handle:
        response = client.post(reverse("inventory:base_library"), {"file": handle})
    assert response.status_code == 200
    assert "超过上限" in response.content.decode()
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.BASE_LIBRARY).exists()


def test_a_body_announced_over_the_limit_is_refused_unread(world, client, media, settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 1024
    big = tmp_path / "big.csv"
    big.write_text(",".join(HEADERS) + "\n" + "x" * 200_000, encoding="utf-8")
    client.force_login(world.user("operator"))
    with open(big, "rb") as handle:
        response = client.post(reverse("inventory:base_library"), {"file": handle})
    html = response.content.decode()
    assert response.status_code == 200 and "超过上限" in html and "该字段是必填项" not in html
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.BASE_LIBRARY).exists()


def test_operator_adds_an_alias_from_an_unmatched_patentee(world, client, media):
    client.force_login(world.user("operator"))
    url = reverse("inventory:base_library_alias")
    page = client.get(url, {"name": HOSPITAL_ALIAS})
    assert page.status_code == 200 and "广东省人民医院" in page.content.decode()  # suggested
    response = client.post(url, {"name": HOSPITAL_ALIAS, "institution": "广东省人民医院", "batch": "7"})
    assert response.status_code == 302 and response["Location"].endswith("?batch=7")
    alias = OrganizationAlias.objects.get(name=HOSPITAL_ALIAS)
    assert alias.organization == world.orgs["inst_gd_local"]
    # The same name again, an enterprise, or an unknown institution are refused with the reason.
    again = client.post(url, {"name": "广东省人民医院（广东省医学科学院）", "institution": "广东省人民医院"})
    assert "已是机构“广东省人民医院”的别名" in again.content.decode()
    enterprise = client.post(url, {"name": "别名甲", "institution": "北京中央企业集团有限公司"})
    assert "没有名称或统一社会信用代码" in enterprise.content.decode()
    by_code = client.post(url, {"name": "北京示范大学(老校区)", "institution": "12100000400000624D"})
    assert by_code.status_code == 302
    assert OrganizationAlias.objects.get(name="北京示范大学(老校区)").organization == world.orgs["inst_bj_moe"]


# Large .xlsx sheets are streamed (ground.sheets.xlsx_stream) ------------------------------


def _rows_by_number(sheet) -> dict[int, list]:
    rows = {}
    for number, cells_ in sheet.rows():
        while cells_ and cells_[-1] in ("", None):
            cells_ = cells_[:-1]
        if cells_:
            rows[number] = cells_
    return rows


def test_streamed_xlsx_reads_as_python_calamine_does(sheet, monkeypatch):
    from ground.sheets import open_sheet, reader
    from inventory.patents.base_library import BaseLibraryFormat

    required = BaseLibraryFormat().required_headers
    held = open_sheet(sheet, "基础库.xlsx", required)
    monkeypatch.setattr(reader, "STREAM_SHEET_BYTES", 0)
    streamed = open_sheet(sheet, "基础库.xlsx", required)
    assert (streamed.name, streamed.header_row, streamed.headers) == (held.name, held.header_row, held.headers)
    assert _rows_by_number(streamed) == _rows_by_number(held)


def test_streamed_xlsx_imports_the_same(world, alias, media, sheet, monkeypatch):
    from ground.sheets import reader

    monkeypatch.setattr(reader, "STREAM_SHEET_BYTES", 0)
    result = load(sheet, "基础库.xlsx")
    assert (result.created, result.updated, result.rejected) == (GOOD - 1, 1, len(bad_rows()))
    assert {(e["row"], e["column"]) for e in result.batch.errors if e["level"] == "error"} == set(EXPECTED_ERRORS)
    assert owner_names(UTILITY) == [(1, "北京示范大学"), (2, "广东省人民医院")]
    assert Patent.objects.get(application_number=UTILITY).application_date == dt.date(2022, 4, 1)


@pytest.mark.parametrize("streamed", [False, True])
def test_a_formula_without_a_saved_value_is_an_error(world, media, tmp_path, monkeypatch, streamed):
    from ground.sheets import reader

    if streamed:
        monkeypatch.setattr(reader, "STREAM_SHEET_BYTES", 0)
    row = good_rows()[0]
    row[1] = '=CONCATENATE("一种","方法")'  # openpyxl saves the formula without a computed value
    result = load(write_xlsx(tmp_path / "f.xlsx", [row]), "f.xlsx")
    messages = {(e["row"], e["column"]): e["message"] for e in result.batch.errors}
    assert "公式" in messages[(4, "专利名称")] and result.rejected == 1


def test_the_formula_scan_reads_a_large_sheet_in_pieces(tmp_path):
    from ground.sheets.reader import formulas_without_values

    wb = openpyxl.Workbook()
    ws = wb.active
    filler = "一种基于深度学习的图像识别方法及系统" * 3
    for number in range(1, 60_001):
        ws.append([number, filler, "=A1*2" if number == 55_000 else None])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 8 << 20  # more than one piece
    assert formulas_without_values(path, ws.title) == {(55_000, 2)}


# Both plans write the same rows -------------------------------------------------------------------


def _natural_state() -> tuple:
    """Patents, ownerships and records by application number: what both plans must write alike
    (ids and timestamps aside)."""
    from inventory.patents.base_library_format import PATENT_FIELDS

    patents = list(Patent.objects.order_by("application_number").values("application_number", "is_sleeping",
                                                                         *PATENT_FIELDS))
    ownerships = list(PatentOwnership.objects.order_by("patent__application_number", "position").values_list(
        "patent__application_number", "organization_id", "position", "grant_date", "main_ipc", "is_sleeping"))
    skip = {"id", "patent", "created_at", "updated_at"}
    fields = [f.attname for f in InventoryRecord._meta.concrete_fields if f.name not in skip]
    records = list(InventoryRecord.objects.order_by("patent__application_number").values(
        "patent__application_number", *fields))
    return patents, ownerships, records


def _second_file(tmp_path):
    """The office's next delivery: a patentee added, another changed, a date corrected."""
    rows = good_rows()
    rows[0][7], rows[0][8] = "广东省人民医院；北京示范大学", ""
    rows[8][7] = "北京示范大学;北京市科学研究院"  # the world's patent gains an owner (by alias)
    rows[1][4] = "2023-06-07"
    return write_csv(tmp_path / "second.csv", rows)


def _run_scenario(monkeypatch, strategies, files) -> tuple[list[dict], tuple]:
    from django.db import transaction

    compared = ("new", "updated", "unchanged", "rejected", "unmatched", "ownerships_added", "ownerships_removed",
                "records_created")
    monkeypatch.setattr(base_library.BASE_LIBRARY, "strategies", strategies)
    with transaction.atomic():
        counts = []
        for path in files:
            batch = load(path, path.name).batch
            counts.append({name: batch.counts.get(name) for name in compared})
        state = _natural_state()
        transaction.set_rollback(True)
    return counts, state


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL plan needs PostgreSQL")
def test_postgresql_and_portable_plans_write_the_same_rows(world, alias, media, sheet, tmp_path, monkeypatch):
    from inventory.patents.base_library_plan import PortablePlan
    from inventory.patents.base_library_postgres import PostgresPlan

    Patent.objects.filter(application_number=WORLD_PATENT).update(is_sleeping=True)
    files = [sheet, _second_file(tmp_path), _second_file(tmp_path)]
    fast = _run_scenario(monkeypatch, (PostgresPlan,), files)
    portable = _run_scenario(monkeypatch, (PortablePlan,), files)
    assert fast == portable
    first, second, third = fast[0]
    assert (first["new"], first["updated"], first["records_created"]) == (GOOD - 1, 1, 6)
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 3, GOOD - 3)
    assert second["ownerships_added"] == 2 and second["ownerships_removed"] == 0
    assert (third["updated"], third["unchanged"]) == (0, GOOD)  # the same file again changes nothing
    ownerships = {(number, position): sleeping for number, _org, position, _date, _ipc, sleeping in fast[1][1]}
    assert ownerships[(WORLD_PATENT, 2)] is True  # the new owner copied the patent's sleeping flag


def test_a_preview_left_unconfirmed_loses_its_plan_and_is_validated_again(world, alias, media, sheet):
    """The nightly clean-up drops an old preview's plan; confirming it then validates the file again
    (the figures may have moved) and asks for the new preview to be confirmed."""
    import datetime as dt

    from django.utils import timezone

    from inventory.patents.base_library import drop_abandoned_plans

    operator = world.user("operator")
    batch = load(sheet, "基础库.xlsx", actor=operator, dry_run=True).batch
    assert drop_abandoned_plans(keep_days=7) == []
    ImportBatch.objects.filter(pk=batch.pk).update(validated_at=timezone.now() - dt.timedelta(days=8))
    assert drop_abandoned_plans(keep_days=7) == [batch.pk]
    before = _snapshot()
    with pytest.raises(imports.pipeline.UploadError, match="重新校验"):
        imports.request_commit(base_library.BASE_LIBRARY, actor=operator, batch=batch)
    assert _snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED and batch.counts["new"] == GOOD - 1
    done = imports.request_commit(base_library.BASE_LIBRARY, actor=operator, batch=batch)
    assert done.status == ImportBatch.Status.COMMITTED and done.counts["new"] == GOOD - 1


@pytest.mark.parametrize("step", ["validation", "commit"])
def test_the_command_failing_mid_way_writes_nothing_and_says_so_in_chinese(world, alias, media, tmp_path, monkeypatch,
                                                                        capsys, step):
    """A file failing at row N, past a first chunk already staged: 0 patents, a Chinese message, no traceback."""
    path = write_xlsx(tmp_path / "基础库.xlsx", good_rows())
    before = _snapshot()
    monkeypatch.setattr(base_library.BASE_LIBRARY, "chunk_size", 2)
    monkeypatch.setattr("inventory.patents.base_library_plan.CHUNK_SIZE", 2)
    if step == "validation":
        real = base_library.RowChecker.accept

        def accept(self, item):
            if item.row_number == 9:
                raise MemoryError("row 9")
            return real(self, item)

        monkeypatch.setattr(base_library.RowChecker, "accept", accept)
    else:
        _fail_on_ownerships(monkeypatch)
    with pytest.raises((SystemExit, CommandError)) as ended:
        call_command("import_base_library", str(path), "--quiet-progress")
    out = capsys.readouterr()
    message = str(ended.value) if isinstance(ended.value, CommandError) else out.err
    assert "内部错误" in message and ("导入失败" in message if step == "validation" else "没有写入任何数据" in message)
    assert "Traceback" not in out.err + out.out and "row 9" not in message and "went away" not in message
    assert _snapshot() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="staging tables are PostgreSQL's")
def test_the_nightly_clean_up_drops_every_stage_no_batch_waits_on(world, alias, media, sheet):
    """Stages left by batches failed, cancelled or gone (a worker killed before it dropped them) go;
    those of a recent preview and of a validation running stay."""
    from inventory.patents.base_library import drop_abandoned_plans
    from inventory.patents.base_library_postgres import PostgresPlan

    operator = world.user("operator")
    waiting = load(sheet, "基础库.xlsx", actor=operator, dry_run=True).batch
    running = load(sheet, "基础库.xlsx", actor=operator, dry_run=True).batch
    failed = load(sheet, "基础库.xlsx", actor=operator, dry_run=True).batch
    ImportBatch.objects.filter(pk=running.pk).update(status=ImportBatch.Status.VALIDATING)
    ImportBatch.objects.filter(pk=failed.pk).update(status=ImportBatch.Status.FAILED)  # its stage left behind
    gone = ImportBatch(pk=failed.pk + 1000)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{PostgresPlan.name(gone)}" (row_number integer)')
    assert set(PostgresPlan.staged_batch_ids()) == {waiting.pk, running.pk, failed.pk, gone.pk}
    assert sorted(drop_abandoned_plans(keep_days=7)) == [failed.pk, gone.pk]
    assert set(PostgresPlan.staged_batch_ids()) == {waiting.pk, running.pk}
