"""Templates for the exchange formats: a data sheet with exactly the standard's headers in order,
an instructions sheet (填写说明) with each column's rules, drop-down lists for every enumerated
column, and cell formats set (text for codes and numbers written as text, dates, numbers).

The same writer fills the template with rows (an institution's patents pre-filled for offline
editing); it writes in openpyxl's write-only mode, one row at a time, so memory stays flat
however many rows there are.
"""

from collections.abc import Iterable, Sequence
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ground.sheets.formats import Column, SheetFormat
from ground.sheets.report import text_cell

TEXT = "@"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
REQUIRED_FONT = Font(bold=True, color="C00000")
OPTIONAL_FONT = Font(bold=True)
MAX_ROW = 1048576
# Excel refuses an inline list longer than 255 characters; longer lists go to a hidden sheet.
INLINE_LIST_LIMIT = 255
OPTIONS_SHEET = "选项"
INSTRUCTIONS_SHEET = "填写说明"  # named as DATA-STANDARD.md names it, whatever the interface language


def general_rules() -> list[str]:
    """The sheet rules of DATA-STANDARD.md, as the instructions sheet states them."""
    return [
        _("表头必须与本模板一致(列名前后的空格、全角字符会自动处理);顺序可以调整,多余的列会被忽略并提示。"),
        _("表头上方可以保留不超过 10 行标题或说明(如合并单元格的“XX大学存量专利盘点表”)。"),
        _("必填列(红色列名)每行都要填写;空行会被跳过。"),
        _("一个单元格内填写多项时,用分号、顿号或逗号分隔。"),
        _("日期可写作 2024-03-31、2024/3/31、2024.03.31、20240331 或 2024年3月31日,也可使用 Excel 日期。"),
        _("公式单元格按其保存的计算结果读取;请保存后再上传。"),
        _("可选值只能从下拉列表或本说明所列的值(含同义词)中选择。"),
    ]


def _column_format(column: Column) -> str:
    return column.number_format or TEXT


def _choices_formula(column: Column, options_sheet, options_column: int) -> tuple[str, int]:
    """The data validation formula listing the column's choices (inline, or on the options sheet)."""
    inline = ",".join(column.choices)
    if len(inline) + 2 <= INLINE_LIST_LIMIT and not any("," in choice or '"' in choice for choice in column.choices):
        return f'"{inline}"', options_column
    options_column += 1
    letter = get_column_letter(options_column)
    for row, choice in enumerate(column.choices, start=1):
        options_sheet.setdefault(row, {})[options_column] = choice
    return f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$1:${letter}${len(column.choices)}", options_column


def write_template(
    target: str | IO[bytes],
    fmt: SheetFormat,
    *,
    rows: Iterable[Sequence[object]] = (),
    sheet_title: str | None = None,
    notes: Sequence[str] = (),
) -> int:
    """Write the format's template to `target` (a path or a binary file), with `rows` (values in
    the format's column order) below the header. Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet_title or str(fmt.title or fmt.name or _("数据")))
    columns = list(fmt.columns)

    # Column formats and widths are set before the first row (write-only mode).
    for index, column in enumerate(columns, start=1):
        dimension = data.column_dimensions[get_column_letter(index)]
        dimension.width = max(10, min(40, len(column.header) * 2 + 4))
        dimension.number_format = _column_format(column)
    data.freeze_panes = "B2"

    options: dict[int, dict[int, str]] = {}
    options_column = 0
    for index, column in enumerate(columns, start=1):
        if not column.choices:
            continue
        formula, options_column = _choices_formula(column, options, options_column)
        letter = get_column_letter(index)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.promptTitle = column.header[:32]
        validation.prompt = str(column.help)[:255] if column.help else ""
        validation.showInputMessage = bool(column.help)
        if column.multiple:
            # A list cell holds several choices: the drop-down suggests, a warning lets other text through.
            validation.errorStyle = "warning"
            validation.error = _("可多选,用分号分隔;请确认每一项都是可选值")
        else:
            validation.error = _("请从下拉列表中选择")
        validation.errorTitle = column.header[:32]
        validation.showErrorMessage = True
        validation.add(f"{letter}2:{letter}{MAX_ROW}")
        data.data_validations.append(validation)

    header = []
    for column in columns:
        cell = WriteOnlyCell(data, column.header)
        cell.font = REQUIRED_FONT if column.required else OPTIONAL_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    data.append(header)

    formats = [_column_format(column) for column in columns]
    written = 0
    for values in rows:
        row = []
        for value, number_format in zip(values, formats, strict=False):
            if value is None:
                row.append(None)
                continue
            cell = text_cell(data, value)
            cell.number_format = number_format
            row.append(cell)
        data.append(row)
        written += 1

    _write_instructions(workbook, fmt, columns, notes)
    if options:
        sheet = workbook.create_sheet(OPTIONS_SHEET)
        sheet.sheet_state = "hidden"
        for row in sorted(options):
            sheet.append([options[row].get(col) for col in range(1, options_column + 1)])
    workbook.save(target)
    return written


def _write_instructions(workbook: Workbook, fmt: SheetFormat, columns: list[Column], notes: Sequence[str]) -> None:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCD", (22, 10, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    title = WriteOnlyCell(sheet, _("%(title)s 填写说明") % {"title": fmt.title or fmt.name})
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for note in [*general_rules(), *notes]:
        cell = WriteOnlyCell(sheet, "· " + note)
        cell.alignment = Alignment(wrap_text=False)
        sheet.append([cell])
    sheet.append([])
    heads = []
    for text in (_("列名"), _("是否必填"), _("填写说明"), _("可选值")):
        cell = WriteOnlyCell(sheet, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        heads.append(cell)
    sheet.append(heads)
    for column in columns:
        cells = [
            WriteOnlyCell(sheet, column.header),
            WriteOnlyCell(sheet, _("必填") if column.required else _("选填")),
            WriteOnlyCell(sheet, str(column.help) if column.help else ""),
            WriteOnlyCell(sheet, "、".join(column.choices) if column.choices else ""),
        ]
        if column.required:
            cells[0].font = REQUIRED_FONT
        for cell in cells:
            cell.alignment = wrap
        sheet.append(cells)
