"""Declared columns and row validation, shared by every exchange format."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ground.sheets import cells
from ground.sheets.errors import CellError, CellValueError
from ground.sheets.reader import RawSheet, normalize_header

ErrorSink = Callable[[str, str], None]  # (column header, Chinese message)


@dataclass(frozen=True)
class Column:
    header: str  # exactly as DATA-STANDARD.md names it; templates carry it verbatim
    key: str
    parse: Callable[[object], object] = cells.text
    required: bool = False  # the column must exist and every row must fill it
    help: str = ""  # shown on the template's instructions sheet
    choices: tuple[str, ...] = ()  # the drop-down list in templates
    aliases: tuple[str, ...] = ()  # other header spellings met in the wild
    number_format: str = ""  # the cell format in templates ("" = text "@"; "yyyy-mm-dd", "0.00"…)
    multiple: bool = False  # a list cell: the template's drop-down suggests but does not restrict
    # Values repeat across rows (enumerations, departments): iter_rows parses each distinct text once.
    # Only for parsers whose result depends on the text alone and is never changed by the caller.
    repeats: bool = False


@dataclass
class ParsedRow:
    row_number: int
    values: dict[str, object]
    warnings: list[CellError] = field(default_factory=list)
    raw: list[object] | None = field(default=None, repr=False)  # the cells as read (for error reports)


@dataclass
class RejectedRow:
    row_number: int
    raw: list[object]
    errors: list[CellError]


class SheetFormat:
    """A format is its columns plus optional cross-field rules (`clean_row`).

    `unique_key` names the column whose value may appear only once in a file.
    """

    name: str = ""
    title: str = ""
    columns: list[Column] = []
    unique_key: str | None = None

    def clean_row(self, values: dict[str, object], error: ErrorSink, warn: ErrorSink) -> None:
        """Cross-field rules; call error(column_header, message) for each violation."""

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def unique_index(self) -> "UniqueIndex":
        """Where `iter_rows` remembers the `unique_key` values met so far. A format read in millions
        of rows (the base library) returns a compact one: a dict costs ~150 bytes a key."""
        return UniqueIndex()


class UniqueIndex:
    """The row that first held each unique key of a file."""

    def __init__(self) -> None:
        self._first: dict[object, int] = {}

    def first_row(self, key: object, row_number: int) -> int | None:
        """The row that held `key` before, or None (and `key` is remembered as `row_number`'s)."""
        first = self._first.get(key)
        if first is None:
            self._first[key] = row_number
        return first


@dataclass
class ValidationResult:
    sheet: RawSheet
    rows: list[ParsedRow]
    rejected: list[RejectedRow]
    unknown_columns: list[str]

    @property
    def errors(self) -> list[CellError]:
        return [error for row in self.rejected for error in row.errors]

    @property
    def warnings(self) -> list[CellError]:
        return [warning for row in self.rows for warning in row.warnings]

    @property
    def total_rows(self) -> int:
        return len(self.rows) + len(self.rejected)


class SheetLayout:
    """Where each declared column sits in this particular file."""

    def __init__(self, sheet: RawSheet, fmt: SheetFormat) -> None:
        wanted: dict[str, Column] = {}
        for column in fmt.columns:
            for spelling in (column.header, *column.aliases):
                wanted[normalize_header(spelling)] = column
        self.positions: list[tuple[int, Column]] = []
        self.unknown: list[str] = []
        seen: set[str] = set()
        for index, header in enumerate(sheet.headers):
            column = wanted.get(header)
            if column is None:
                if header:
                    self.unknown.append(sheet.original_headers[index].strip())
            elif column.key not in seen:
                seen.add(column.key)
                self.positions.append((index, column))
        self.absent = [c for c in fmt.columns if c.key not in seen]

    @property
    def present_keys(self) -> list[str]:
        """Keys of the declared columns the file has (an absent optional column leaves its field alone)."""
        return [column.key for _, column in self.positions]


def iter_rows(
    sheet: RawSheet, fmt: SheetFormat, layout: "SheetLayout | None" = None
) -> Iterator[ParsedRow | RejectedRow]:
    """Parse and check each data row; yields a ParsedRow, or a RejectedRow with all its errors."""
    layout = layout or SheetLayout(sheet, fmt)
    first_seen = fmt.unique_index()
    # A formula cell counts by its saved value; one saved without a value is an error (DATA-STANDARD.md).
    formula_rows = _uncached_formula_cells(sheet)
    # The hot loop (millions of cells): the columns unpacked once, blank cells tested inline.
    positions = _unpacked_positions(layout)
    absent = {c.key: None for c in layout.absent}
    is_blank, storable, shown = cells.is_blank, cells.storable, cells.shown
    # Cross-field messages show the cell as the person wrote it ("暂无"), not its parsed value.
    index_of = {column.header: index for index, column in layout.positions}
    # A format without row rules needs only the unique-column check (no closures per row).
    across = _check_across_cells if type(fmt).clean_row is not SheetFormat.clean_row else _check_unique
    rows = _with_formula_rows(sheet.rows(), formula_rows, sheet.header_row) if formula_rows else sheet.rows()
    for row_number, raw in rows:
        uncached = formula_rows.get(row_number)
        if uncached is None and all(map(is_blank, raw)):
            continue  # empty rows are skipped (DATA-STANDARD.md)
        errors: list[CellError] = []
        warnings: list[CellError] = []
        values: dict[str, object] = absent.copy()
        width = len(raw)
        for index, key, header, parse, required, seen in positions:
            value = raw[index] if index < width else None
            if seen is not None and value.__class__ is str:
                parsed = seen.get(value, _UNSEEN)
                if parsed is not _UNSEEN and (uncached is None or index not in uncached):
                    values[key] = parsed
                    continue
            if uncached is not None and index in uncached:
                values[key] = None
                errors.append(CellError(row_number, header, "", formula_without_value_message()))
                continue
            is_text = value.__class__ is str
            if value is None or (is_text and (not value or value.isspace())):
                values[key] = None
                if required:
                    errors.append(CellError(row_number, header, "", _("必填项为空")))
                continue
            try:
                # Text the database or a sheet cannot hold (NUL…) is refused whatever the column's parser.
                values[key] = parsed = parse(storable(value) if is_text and not value.isprintable() else value)
                if seen is not None and is_text and len(seen) < _REPEAT_CACHE_SIZE:
                    seen[value] = parsed
            except CellValueError as error:
                values[key] = None
                errors.append(CellError(row_number, header, shown(value), str(error)))
        if not errors:
            across(fmt, first_seen, index_of, row_number, raw, values, errors, warnings)
        yield RejectedRow(row_number, raw, errors) if errors else ParsedRow(row_number, values, warnings, raw)


def _uncached_formula_cells(sheet: RawSheet) -> dict[int, set[int]]:
    """Row number → indexes of the cells holding a formula saved without its value."""
    formula_rows: dict[int, set[int]] = {}
    for formula_row, formula_index in sheet.uncached_formulas:
        formula_rows.setdefault(formula_row, set()).add(formula_index)
    return formula_rows


def _unpacked_positions(layout: SheetLayout) -> list[tuple]:
    """(index, key, header, parse, required, repeat cache or None) for each column the file has."""
    return [
        (index, column.key, column.header, column.parse, column.required, {} if column.repeats else None)
        for index, column in layout.positions
    ]


def _check_across_cells(
    fmt: SheetFormat,
    first_seen,
    index_of: dict[str, int],
    row_number: int,
    raw: list,
    values: dict[str, object],
    errors: list[CellError],
    warnings: list[CellError],
) -> None:
    """The checks of a row whose cells all parsed: the format's cross-field rules (clean_row),
    then, if those pass, the unique column against the rows before it. Appends to errors and warnings."""

    def error(header: str, message: str) -> None:
        errors.append(CellError(row_number, header, _written(raw, index_of.get(header)), message))

    def warn(header: str, message: str) -> None:
        warnings.append(CellError(row_number, header, _written(raw, index_of.get(header)), message, level="warning"))

    fmt.clean_row(values, error, warn)
    if not errors:
        _check_unique(fmt, first_seen, index_of, row_number, raw, values, errors, warnings)


def _check_unique(fmt: SheetFormat, first_seen, index_of: dict[str, int], row_number: int, raw: list,
                  values: dict[str, object], errors: list[CellError], warnings: list[CellError]) -> None:
    """The unique column against the rows before it (the signature of `_check_across_cells`)."""
    if fmt.unique_key:
        key = values.get(fmt.unique_key)
        first = first_seen.first_row(key, row_number) if key is not None else None
        if first is not None:
            header = fmt.column(fmt.unique_key).header
            errors.append(CellError(row_number, header, cells.shown(key), _("与第 %(row)d 行重复") % {"row": first}))


_UNSEEN = object()
_REPEAT_CACHE_SIZE = 10_000


def formula_without_value_message() -> str:
    return _("公式没有保存计算结果:请在 Excel 中打开文件、重新计算并保存后再上传,或填写数值")


def _with_formula_rows(
    rows: Iterator[tuple[int, list]], formula_rows: dict[int, set[int]], header_row: int
) -> Iterator[tuple[int, list]]:
    """The sheet's rows, plus rows past its end that hold only formulas without saved values
    (python-calamine leaves those out, having nothing to show for them)."""
    last = header_row
    for row_number, raw in rows:
        last = row_number
        yield row_number, raw
    for row_number in sorted(r for r in formula_rows if r > last):
        yield row_number, [None] * (max(formula_rows[row_number]) + 1)


def _written(raw: list, index: int | None) -> str:
    """A cell of the row as written (folded, shortened), for messages; "" for a column the file lacks."""
    if index is None or index >= len(raw):
        return ""
    return cells.shown(raw[index])


def _shown(fmt: SheetFormat, header: str, values: dict[str, object]) -> str:
    column = next((c for c in fmt.columns if c.header == header), None)
    if column is None or values.get(column.key) is None:
        return ""
    value = values[column.key]
    return "、".join(map(str, value)) if isinstance(value, list) else str(value)


def validate(sheet: RawSheet, fmt: SheetFormat) -> ValidationResult:
    layout = SheetLayout(sheet, fmt)
    rows: list[ParsedRow] = []
    rejected: list[RejectedRow] = []
    for item in iter_rows(sheet, fmt, layout):
        (rows if isinstance(item, ParsedRow) else rejected).append(item)
    return ValidationResult(sheet, rows, rejected, layout.unknown)
