"""A property, tested on generated cells (Hypothesis): whatever a cell holds (text with NULs,
control characters, surrogates, emoji, full-width forms, lengths around each field's limit;
numbers out of range, infinities and NaN; dates at the calendar's ends; e-mails of any length),
its row is either rejected with a Chinese message naming row, column and a shortened value, or
it is staged and committed without a database error, and what is stored is what was parsed.

On PostgreSQL the inventory upload stages through COPY (inventory.upload.stage); elsewhere through
the portable path, where the lengths are checked against the model fields here, since SQLite does
not enforce them. Bounded: a few dozen examples each, no example database.
"""

import csv
import datetime as dt
import decimal
import io
import re

import openpyxl
import pytest
from django.db import models, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.allocation.format import AllocationFormat, Directory
from ground import imports
from ground.imports import problems as upload_problems
from ground.sheets import SheetFormat
from ground.sheets.formats import ParsedRow, iter_rows
from ground.sheets.reader import RawSheet, normalize_header
from inventory.classification.concordance import ConcordanceFormat
from inventory.conversions.sheet_format import ConversionFormat
from inventory.models import Conversion, ImportBatch, InventoryRecord, Patent
from inventory.patents.base_library_format import BaseLibraryFormat
from inventory.records.formats import RECORD_FIELDS, InventoryFormat
from inventory.upload.importer import INVENTORY

from .test_inventory_upload import HEADERS, good_row

BOUNDED = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large])

# --- cell values ----------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "\x00", "a\x00b", "\x0b", "第一行\x0b第二行", "\x0c", "\x1f", "\x7f", "\u2028", "\ufeff", "\ufffe", "\U0010ffff",
    "😀", "👨‍👩‍👧", "ＡＢＣ１２３", "\u3000", "ﷺ", "İ", "=1+1", "NULL", "\\N", '"', '""', "\\", "\r\n", ",", ";", "、",
    "\t", " ", "é", "e\u0301", "\u200b",
]
# Lengths around the limits of the text fields (64, 100, 200, 254, 500) and far beyond.
LENGTHS = [1, 63, 64, 65, 99, 100, 101, 199, 200, 201, 253, 254, 255, 499, 500, 501, 5000]


def texts(*, surrogates: bool) -> st.SearchStrategy[str]:
    characters = st.characters(codec=None if surrogates else "utf-8")
    if surrogates:
        characters = st.one_of(characters, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
    return st.one_of(
        st.text(characters, max_size=20),
        st.sampled_from(HOSTILE_TEXT),
        st.builds(lambda piece, n: (piece * n)[: max(n, 1)],
                  st.sampled_from(["长", "a", "😀", "Ａ", "İ", "ﷺ", "x\x00"]), st.sampled_from(LENGTHS)),
        st.builds(lambda a, b: f"{a};{b}", st.sampled_from(["转让", "许可", "1.5", "暂无"]),
                  st.sampled_from(HOSTILE_TEXT)),
    )


NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 9, 10, 32767, 32768, 2**31, 2**63, -1, 999999999999]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e400", "-0", "1E+20", "NaN", "inf", "0.005", "999999999999.99", "999999999999.995",
                     "1,000", "１２", "TRL 6", "6级", "9.0"]),
)
DATES = st.one_of(
    st.dates(), st.datetimes(),
    st.sampled_from(["0001-01-01", "9999-12-31", "99999-01-01", "2024-02-30", "0000-00-00", "2024年3月31日",
                     0, 2958465, 2958466, 19000101, 99991231, -1, 1.5]),
)
EMAILS = st.one_of(
    st.emails(),
    st.builds(lambda n, domain: "a" * n + "@" + domain, st.sampled_from(LENGTHS),
              st.sampled_from(["b.cn", "例子.中国"])),
    st.builds(lambda text: f"a{text}@b.cn", st.sampled_from(HOSTILE_TEXT)),
)


def cell_values(*, surrogates: bool = False) -> st.SearchStrategy[object]:
    return st.one_of(texts(surrogates=surrogates), NUMBERS, DATES, EMAILS, st.booleans())


# --- the upload, end to end on the database in use ---------------------------------------------

COLUMNS = [header for header in HEADERS if header != "申请号"]
# What XML 1.0 cannot hold (openpyxl refuses the controls, lxml the non-characters on saving): a
# sheet holds them as the escapes (_x0000_, _xFFFE_) Excel writes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What no stored or quoted text may hold (written out here, not taken from the code under test): a
# sheet, a .docx or PostgreSQL could not hold it.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SHOWN_AT_MOST = 51  # characters of a value quoted in a message (50 and an ellipsis)


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def _xlsx_text(value: object) -> object:
    """A value as openpyxl can write it: the control characters it refuses written as the escapes
    (_x0000_) that Excel writes and the reader turns back into the characters."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    if isinstance(value, dt.datetime | dt.date) and value.year < 1900:
        return value.isoformat()  # a sheet's dates begin in 1900
    return value


def sheet_bytes(rows: list[dict], kind: str) -> bytes:
    return _sheet_of(HEADERS, rows, kind)


def rows_with(world, data) -> list[dict]:
    """A row for each of two patents of the uploader (one pending, one inventoried), each with a
    few of its cells replaced by generated values."""
    rows = []
    for key in ("bj_moe_private", "bj_moe_library"):
        chosen = data.draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4, unique=True), label=key)
        rows.append(good_row(world.patents[key], **{column: data.draw(cell_values(), label=column)
                                                    for column in chosen}))
    return rows


def assert_fits(record: InventoryRecord, expected: dict) -> None:
    """The record holds what the row parsed to, within each field's limits."""
    for name in RECORD_FIELDS:
        field = InventoryRecord._meta.get_field(name)
        value = getattr(record, name)
        if name in expected:
            wanted = expected[name]
            if wanted is None:
                wanted = [] if isinstance(field, models.JSONField) else ("" if field.null is False else None)
            assert value == wanted, name
        if isinstance(value, str):
            assert field.max_length is None or len(value) <= field.max_length, name
            assert storable(value), name


@pytest.mark.usefixtures("media")
@BOUNDED
@given(data=st.data(), kind=st.sampled_from(["csv", "xlsx"]))
def test_inventory_upload_rejects_or_commits_every_generated_cell(world, bj, data, kind):
    rows = rows_with(world, data)
    content = sheet_bytes(rows, kind)
    # Each example in a savepoint of its own, undone after it: the examples do not see each other.
    with transaction.atomic():
        batch = imports.start_validation(INVENTORY, imports.stage(INVENTORY, actor=bj, file=_upload(content, kind)))
        assert batch.status == ImportBatch.Status.VALIDATED, (batch.status, batch.failure)
        rejected = {error["row"] for error in batch.errors if error["level"] == "error"}
        for error in batch.errors:
            assert error["message"] and error["column"] in HEADERS, error
            assert len(error["value"]) <= SHOWN_AT_MOST and storable(error["value"]), error
        if rejected:
            assert upload_problems.ensure_error_report(batch, INVENTORY.batches)
        accepted = [row for number, row in enumerate(rows, start=2) if number not in rejected]
        assert batch.counts["new"] + batch.counts["updated"] + batch.counts.get("unchanged", 0) == len(accepted)
        event(f"{len(rejected)} of 2 rows rejected")  # --hypothesis-show-statistics: both outcomes occur
        if batch.counts["new"] + batch.counts["updated"]:
            imports.commit(INVENTORY, actor=bj, batch=batch)
        parsed = _parsed(content, kind)
        for row in accepted:
            record = InventoryRecord.objects.get(patent__application_number=row["申请号"])
            assert_fits(record, {k: v for k, v in parsed[row["申请号"]].items() if k in RECORD_FIELDS})
        transaction.set_rollback(True)


def _upload(content: bytes, kind: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"盘点.{kind}", content)


def _parsed(content: bytes, kind: str) -> dict[str, dict]:
    """The values each accepted row parses to, by application number (as the upload reads the file)."""
    import tempfile
    from pathlib import Path

    from ground.sheets import open_sheet

    fmt = InventoryFormat()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"盘点.{kind}"
        path.write_bytes(content)
        sheet = open_sheet(path, path.name, fmt.required_headers)
        return {item.values["application_number"]: item.values
                for item in iter_rows(sheet, fmt) if isinstance(item, ParsedRow)}


# --- every format's row parser, on any value the reader could hand it ---------------------------

# Where each format's values are written: {format name: {column key: the model field}}.
TARGETS = {
    "inventory": {**{f.name: f for f in InventoryRecord._meta.get_fields() if isinstance(f, models.Field)},
                  "title": Patent._meta.get_field("title")},
    "base_library": {f.name: f for f in Patent._meta.get_fields() if isinstance(f, models.Field)},
    "conversions": {f.name: f for f in Conversion._meta.get_fields() if isinstance(f, models.Field)},
    "account_allocation": {},
    "industry_concordance": {},
}


def assert_value_fits(value: object, field: models.Field | None) -> None:
    if isinstance(value, str):
        assert storable(value)
        value.encode("utf-8")
        if isinstance(field, models.CharField):
            assert len(value) <= field.max_length
    elif isinstance(value, list | tuple):
        for item in value:
            assert_value_fits(item, None)
    elif isinstance(value, dict):
        for item in value.values():
            assert_value_fits(item, None)
    elif isinstance(value, decimal.Decimal):
        assert value.is_finite()
        if isinstance(field, models.DecimalField):
            digits = len(value.as_tuple().digits)
            assert -value.as_tuple().exponent <= field.decimal_places
            assert digits - field.decimal_places <= field.max_digits - field.decimal_places or value == 0
    elif isinstance(value, float):
        assert value == value and value not in (float("inf"), float("-inf"))
    elif isinstance(value, int) and not isinstance(value, bool) and isinstance(field, models.IntegerField):
        low, high = connection_range(field)
        assert low <= value <= high
    elif isinstance(value, dt.date):
        assert dt.date(1, 1, 1) <= (value.date() if isinstance(value, dt.datetime) else value)


def connection_range(field: models.IntegerField) -> tuple[int, int]:
    from django.db import connection

    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (-(2**63) if low is None else low), (2**63 - 1 if high is None else high)


def raw_sheet(fmt: SheetFormat, rows: list[list]) -> RawSheet:
    headers = [column.header for column in fmt.columns]
    return RawSheet("Sheet1", 1, [normalize_header(h) for h in headers], headers,
                    iter([(number, row) for number, row in enumerate(rows, start=2)]))


@pytest.mark.django_db
@pytest.mark.parametrize("make_format", [InventoryFormat, BaseLibraryFormat, ConversionFormat,
                                         lambda: AllocationFormat(Directory()), ConcordanceFormat],
                         ids=["inventory", "base_library", "conversions", "allocation", "concordance"])
@BOUNDED
@given(data=st.data())
def test_every_format_rejects_or_parses_into_values_that_fit(make_format, data):
    fmt = make_format()
    targets = TARGETS[fmt.name]
    rows = [[data.draw(st.one_of(st.none(), cell_values(surrogates=True)), label=c.header) for c in fmt.columns]
            for _ in range(data.draw(st.integers(1, 3), label="rows"))]
    headers = {column.header for column in fmt.columns}
    for item in iter_rows(raw_sheet(fmt, rows), fmt):
        if isinstance(item, ParsedRow):
            for key, value in item.values.items():
                assert_value_fits(value, targets.get(key))
            continue
        for error in item.errors:
            assert error.message and error.column in headers | {""}, error
            assert len(error.value) <= SHOWN_AT_MOST and storable(error.value), error


# --- the base library, end to end on the database in use (COPY on PostgreSQL) ---------------------

BASE_HEADERS = [column.header for column in BaseLibraryFormat.columns]
BASE_FREE_COLUMNS = ["专利名称", "申请日", "授权公告日", "授权公告号", "专利权人", "发明人", "分类号", "摘要",
                     "财政资助项目编号", "资助来源"]


def base_row() -> dict:
    from inventory.patents.identifiers import make_application_number

    return {"申请号": make_application_number(2023, "1", 123456), "专利名称": "一种基于深度学习的图像识别方法",
            "专利类型": "发明", "申请日": "2023-03-01", "授权公告日": "2024-01-05", "授权公告号": "CN116012345B",
            "法律状态": "有效", "专利权人": "北京示范大学", "专利权人统一社会信用代码": "", "发明人": "张三;李四",
            "主分类号": "G06F 16/30", "分类号": "G06F 16/30", "摘要": "本发明公开了一种图像识别方法。",
            "财政资助项目编号": "2022YFB1234567", "资助来源": "国家重点研发计划"}


@pytest.mark.usefixtures("media")
@settings(BOUNDED, max_examples=30)
@given(data=st.data(), kind=st.sampled_from(["csv", "xlsx"]))
def test_base_library_import_rejects_or_stores_every_generated_cell(world, tmp_path_factory, data, kind):
    from inventory.patents import base_library

    chosen = data.draw(st.lists(st.sampled_from(BASE_FREE_COLUMNS), min_size=1, max_size=3, unique=True))
    row = {**base_row(), **{column: data.draw(cell_values(), label=column) for column in chosen}}
    path = tmp_path_factory.mktemp("base") / f"基础库.{kind}"
    path.write_bytes(_sheet_of(BASE_HEADERS, [row], kind))
    with transaction.atomic():
        result = base_library.import_base_library(path, path.name, actor=world.user("operator"))
        assert not result.failure, result.failure
        for error in result.batch.errors:
            assert error["message"] and error["column"] in BASE_HEADERS, error
            assert len(error["value"]) <= SHOWN_AT_MOST and storable(error["value"]), error
        event("rejected" if result.rejected else "stored")
        if not result.rejected:
            patent = Patent.objects.get(application_number=row["申请号"])
            for column in BaseLibraryFormat.columns:
                assert_value_fits(getattr(patent, column.key), TARGETS["base_library"].get(column.key))
        transaction.set_rollback(True)


def _sheet_of(headers: list[str], rows: list[dict], kind: str) -> bytes:
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
        return buffer.getvalue().encode("utf-8")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([_xlsx_text(row.get(h)) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
