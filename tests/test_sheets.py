"""The shared sheet reader: header detection below title rows, folding, errors with row and column."""

import datetime as dt

import openpyxl
import pytest

from ground.sheets import Column, SheetError, SheetFormat, cells, open_sheet, validate


class PeopleFormat(SheetFormat):
    name = "people"
    columns = [
        Column("姓名", "name", cells.text, required=True),
        Column("出生日期", "born", cells.date, required=True),
        Column("是否在职", "active", cells.boolean),
        Column("电话", "phone", cells.phone),
    ]
    unique_key = "name"

    def clean_row(self, values, error, warn):
        if values["active"] and not values["phone"]:
            error("电话", "在职人员须填写电话")


def write_xlsx(path, rows, sheets_before=0):
    wb = openpyxl.Workbook()
    ws = wb.active
    for index in range(sheets_before):
        ws.title = f"说明{index}"
        ws.append(["这是说明"])
        ws = wb.create_sheet()
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_header_below_merged_title_and_instructions_sheet(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        ["XX大学存量专利盘点表"], [], ["姓 名", "出生日期", "是否在职", "电话", "多余列"],
        ["张三", dt.date(1990, 3, 1), "是", "13800138000", "x"],
        [None, None, None, None],
        ["李四", 45000, "否", None],
        ["张三", "2024年3月31日", "N", None],
        ["王五", "2024-02-30", "Y", None],
        ["赵六", "2020-01-01", "是", None],
    ], sheets_before=1)
    sheet = open_sheet(path, "a.xlsx", PeopleFormat().required_headers)
    assert sheet.header_row == 3
    result = validate(sheet, PeopleFormat())
    assert [r.row_number for r in result.rows] == [4, 6]
    assert result.rows[1].values["born"] == dt.date(2023, 3, 15)
    assert result.unknown_columns == ["多余列"]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "与第 4 行重复" in messages[(7, "姓名")]
    assert "不存在" in messages[(8, "出生日期")]
    assert "须填写电话" in messages[(9, "电话")]


def test_missing_required_column_is_named(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", [["姓名", "电话"], ["张三", "13800138000"]])
    with pytest.raises(SheetError, match="出生日期"):
        open_sheet(path, "b.xlsx", PeopleFormat().required_headers)


def test_csv_in_gb18030_with_full_width(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("姓名,出生日期,是否在职,电话\n张三,２０２４／３／１,是,１３８００１３８０００\n".encode("gb18030"))
    result = validate(open_sheet(path, "c.csv", PeopleFormat().required_headers), PeopleFormat())
    assert result.rows[0].values == {"name": "张三", "born": dt.date(2024, 3, 1), "active": True,
                                     "phone": "13800138000"}


@pytest.mark.parametrize("content,name,message", [
    (b"", "x.xlsx", "空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "x.xls", ".xls"),
    (b"%PDF-1.4", "x.pdf", "不支持"),
    (b"just text", "x.xlsx", "不是 Excel"),
])
def test_unreadable_files(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError, match=message):
        open_sheet(path, name, ["姓名"])


def test_zip_bomb_refused(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(SheetError, match="压缩炸弹"):
        open_sheet(path, "bomb.xlsx", ["姓名"])


@pytest.mark.parametrize("raw,expected", [
    ("2024-03-31", dt.date(2024, 3, 31)), ("2024/3/31", dt.date(2024, 3, 31)),
    ("2024.03.31", dt.date(2024, 3, 31)), ("20240331", dt.date(2024, 3, 31)), (20240331, dt.date(2024, 3, 31)),
    ("2024年3月31日", dt.date(2024, 3, 31)), (45382, dt.date(2024, 3, 31)),
    (dt.datetime(2024, 3, 31, 8, 0), dt.date(2024, 3, 31)),
])
def test_dates(raw, expected):
    assert cells.date(raw) == expected


@pytest.mark.parametrize("raw", ["2024-02-30", "31/03/2024", "下周", "2024-13-01"])
def test_bad_dates(raw):
    with pytest.raises(cells.CellValueError):
        cells.date(raw)
