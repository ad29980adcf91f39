from dataclasses import dataclass


class SheetError(Exception):
    """The file as a whole cannot be read (empty, wrong format, missing column, too large…).
    The message is Chinese and meant for the person who uploaded the file."""


class CellValueError(ValueError):
    """Raised by a cell parser; the message says what is wrong with the value, in Chinese."""


@dataclass(frozen=True)
class CellError:
    row: int  # the sheet's own row number, as Excel shows it
    column: str  # the column header as the standard names it ("" for a whole-row problem)
    value: str
    message: str
    level: str = "error"  # "error" rejects the row; "warning" is shown but the row is kept

    def as_text(self) -> str:
        where = f"第{self.row}行" + (f"「{self.column}」列" if self.column else "")
        shown = f"(值:{self.value})" if self.value else ""
        return f"{where}{shown}:{self.message}"
