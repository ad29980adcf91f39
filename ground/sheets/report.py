"""Error reports: the uploaded rows that have problems, as they were, with each bad cell filled
red (warnings yellow) and a last column of Chinese messages. The person fixes the rows in the
report itself and uploads it again: the extra message column is reported and ignored. Control
characters a worksheet cannot hold (NUL and the like, from a broken file) are shown as "\ufffd"."""

from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ground.sheets.cells import replace_unstorable
from ground.sheets.errors import CellError

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
WARNING_FONT = Font(color="9C5700")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
MESSAGE_HEADER = "错误说明"  # the last column; not a standard header, so a re-upload ignores it


def printable(value: object) -> object:
    """`value`, its characters a worksheet cannot hold replaced by "\ufffd" when it is text (the
    C0 controls openpyxl refuses, and the surrogates and non-characters lxml refuses on saving)."""
    return replace_unstorable(value) if isinstance(value, str) else value


def text_cell(sheet, value: object) -> WriteOnlyCell:
    """A cell holding `value`; text stays text even when it starts with "=" (openpyxl would
    otherwise write it as a formula: formula injection into whoever opens the sheet)."""
    value = printable(value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def write_error_report(
    target: str | IO[bytes],
    *,
    headers: Sequence[str],
    rows: Iterable[tuple[int, Sequence[object]]],
    problems: Mapping[int, Sequence[CellError]],
    column_index: Mapping[str, int],
    notes: Sequence[str] = (),
) -> int:
    """Write the report to `target`.

    headers: the file's own header cells, in its order. rows: (sheet row number, raw cells) of the
    rows to report, in order. problems: row number -> its errors and warnings. column_index: a
    standard column header -> its index in `headers`. notes: file-level remarks (unknown columns…),
    written above the table. Returns the number of rows written.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误报告"))
    width = len(headers)
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.column_dimensions[get_column_letter(width + 1)].width = 70
    for note in notes:
        sheet.append([printable(note)])
    if notes:
        sheet.append([])
    head = []
    for text in [*headers, MESSAGE_HEADER]:
        cell = WriteOnlyCell(sheet, printable(text))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        head.append(cell)
    sheet.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    written = 0
    for row_number, raw in rows:
        found = problems.get(row_number, ())
        styled: dict[int, str] = {}
        for problem in found:
            index = column_index.get(problem.column)
            if index is not None and styled.get(index) != "error":
                styled[index] = problem.level
        cells = []
        for index in range(width):
            value = raw[index] if index < len(raw) else None
            cell = text_cell(sheet, value)
            level = styled.get(index)
            if level == "error":
                cell.fill, cell.font = ERROR_FILL, ERROR_FONT
            elif level == "warning":
                cell.fill, cell.font = WARNING_FILL, WARNING_FONT
            cells.append(cell)
        message = WriteOnlyCell(sheet, printable("\n".join(problem.as_text() for problem in found)))
        message.alignment = wrap
        message.font = ERROR_FONT if any(p.level == "error" for p in found) else WARNING_FONT
        cells.append(message)
        sheet.append(cells)
        written += 1
    workbook.save(target)
    return written
