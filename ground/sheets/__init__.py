"""Reading the exchange sheets of DATA-STANDARD.md: one reader, declared columns, every
problem reported with its row, column and value in Chinese.

    fmt = SheetFormat("account_allocation", columns=[Column("单位名称", "name", cells.text, required=True), ...])
    result = validate(open_sheet(path, "accounts.xlsx"), fmt)
    result.rows      # [ParsedRow(row_number, values)] that passed
    result.errors    # [CellError(row, column, value, message)]

`open_sheet` reads the file in a child process held to the memory and time of SheetLimits
(ground.sheets.bounded), after the package's checks (ground.sheets.limits).
"""

from ground.sheets.bounded import open_sheet
from ground.sheets.errors import CellError, CellValueError, SheetError
from ground.sheets.formats import Column, ParsedRow, SheetFormat, ValidationResult, validate
from ground.sheets.reader import RawSheet

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
