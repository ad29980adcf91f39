"""A small inventory sheet with deliberate errors in every column (and the forms people really write),
for the equivalence check of bench/bench_sheet_validation.py.

Rows start from one good row and change a cell or two. The sheet has a title row, a note row and a
blank row above its header, an unknown extra column, empty and white-space rows, formulas saved
without values (one in a row past the sheet's end), and cells that are not text: numbers, booleans,
dates, a time and tiny floats (python-calamine gives them typed; fastexcel's text columns do not).
`write_reduced_xlsx` writes the same rows without three optional columns (资助项目编号, 许可方式, 备注:
their cross-field rules then see None), under an alias header (意向价格), columns in reverse order.
"""

import datetime as dt
from pathlib import Path

from bench.generate import INVENTORY_HEADERS, check_character

EXTRA_HEADER = "内部编号"  # not in the standard: reported as unknown, ignored, but a row holding only it is not empty


def number(year: int, type_digit: str, serial: int) -> str:
    body = f"{year}{type_digit}{serial:07d}"
    return f"CN{body}.{check_character(body)}"


def body_with_check(check: str, year: int = 2021) -> str:
    """A 12-digit body whose check character is `check` (for numbers typed into a number cell)."""
    serial = 1
    while True:
        body = f"{year}1{serial:07d}"
        if check_character(body) == check:
            return body
        serial += 1


GOOD = {
    "申请号": "", "专利名称": "一种基于深度学习的图像识别方法", "所属二级单位": "计算机学院", "盘点负责人": "张伟",
    "是否财政资助": "否", "资助项目编号": "", "实施状态": "未实施", "技术成熟度": "5",
    "应用场景": "可应用于智能制造领域的缺陷检测场景。", "产业化前景": "较好", "价值分级自评": "A",
    "是否入库": "入库", "转化意愿": "转让、许可", "许可方式": "普通许可", "意向价格(万元)": 12.5,
    "处置建议": "重点推广", "所属产业": "1.5", "联系人": "李娜", "联系电话": "13912345678",
    "联系邮箱": "lina@example.edu.cn", "备注": "",
}

OLD_BODY = "95115608"  # DATA-STANDARD.md §1's old number: check character X
ZERO_BODY = body_with_check("0")


def written_forms() -> list[object]:
    """Accepted ways of writing an application number (DATA-STANDARD.md §1), each of another patent."""
    forms: list[object] = []
    for serial, write in enumerate([
        lambda body, check: f"ZL {body[:4]} {body[4]} {body[5:]}.{check}",
        lambda body, check: f"cn{body}.{check}",
        lambda body, check: f"  CN{body}.{check}  ",
        lambda body, check: f"CN{body}.{check}".translate(FULL_WIDTH),
        lambda body, check: f"{body}.{check}",
        lambda body, check: f"{body}{check}",
        lambda body, check: f"zl{body}{check}",
        lambda body, check: float(f"{body}{check}") if check != "X" else f"{body}X",
        lambda body, check: f"CN{body[:2]}{body[2:]}-{check}",
    ], start=500):
        canonical = number(2019, "8", serial)
        forms.append(write(canonical[2:14], canonical[-1]))
    return forms


FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "CN0123456789."})


def cases() -> list[dict[str, object]]:
    """Changes to the good row, one sheet row each (the application number is filled in when absent)."""
    long_text = "长" * 501
    return [
        {},
        *({"申请号": form} for form in written_forms()),
        {"申请号": "CN202310123456.7"}, {"申请号": "CN202310123456"}, {"申请号": "CN202340123456.1"},
        {"申请号": "CN199910123456.1"}, {"申请号": "CN203010123456.1"}, {"申请号": f"{OLD_BODY}.X"},
        {"申请号": f"{OLD_BODY}.1"}, {"申请号": "CN2023101234X6.6"}, {"申请号": "abc"}, {"申请号": "CN20231012345X"},
        {"申请号": ""}, {"申请号": "   "}, {"申请号": None}, {"申请号": float(ZERO_BODY)}, {"申请号": ZERO_BODY},
        {"申请号": float(ZERO_BODY + "0")}, {"申请号": True}, {"申请号": dt.date(2024, 3, 31)},
        {"申请号": "CN202310123456.6"},  # a duplicate of row 1's number (rejected: 与第 N 行重复)
        {"申请号": "CN202310123456.6", "技术成熟度": "10"},  # a duplicate, but rejected for its own error first
        {"专利名称": long_text}, {"专利名称": 12345.0}, {"专利名称": dt.date(2024, 3, 31)},
        {"所属二级单位": "系" * 101}, {"所属二级单位": 123.0}, {"所属二级单位": "ＡＢＣ学院"},
        {"盘点负责人": "名" * 65}, {"盘点负责人": "\u3000张三\u3000"}, {"盘点负责人": "\u2003王五\u00a0"},
        {"是否财政资助": ""}, {"是否财政资助": "Y", "资助项目编号": "62071234"}, {"是否财政资助": "n"},
        {"是否财政资助": 1.0, "资助项目编号": "62071234"}, {"是否财政资助": 0.0}, {"是否财政资助": "maybe"},
        {"是否财政资助": True}, {"是否财政资助": "是"}, {"资助项目编号": "编" * 201, "是否财政资助": "是"},
        {"实施状态": ""}, {"实施状态": "已产业化;未实施"}, {"实施状态": "未实施、自行实施"},
        {"实施状态": "自行实施;许可实施"}, {"实施状态": "未知"}, {"实施状态": "自行实施;自行实施"},
        {"技术成熟度": ""}, {"技术成熟度": "0"}, {"技术成熟度": "TRL 6"}, {"技术成熟度": "6级"},
        {"技术成熟度": "相关环境系统样机演示"}, {"技术成熟度": 6.0}, {"技术成熟度": 6.5}, {"技术成熟度": "abc"},
        {"技术成熟度": "trl7"}, {"技术成熟度": "6.0"},
        {"应用场景": ""}, {"应用场景": "景" * 501}, {"应用场景": "景" * 500},
        {"产业化前景": ""}, {"产业化前景": "高"}, {"产业化前景": "很好"}, {"产业化前景": "一般 "},
        {"价值分级自评": "D"}, {"价值分级自评": "a"}, {"价值分级自评": "A 高价值"}, {"价值分级自评": "Ａ"},
        {"是否入库": ""}, {"是否入库": "是"}, {"是否入库": "maybe"},
        {"转化意愿": "转让、暂无"}, {"转化意愿": "暂无"}, {"转化意愿": ""}, {"转化意愿": "许可", "许可方式": ""},
        {"转化意愿": "转让;未知"}, {"转化意愿": "转让;转让"}, {"是否入库": "不入库", "转化意愿": "", "许可方式": ""},
        {"许可方式": "永久许可"}, {"许可方式": "开放许可"},
        {"意向价格(万元)": -5.0}, {"意向价格(万元)": "abc"}, {"意向价格(万元)": 1e13}, {"意向价格(万元)": "1,000.5"},
        {"意向价格(万元)": "12.345"}, {"意向价格(万元)": "  7 "}, {"意向价格(万元)": 999999999999.99},
        {"意向价格(万元)": "inf"}, {"意向价格(万元)": 1.5e-07}, {"意向价格(万元)": -1.5e-07}, {"意向价格(万元)": "0.1"},
        {"意向价格(万元)": 12.345}, {"意向价格(万元)": True}, {"意向价格(万元)": ""},
        {"处置建议": "放弃维持"}, {"处置建议": "随便"}, {"处置建议": ""},
        {"所属产业": "1.5;2.1"}, {"所属产业": "人工智能"}, {"所属产业": "9.9"}, {"所属产业": "1.5，1.5"},
        {"联系人": "联" * 65},
        {"联系电话": "010-12345678"}, {"联系电话": "+86 139 1234 5678"}, {"联系电话": "12345"},
        {"联系电话": 13912345678.0}, {"联系电话": "１３９１２３４５６７８"}, {"联系电话": "+86-13912345678"},
        {"联系邮箱": "A@B.CN"}, {"联系邮箱": "bad@"}, {"联系邮箱": "x @y.cn"}, {"联系邮箱": "ｌｉ＠ｅｘ．ｃｎ"},
        {"备注": dt.date(2024, 3, 31)}, {"备注": dt.datetime(2024, 3, 31, 12, 30)}, {"备注": True},
        {"备注": 5e-05}, {"备注": dt.time(12, 0)}, {"备注": "true"}, {"备注": "2024-03-31 00:00:00"},
        {"备注": "=1+1"},  # a formula saved without a value, in an optional column
        {"技术成熟度": "=2+3"},  # and in a required one
    ]


def rows() -> list[list[object]]:
    result = []
    for serial, change in enumerate(cases(), start=1):
        values = {**GOOD, "申请号": number(2022, "1", serial), **change}
        result.append([values[header] for header in INVENTORY_HEADERS] + [""])
    return result


def write_messy_xlsx(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "填写说明"
    notes.append(["本表为示例,数据页在第二个工作表"])
    sheet = workbook.create_sheet("盘点结果")
    sheet.append(["华北示范理工大学存量专利盘点表"])
    sheet.append(["填表说明:带 * 为必填"])
    sheet.append([])
    sheet.append([*INVENTORY_HEADERS, EXTRA_HEADER])
    data = rows()
    data.insert(3, [None] * len(data[0]))  # an empty row (skipped)
    data.insert(7, ["  ", "", "\u3000", *[None] * (len(data[0]) - 3)])  # white space only (skipped)
    data.insert(9, [*[""] * len(INVENTORY_HEADERS), "X-001"])  # only the unknown column: not empty
    for row in data:
        sheet.append(row)
    # The first cell of the first data row written as the duplicates' original (rows above reuse it).
    sheet.cell(row=5, column=1, value="CN202310123456.6")
    last = sheet.max_row
    sheet.cell(row=last + 2, column=8, value="=4+4")  # a formula alone past the end (python-calamine omits it)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


DROPPED = ("资助项目编号", "许可方式", "备注")
# An optional column under its alias (a required one under an alias is refused by open_sheet, which
# looks for the standard headers only).
ALIASES = {"意向价格(万元)": "意向价格"}


def write_reduced_xlsx(path: Path) -> Path:
    import openpyxl

    keep = [i for i, header in enumerate(INVENTORY_HEADERS) if header not in DROPPED][::-1]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([ALIASES.get(INVENTORY_HEADERS[i], INVENTORY_HEADERS[i]) for i in keep])
    intents = INVENTORY_HEADERS.index("转化意愿")
    for row in rows():
        if row[intents] == GOOD["转化意愿"]:
            row[intents] = "转让"  # without 许可方式, 许可 would reject the row
        sheet.append([row[i] for i in keep])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
