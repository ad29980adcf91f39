"""Reading the exchange sheets of DATA-STANDARD.md: one reader, declared columns, every
problem reported with its row, column and value in Chinese.

    fmt = SheetFormat("account_allocation", columns=[Column("单位名称", "name", cells.text, required=True), ...])
    result = validate(open_sheet(path, "accounts.xlsx"), fmt)
    result.rows      # [ParsedRow(row_number, values)] that passed
    result.errors    # [CellError(row, column, value, message)]
"""

from ground.sheets.errors import CellError, CellValueError, SheetError
from ground.sheets.formats import Column, ParsedRow, SheetFormat, ValidationResult, validate
from ground.sheets.reader import RawSheet, open_sheet

__all__ = [
    "CellError",
    "CellValueError",
    "Column",
    "ParsedRow",
    "RawSheet",
    "SheetError",
    "SheetFormat",
    "ValidationResult",
    "open_sheet",
    "validate",
]
