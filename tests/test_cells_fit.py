"""Every value a sheet's row parser accepts fits the database field it is written to: lengths read
from the model fields, no NUL or other control characters, no unpaired surrogates, numbers in range.
A value that does not fit is a row error (Chinese, with row, column and the value shortened), never
a database error at staging or commit. (tests/test_cells_fit_property.py generates such values.)"""

import csv
import io
import re

import openpyxl
import pytest
from django.db import models

from accounts.allocation.format import AllocationFormat, Directory
from accounts.models import Organization, User
from ground.imports import problems as upload_problems
from ground.sheets import CellValueError, SheetFormat, cells, validate
from ground.sheets.reader import RawSheet, normalize_header
from inventory.conversions.sheet_format import ConversionFormat
from inventory.models import Conversion, ImportBatch, InventoryRecord, Patent
from inventory.patents.base_library_format import BaseLibraryFormat
from inventory.records.formats import InventoryFormat
from inventory.upload.importer import INVENTORY

from .test_inventory_upload import HEADERS, good_row, messages, run, snapshot

Status = ImportBatch.Status


def csv_bytes(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in HEADERS])
    return buffer.getvalue().encode("utf-8")


def raw_sheet(fmt: SheetFormat, rows: list[list]) -> RawSheet:
    """A sheet as the reader gives it (headers row 1), holding cells no file format could carry."""
    headers = [column.header for column in fmt.columns]
    return RawSheet("Sheet1", 1, [normalize_header(h) for h in headers], headers,
                    iter([(number, row) for number, row in enumerate(rows, start=2)]))


# --- the cell checks ------------------------------------------------------------------------------


def test_storable_refuses_nul_controls_and_surrogates_and_keeps_pasted_line_breaks():
    assert cells.storable("工业视觉\n质检\t") == "工业视觉\n质检\t"
    assert cells.storable("第一行\x0b第二行") == "第一行\n第二行"  # Word's manual line break
    for bad, code in [("含\x00", "U+0000"), ("含\x07", "U+0007"), ("含\ud800", "U+D800"), ("\x0b\x1f", "U+001F")]:
        with pytest.raises(CellValueError, match=re.escape(code)):
            cells.storable(bad)


def test_shown_values_are_short_and_printable():
    assert cells.shown("长" * 500) == "长" * cells.SHOWN_LENGTH + "…"
    assert cells.shown("a\x00b\udc80") == "a\ufffdb\ufffd"


def test_email_stops_at_the_fields_length():
    local = "a" * 64
    fitting = f"{local}@{'b' * (254 - len(local) - 5)}.com"
    assert len(fitting) == 254 and cells.email(fitting) == fitting
    with pytest.raises(CellValueError, match="254"):
        cells.email("x" + fitting)
    with pytest.raises(CellValueError, match="邮箱"):
        cells.email("a\x00@b.cn")


def test_messages_quote_a_long_value_shortened():
    with pytest.raises(CellValueError) as caught:
        cells.email("不是邮箱" * 10_000)
    assert len(str(caught.value)) < 200


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [InventoryFormat(), BaseLibraryFormat(), ConversionFormat(),
                                 AllocationFormat(Directory())], ids=lambda fmt: fmt.name)
def test_every_text_column_refuses_nul_with_row_column_and_value(fmt):
    """Whatever a column's parser, a text cell holding NUL is refused before it (the database
    cannot store it in text or jsonb)."""
    for column in fmt.columns:
        result = validate(raw_sheet(fmt, [[None] * len(fmt.columns)]), fmt)  # the row is blank: skipped
        assert not result.errors
        row = ["x\x00y" if c is column else None for c in fmt.columns]
        [error] = [e for e in validate(raw_sheet(fmt, [row]), fmt).errors if e.column == column.header]
        assert error.row == 2 and error.value == "x\ufffdy" and "U+0000" in error.message


# --- the lengths are the model fields' -----------------------------------------------------------

# Where each format's columns are written: {format name: {column key: the model field}}.
TARGETS = {
    "inventory": {**{f.name: f for f in InventoryRecord._meta.get_fields() if isinstance(f, models.Field)},
                  "title": Patent._meta.get_field("title")},
    "base_library": {f.name: f for f in Patent._meta.get_fields() if isinstance(f, models.Field)},
    "conversions": {f.name: f for f in Conversion._meta.get_fields() if isinstance(f, models.Field)},
    "account_allocation": {"name": Organization._meta.get_field("name"),
                           "admin_name": User._meta.get_field("full_name"),
                           "admin_email": User._meta.get_field("email")},
}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [InventoryFormat(), BaseLibraryFormat(), ConversionFormat(),
                                 AllocationFormat(Directory())], ids=lambda fmt: fmt.name)
def test_text_columns_are_as_long_as_their_model_fields(fmt):
    """A free-text column's parser has the length of the field it is written to: a value one
    character longer is refused, one of exactly that length accepted."""
    checked = 0
    for column in fmt.columns:
        field = TARGETS[fmt.name].get(column.key)
        if field is None or not isinstance(field, models.CharField | models.TextField):
            continue
        limit = getattr(column.parse, "max_length", None)
        if isinstance(field, models.TextField):
            assert column.parse is cells.text or limit is None, column.header
            continue
        if column.parse.__name__ in {"parse", "<lambda>"} and limit is not None:  # a text or e-mail parser
            assert limit == field.max_length, column.header
            checked += 1
    assert checked


# --- through the upload, on the database in use ----------------------------------------------------


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("column,value,fragment", [
    ("联系邮箱", "a" * 250 + "@example.edu.cn", "254"),
    ("备注", "含有\x00的备注", "U+0000"),
    ("应用场景", "工业\x00质检", "U+0000"),
    ("联系人", "李\x00老师", "U+0000"),
    ("资助项目编号", "\x01" + "2019YFB1000001", "U+0001"),
    ("所属二级单位", "院" * 101, "100"),
])
def test_upload_rejects_values_that_do_not_fit_the_database(world, bj, column, value, fragment):
    before = snapshot()
    batch = run(bj, csv_bytes([good_row(world.patents["bj_moe_private"], **{column: value})]), "盘点.csv")
    assert batch.status in (Status.VALIDATED, Status.FAILED) and batch.counts.get("new", 0) == 0, batch.errors
    assert fragment in messages(batch)[(2, column)]
    [error] = [e for e in batch.errors if e["column"] == column]
    assert len(error["value"]) <= cells.SHOWN_LENGTH + 1 and "\x00" not in error["value"]
    assert snapshot() == before
    # The error report holds the row as read, the character it cannot hold replaced.
    assert upload_problems.ensure_error_report(batch, INVENTORY.batches)
    sheet = openpyxl.load_workbook(batch.error_report.path).active
    written = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert cells.replace_unstorable(value) in written


@pytest.mark.usefixtures("media")
def test_upload_keeps_pasted_line_breaks_and_commits(world, bj):
    from ground import imports

    patent = world.patents["bj_moe_private"]
    batch = run(bj, csv_bytes([good_row(patent, 备注="第一行\x0b第二行")]), "盘点.csv")
    assert batch.status == Status.VALIDATED and batch.counts["new"] == 1, batch.errors
    imports.commit(INVENTORY, actor=bj, batch=batch)
    assert InventoryRecord.objects.get(patent=patent).remarks == "第一行\n第二行"


def test_storable_refuses_the_non_characters_no_sheet_or_docx_can_hold():
    """U+FFFE and U+FFFF are not characters of XML 1.0: stored, they would break every export."""
    for bad, code in [("含\ufffe", "U+FFFE"), ("\uffff", "U+FFFF")]:
        with pytest.raises(CellValueError, match=re.escape(code)):
            cells.storable(bad)
    assert cells.shown("a\ufffeb") == "a\ufffdb"
