"""What the column-wise engines share: each inventory column's column-wise rule, the header search,
the formula scan, the cross-field rules of DATA-STANDARD.md §3 as named masks, and the result type.

Every rule keeps one property: a cell the column-wise path accepts gets the value the column's own
`parse` would give it; every other non-blank cell (rejected, unusual, or of a type the path does not
handle) goes to that `parse`, which accepts it or says, in Chinese, what is wrong. So the messages
stay in the project's parsers and the column-wise path only has to be right where it says yes.
"""

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.utils.translation import gettext as _

from ground.sheets import cells
from ground.sheets.errors import CellError, SheetError
from ground.sheets.formats import SheetFormat, SheetLayout, formula_without_value_message
from ground.sheets.reader import MAX_TITLE_ROWS, RawSheet, _find_header, formulas_without_values, normalize_header
from inventory.choices import Disposal, Intent, Screening
from inventory.patents import identifiers

# The characters Python's str.strip() and str.isspace() treat as white space (Rust's and so polars'
# white space lacks U+001C–U+001F): the polars engine strips exactly these.
PY_WHITESPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
ASCII_WHITESPACE = "".join(c for c in PY_WHITESPACE if c.isascii())

Kind = Literal["application_number", "text", "decimal", "phone", "email", "distinct"]


@dataclass(frozen=True)
class ColumnRule:
    """How a column validates column-wise.

    application_number, text, decimal, phone, email: column expressions (polars over the column;
    pandas over the column's distinct texts, which it dictionary-encodes first).
    distinct: the column's own parse, once per distinct text, joined back (enumerations, lists of
    them, 技术成熟度, 实施状态: few distinct values, rules with several messages). The max lengths
    repeat InventoryFormat's text_max arguments (a parser's closure does not show them).
    """

    kind: Kind
    max_length: int | None = None  # text


INVENTORY_RULES: dict[str, ColumnRule] = {
    "application_number": ColumnRule("application_number"),
    "title": ColumnRule("text", 500),
    "department": ColumnRule("text", 100),
    "responsible_person": ColumnRule("text", 64),
    "is_financially_funded": ColumnRule("distinct"),
    "funding_project_number": ColumnRule("text", 200),
    "implementation_status": ColumnRule("distinct"),
    "maturity": ColumnRule("distinct"),
    "scenarios": ColumnRule("text", 500),
    "prospect": ColumnRule("distinct"),
    "value_grade": ColumnRule("distinct"),
    "screening": ColumnRule("distinct"),
    "intents": ColumnRule("distinct"),
    "license_type": ColumnRule("distinct"),
    "asking_price": ColumnRule("decimal"),
    "disposal": ColumnRule("distinct"),
    "industry_codes": ColumnRule("distinct"),
    "contact_name": ColumnRule("text", 64),
    "contact_phone": ColumnRule("phone"),
    "contact_email": ColumnRule("email"),
    "remarks": ColumnRule("text"),
}

# 意向价格: the column-wise path takes numbers with at most two decimals, 0 to just below the format's
# maximum (999999999999.99); a float that near the maximum may stand for a decimal above it.
PRICE_VECTOR_MAX = 999_999_999_999.98
APPLICATION_WEIGHTS = identifiers.WEIGHTS  # DATA-STANDARD.md §1
# For polars (Rust regex): cells._MOBILE | cells._LANDLINE, and cells._EMAIL, on ASCII text.
PHONE_PATTERN = r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$"


def email_pattern() -> str:
    """cells._EMAIL for ASCII text in Rust regex, Python's white space spelled out (Rust's \\s differs)."""
    space = "".join(f"\\x{{{ord(c):x}}}" for c in ASCII_WHITESPACE)
    return f"^[^@{space}]+@[^@{space}]+\\.[^@{space}]+$"


def whitespace_class() -> str:
    """A regex class of Python's white space, for polars (Rust regex) patterns."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in PY_WHITESPACE)


def check_rules(fmt: SheetFormat) -> None:
    keys = [column.key for column in fmt.columns]
    assert keys == list(INVENTORY_RULES), "every column of the format needs a column-wise rule"


# --- messages that iter_rows writes itself (clean_row's come from clean_row: see CROSS_RULES) ------

def required_message() -> str:
    return _("必填项为空")


def duplicate_message(first_row: int) -> str:
    return _("与第 %(row)d 行重复") % {"row": first_row}


FORMULA_MESSAGE: Callable[[], str] = formula_without_value_message


# --- the sheet: header row, layout, formulas saved without values -------------------------------

@dataclass
class SheetHead:
    name: str
    header_row: int  # 1-based, as Excel shows it (python-calamine's first row counts as 1)
    layout: SheetLayout
    index_of: dict[str, int]  # column header -> index in the row (the messages' written values)


def find_head(sheets: list[tuple[str, Callable[[], list[list[Any]]]]], fmt: SheetFormat) -> SheetHead | None:
    """The first sheet holding the required headers, by ground.sheets.reader's own header search.
    `sheets`: (name, a function giving the sheet's first MAX_TITLE_ROWS + 2 rows)."""
    required = {normalize_header(h) for h in fmt.required_headers}
    for name, first_rows in sheets:
        found = _find_header(iter(enumerate(first_rows(), start=1)), required)
        if found is None:
            continue
        header_row, headers, original = found
        layout = SheetLayout(RawSheet(name, header_row, headers, original, iter(())), fmt)
        index_of = {column.header: index for index, column in layout.positions}
        return SheetHead(name, header_row, layout, index_of)
    return None


HEAD_ROWS = MAX_TITLE_ROWS + 2


def no_header_error(fmt: SheetFormat) -> SheetError:
    return SheetError(f"no sheet holds the required headers {fmt.required_headers}")


_SCANNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-formula-scan")


def start_formula_scan(path: Path, sheet_name: str) -> Future:
    """ground.sheets.reader's formula scan, beside the read (as open_sheet runs it)."""
    return _SCANNER.submit(formulas_without_values, path, sheet_name)


def formula_cells(found: set[tuple[int, int]], header_row: int, offset: int) -> dict[int, set[int]]:
    """Row -> indexes (in the row's cells) of formula cells saved without a value, below the header."""
    rows: dict[int, set[int]] = {}
    for row, column in found:
        if row > header_row and column >= offset:
            rows.setdefault(row, set()).add(column - offset)
    return rows


# --- cross-field rules (clean_row) as masks ------------------------------------------------------

@dataclass(frozen=True)
class CrossRule:
    """One rule of InventoryFormat.clean_row: `name` picks the engine's mask; `probe` is a row that
    breaks only this rule, given to clean_row to learn the column and message it reports."""

    name: str
    probe: dict[str, object]


CROSS_RULES = (
    CrossRule("funded_without_number", {"is_financially_funded": True}),
    CrossRule("none_with_others", {"intents": [Intent.NONE, Intent.TRANSFER]}),
    CrossRule("in_library_without_intent", {"screening": Screening.IN, "intents": []}),
    CrossRule("in_library_abandoned", {"screening": Screening.IN, "intents": [Intent.TRANSFER],
                                       "disposal": Disposal.ABANDON}),
    CrossRule("licence_missing", {"intents": [Intent.LICENSE]}),
)


def cross_rule_messages(fmt: SheetFormat) -> dict[str, tuple[str, str]]:
    """Rule name -> (column header, message), as clean_row reports them."""
    found: dict[str, tuple[str, str]] = {}
    for rule in CROSS_RULES:
        reported: list[tuple[str, str]] = []
        fmt.clean_row(dict(rule.probe), lambda header, message, _r=reported: _r.append((header, message)),
                      lambda header, message: None)
        assert len(reported) == 1, (rule.name, reported)
        found[rule.name] = reported[0]
    return found


# Values the masks compare with (TextChoices are str: the engines hold their values as plain text).
INTENT_NONE, INTENT_LICENSE = str(Intent.NONE.value), str(Intent.LICENSE.value)
SCREENING_IN, DISPOSAL_ABANDON = str(Screening.IN.value), str(Disposal.ABANDON.value)


# --- the result ----------------------------------------------------------------------------------

def written(value: object) -> str:
    """A cell as an error record shows it (iter_rows: cells.fold of the raw cell)."""
    return cells.fold(value)


def plain(value: object) -> object:
    """A parsed value as the column-wise frames hold it: TextChoices as their text, lists of them too."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    return value


@dataclass
class ColumnarResult:
    """Parsed values, column by column, plus every cell error.

    `frame`: the engine's frame (row_number, then one column per present key; 意向价格 in cents).
    `rows()`: the accepted rows as iter_rows' ParsedRow.values would hold them (materialised on demand).
    """

    frame: Any
    errors: list[CellError]
    rejected: set[int]
    rows: Callable[[], dict[int, dict[str, object]]] = field(repr=False)
    fallback_cells: int = 0  # non-blank cells that went to the column's Python parse


def rows_from_columns(row_numbers: list[int], columns: dict[str, list], absent: list[str]) -> dict[int, dict]:
    """Accepted rows as iter_rows' ParsedRow.values hold them, from the engines' columns (意向价格 in cents)."""
    if "asking_price" in columns:
        columns["asking_price"] = [None if c is None else Decimal(c).scaleb(-2) for c in columns["asking_price"]]
    keys = [*absent, *columns]
    blanks = [None] * len(absent)
    return {row: dict(zip(keys, [*blanks, *values], strict=True))
            for row, values in zip(row_numbers, zip(*columns.values(), strict=True), strict=True)}
