"""The allocation's sheets: the template, and the result sheet with the one-time passwords."""

import io

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.allocation.format import LOCAL, RESULT_HEADERS, AllocationFormat
from accounts.allocation.writing import AllocatedRow
from ground.sheets.report import printable

# 单位类型: the listed values only (no synonyms are listed in the standard).

# --- sheets ------------------------------------------------------------------------------------


def _text_cell(ws, value: object) -> WriteOnlyCell:
    """A cell always stored as text: a value starting with = + - @ never becomes a formula."""
    cell = WriteOnlyCell(ws, value="" if value is None else printable(str(value)))
    cell.data_type = "s"
    return cell


def build_result_sheet(rows: list[AllocatedRow]) -> bytes:
    """The result .xlsx: each row's organisation, username, one-time password and status."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("分配结果"))
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["D"].width = 24
    ws.column_dimensions["E"].width = 16
    ws.column_dimensions["F"].width = 16
    ws.append([_text_cell(ws, h) for h in RESULT_HEADERS])
    for row in rows:
        ws.append([
            row.row_number,
            *(_text_cell(ws, value) for value in
              (row.organization_name, row.organization_status, row.username, row.password, row.status)),
        ])
    notes = wb.create_sheet(_("说明"))
    for line in (
        _("初始密码只在本表中出现一次,平台不保存明文;请通过安全渠道分别交给各单位管理员,分发后删除本文件。"),
        _("管理员首次登录须修改初始密码。"),
        _("“已存在,未变更”的账号未生成新密码;如需重置密码,请联系系统管理员。"),
    ):
        notes.append([_text_cell(notes, line)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_template() -> bytes:
    """A blank allocation sheet: the headers in order, drop-down lists, and an instructions sheet."""
    fmt = AllocationFormat()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = fmt.title
    ws.append([c.header for c in fmt.columns])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    last_row = 2000
    for index, column in enumerate(fmt.columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = bold
        if column.header in fmt.present_headers:
            cell.fill = required_fill
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.key in {"credit_code", "admin_phone", "province", "username"}:
            # Text columns: Excel would otherwise turn 13800138000 into 1.38E+10.
            ws.column_dimensions[letter].number_format = "@"
        supervisors = (LOCAL, *(m.name for m in fmt.directory.ministry_list))
        choices = column.choices or (supervisors if column.key == "supervisor" else ())
        if choices and len(",".join(choices)) <= 255:  # Excel's limit for an inline list
            validation = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                # 主管部门 also accepts aliases (中科院), so its list only suggests.
                showErrorMessage=column.key != "supervisor",
                errorTitle=_("不是可选值"), error=_("请从下拉列表中选择"),
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("账号分配表填写说明(国家专利导航综合服务平台)")])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([_("每行一个单位;表头须保持不变。带底色的列必须存在;部委和省级知识产权局已在平台登记,填写后为其分配管理员账号。")])
    notes.append([])
    notes.append([_("列名"), _("是否必填"), _("填写说明")])
    for cell in notes[4]:
        cell.font = bold
    conditional = {"credit_code": _("高校、科研机构和医院必填"), "province": _("部委以外必填"),
                   "supervisor": _("高校、科研机构和医院必填")}
    for column in fmt.columns:
        need = _("必填") if column.required else conditional.get(column.key, _("选填"))
        notes.append([column.header, need, str(column.help)])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 26
    notes.column_dimensions["C"].width = 90
    for row in notes.iter_rows(min_row=5):
        row[2].alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
