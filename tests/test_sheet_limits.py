"""Hostile sheet files: refused with a Chinese message before or while they are read, never
crashing the process, within the memory and time of SheetLimits (ground.sheets.bounded, limits)."""

import multiprocessing
import os
import random
import resource
import zipfile
from pathlib import Path

import billiard
import openpyxl
import pytest
from django.test import override_settings

from ground.imports.problems import ensure_error_report
from ground.sheets import SheetError, bounded, open_sheet, reader
from ground.sheets.limits import SheetLimits
from inventory.models import ImportBatch, InventoryRecord
from inventory.upload.importer import INVENTORY

from . import hostile_sheets as hostile
from .test_inventory_upload import HEADERS, good_row, run, snapshot, xlsx_bytes

REQUIRED = ["申请号", "专利名称"]
Status = ImportBatch.Status


def write(tmp_path: Path, content: bytes, name: str = "s.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def read_all(path: Path, limits: SheetLimits | None = None) -> list:
    sheet = open_sheet(path, path.name, REQUIRED, limits) if limits else open_sheet(path, path.name, REQUIRED)
    return list(sheet.rows())


def _live_children() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                found.add(int(entry.name))
    return found


_older_children: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before():
    """The children this process had before the test (a browser driver, a live server's helpers
    started by earlier tests of the run): `children()` lists only those the test left."""
    _older_children.clear()
    _older_children.update(_live_children())


def children() -> list[int]:
    """This process's live child processes started during the test (a reaped child is no longer listed)."""
    return sorted(_live_children() - _older_children)


HEADER = hostile.inline_row(1, REQUIRED)


# --- declared ranges and references -------------------------------------------------------------


@pytest.mark.parametrize("rows_xml,dimension", [
    ('<row r="99999999999"><c r="A99999999999"><v>1</v></c></row>', None),
    ('<row r="2"><c r="ZZZZZZ2"><v>1</v></c></row>', None),
    ('<row r="1048577"><c r="A1048577"><v>1</v></c></row>', None),
    ("", "A1:XFD99999999"),
    ("", "A1:XFD1048576"),
])
def test_a_poisoned_reference_or_range_is_refused_before_parsing(tmp_path, rows_xml, dimension):
    path = write(tmp_path, hostile.xlsx(hostile.worksheet(HEADER + rows_xml, dimension=dimension)))
    with pytest.raises(SheetError, match=r"超出范围|已用区域过大"):
        read_all(path)
    assert children() == []


def _late_poison(column: str) -> bytes:
    """A sheet whose first rows are ordinary and incompressible (past the cheap head check and
    the compression ratio), then one cell at row 1,048,000 of `column`."""
    rng = random.Random(7)
    body = "".join(f'<row r="{n}"><c r="A{n}"><v>{rng.random()}</v></c></row>' for n in range(2, 20000))
    poison = f'<row r="1048000"><c r="{column}1048000"><v>1</v></c></row>'
    return hostile.xlsx(hostile.worksheet(HEADER + body + poison))


def test_a_poison_past_the_head_kills_only_the_child_and_is_named(tmp_path):
    # python-calamine would allocate 550 GB for this sheet and abort the process that asked.
    path = write(tmp_path, _late_poison("XFD"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SheetError, match=r"XFD1048000.*超出范围"):
        read_all(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB
    assert children() == []


def test_a_range_within_excel_but_past_the_memory_budget_fails_in_the_child(tmp_path):
    path = write(tmp_path, _late_poison("ALL"))  # 1,048,000 rows × 1,000 columns: 33 GB in python-calamine
    limits = SheetLimits.current()
    with pytest.raises(SheetError, match="内存上限"):
        read_all(path, limits)


# --- the package ---------------------------------------------------------------------------------


def test_each_member_has_its_own_compression_ratio(tmp_path):
    # A sheet of 20 MB of blanks, padded with random bytes so the package as a whole looks ordinary.
    sheet = hostile.worksheet("<!--" + " " * (20 * 1024 * 1024) + "-->" + HEADER)
    content = hostile.xlsx(sheet, extra={"xl/media/image1.bin": random.Random(1).randbytes(200 * 1024)})
    with zipfile.ZipFile(write(tmp_path, content)) as archive:
        infos = archive.infolist()
    assert sum(i.file_size for i in infos) / sum(i.compress_size for i in infos) < 200
    with pytest.raises(SheetError, match="压缩炸弹"):
        read_all(tmp_path / "s.xlsx")


def test_member_and_total_sizes_are_bounded_by_settings(tmp_path, settings):
    rows = [[f"CN{n}", "x" * 50] for n in range(3000)]
    path = write(tmp_path, hostile.xlsx(hostile.sheet_of(REQUIRED, rows)))
    settings.SHEET_MAX_MEMBER_BYTES = 100 * 1024
    with pytest.raises(SheetError, match=r"sheet1.xml.*超过上限"):
        read_all(path)
    settings.SHEET_MAX_MEMBER_BYTES = 100 * 1024 * 1024
    settings.SHEET_MAX_TOTAL_BYTES = 100 * 1024
    with pytest.raises(SheetError, match=r"解压后共.*超过上限"):
        read_all(path)


@pytest.mark.parametrize("make,fragment", [
    (lambda: hostile.with_encryption_flag(hostile.xlsx(hostile.sheet_of(REQUIRED, [["a", "b"]]))), "已加密"),
    (lambda: hostile.encrypted_ole(random.Random(3)), "已加密"),
    (lambda: hostile.bzip2_workbook(REQUIRED, [["a", "b"]]), "压缩方式"),
    (lambda: hostile.lzma_workbook(REQUIRED, [["a", "b"]]), "压缩方式"),
    (lambda: hostile.with_method(hostile.xlsx(hostile.sheet_of(REQUIRED, [["a", "b"]])), 9), "压缩方式"),
])
def test_encrypted_and_oddly_compressed_workbooks_fail_the_batch(world, bj, make, fragment):
    before = snapshot()
    batch = run(bj, make())
    assert batch.status == Status.FAILED and fragment in batch.failure
    assert snapshot() == before


# --- rows ----------------------------------------------------------------------------------------


def test_rows_past_the_limit_are_refused(tmp_path, settings):
    settings.SHEET_MAX_ROWS = 5
    csv_path = write(tmp_path, hostile.csv_bytes(REQUIRED, [["a", "b"]] * 10), "s.csv")
    with pytest.raises(SheetError, match="超过上限 5 行"):
        read_all(csv_path)
    xlsx_path = write(tmp_path, hostile.xlsx(hostile.sheet_of(REQUIRED, [["a", "b"]] * 10)))
    with pytest.raises(SheetError, match="超过上限 5 行"):
        read_all(xlsx_path)


def test_only_visible_sheets_are_read(tmp_path):
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "旧版"
    hidden.append(REQUIRED)
    hidden.append(["旧", "隐藏的行"])
    hidden.sheet_state = "hidden"
    shown = wb.create_sheet("当前")
    shown.append(REQUIRED)
    shown.append(["新", "可见的行"])
    wb.save(tmp_path / "s.xlsx")
    sheet = open_sheet(tmp_path / "s.xlsx", "s.xlsx", REQUIRED)
    assert sheet.name == "当前" and [cells for _n, cells in sheet.rows()] == [["新", "可见的行"]]


def test_only_visible_sheets_are_streamed(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "STREAM_SHEET_BYTES", 0)
    content = hostile.xlsx([("旧版", hostile.sheet_of(REQUIRED, [["旧", "隐藏"]])),
                            ("当前", hostile.sheet_of(REQUIRED, [["新", "可见"]]))], hidden=frozenset({"旧版"}))
    sheet = open_sheet(write(tmp_path, content), "s.xlsx", REQUIRED)
    assert sheet.name == "当前" and [cells for _n, cells in sheet.rows()] == [["新", "可见"]]


# --- reader errors while rows are read -----------------------------------------------------------


def test_a_csv_field_past_the_csv_limit_is_a_message_with_its_row(world, bj):
    content = hostile.csv_bytes(HEADERS, [[good_row(world.patents["bj_moe_private"])[h] for h in HEADERS]])
    batch = run(bj, content + ("长" * 140_000 + ",x\r\n").encode(), "盘点结果.csv")
    assert batch.status == Status.FAILED and "第 3 行有单元格超过 131072 个字符" in batch.failure


def test_undecodable_bytes_past_the_encoding_sample_are_a_message_with_their_row(world, bj):
    row = [good_row(world.patents["bj_moe_private"])[h] for h in HEADERS]
    padding = [["备注" * 20] + [""] * (len(HEADERS) - 1)] * 1500  # past the 64 KiB the encoding is chosen from
    content = hostile.csv_bytes(HEADERS, [row, *padding], encoding="utf-8") + "最后一行".encode("gb18030") + b"\r\n"
    assert len(content) > 65536
    batch = run(bj, content, "盘点结果.csv")
    assert batch.status == Status.FAILED and "无法识别的字符" in batch.failure and "第 1503 行" in batch.failure


def test_a_parser_error_while_rows_stream_is_a_message_with_its_row(world, bj, monkeypatch):
    monkeypatch.setattr(reader, "STREAM_SHEET_BYTES", 0)  # xlsx_stream parses as it reads
    row = [good_row(world.patents["bj_moe_private"])[h] for h in HEADERS]
    body = hostile.inline_row(1, HEADERS) + hostile.inline_row(2, row) + '<row r="3"><c r="A3"><v>1</v></c><broken'
    before = snapshot()
    batch = run(bj, hostile.xlsx(hostile.worksheet(body)))
    assert batch.status == Status.FAILED and "读取第 3 行时出错" in batch.failure
    assert snapshot() == before


# --- the child process ---------------------------------------------------------------------------


def _spin(*args, **kwargs):
    while True:
        pass


def test_a_parser_spinning_is_stopped_by_the_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "open_sheet", _spin)
    limits = SheetLimits(**{**SheetLimits.current().__dict__, "seconds": 1})
    path = write(tmp_path, hostile.csv_bytes(REQUIRED, [["a", "b"]]), "s.csv")
    with pytest.raises(SheetError, match="超过 1 秒"):
        read_all(path, limits)
    assert children() == []


def test_an_abandoned_sheet_ends_its_child(tmp_path):
    path = write(tmp_path, hostile.csv_bytes(REQUIRED, [["a", "b"]] * 5000), "s.csv")
    sheet = open_sheet(path, path.name, REQUIRED)
    assert children()
    next(iter(sheet.rows()))
    del sheet
    assert children() == []


def _read_in(queue, path: str) -> None:
    try:
        sheet = bounded.open_sheet(path, "s.xlsx", REQUIRED)
        queue.put(("rows", [cells for _n, cells in sheet.rows()]))
        bounded.open_sheet(Path(path).with_name("poison.xlsx"), "poison.xlsx", REQUIRED)
    except SheetError as error:
        queue.put(("error", str(error)))


@pytest.mark.parametrize("processes", [billiard, multiprocessing.get_context("fork")], ids=["billiard", "fork"])
def test_a_daemonic_pool_process_reads_through_its_own_child(tmp_path, processes):
    # Celery's prefork pool processes are daemonic: they may not start multiprocessing children.
    write(tmp_path, hostile.xlsx(hostile.sheet_of(REQUIRED, [["a", "b"]])))
    write(tmp_path, _late_poison("XFD"), "poison.xlsx")
    queue = processes.Queue()
    worker = processes.Process(target=_read_in, args=(queue, str(tmp_path / "s.xlsx")), daemon=True)
    worker.start()
    assert queue.get(timeout=60) == ("rows", [["a", "b"]])
    kind, message = queue.get(timeout=60)
    worker.join(60)
    assert kind == "error" and "超出范围" in message and worker.exitcode == 0


@override_settings(SHEET_PARSE_MEMORY_MB=64)
def test_an_ordinary_upload_fits_a_small_budget(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    assert batch.status == Status.VALIDATED and InventoryRecord.objects.exists()


def test_a_rejected_row_with_control_characters_still_gets_its_report(world, bj):
    # The batch keeps the problems and the unknown columns as jsonb on PostgreSQL, which refuses NUL.
    row = good_row(world.patents["bj_moe_private"], 申请号="CN\x00\x01坏")
    content = hostile.csv_bytes([*HEADERS, "多余\x00列"], [[row[h] for h in HEADERS] + ["x"]])
    batch = run(bj, content, "盘点结果.csv")
    assert batch.status == Status.VALIDATED and batch.counts["rejected"] == 1
    assert batch.counts["unknown_columns"] == ["多余\ufffd列"]
    assert ensure_error_report(batch, INVENTORY.batches)
    with batch.error_report.open("rb") as handle:
        report = openpyxl.load_workbook(handle, read_only=True)
        assert "CN\ufffd\ufffd坏" in [cell for row in report.active.values for cell in row]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["盘点结果.csv", "盘点结果.xlsx"])
def test_an_institution_sheet_past_its_row_limit_is_refused_before_its_rows_are_checked(world, settings, name):
    """One institution's sheet is bounded below the platform's SHEET_MAX_ROWS
    (INSTITUTION_SHEET_MAX_ROWS): a 600,000-row file took minutes and gigabytes of problems."""
    from .test_inventory_upload import good_row, run, snapshot, xlsx_bytes

    settings.INSTITUTION_SHEET_MAX_ROWS = 3
    rows = [good_row(patent) for patent in list(world.patents.values())[:5]]
    if name.endswith(".csv"):
        import csv
        import io
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        content = text.getvalue().encode("utf-8")
    else:
        content = xlsx_bytes(rows)
    before = snapshot()
    batch = run(world.user("inst_bj_moe_admin"), content, name)
    assert batch.status == "failed" and "超过上限 3 行" in batch.failure, batch.failure
    assert not batch.counts.get("total") and snapshot() == before
    settings.INSTITUTION_SHEET_MAX_ROWS = 5
    within = run(world.user("inst_bj_moe_admin"), content, name)
    assert within.status == "validated" and within.counts["total"] == 5, within.failure
