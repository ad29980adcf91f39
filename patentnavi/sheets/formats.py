"""Declared columns and row validation, shared by every exchange format."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import cells
from .errors import CellError, CellValueError
from .reader import RawSheet, normalize_header

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


@dataclass
class ParsedRow:
    row_number: int
    values: dict[str, object]
    warnings: list[CellError] = field(default_factory=list)


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


class _Layout:
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


def iter_rows(
    sheet: RawSheet, fmt: SheetFormat, layout: "_Layout | None" = None
) -> Iterator[ParsedRow | RejectedRow]:
    """Parse and check each data row; yields a ParsedRow, or a RejectedRow with all its errors."""
    layout = layout or _Layout(sheet, fmt)
    first_seen: dict[object, int] = {}
    for row_number, raw in sheet.rows():
        if all(cells.is_blank(value) for value in raw):
            continue  # empty rows are skipped (DATA-STANDARD.md)
        errors: list[CellError] = []
        warnings: list[CellError] = []
        values: dict[str, object] = {c.key: None for c in layout.absent}
        for index, column in layout.positions:
            value = raw[index] if index < len(raw) else None
            if cells.is_blank(value):
                values[column.key] = None
                if column.required:
                    errors.append(CellError(row_number, column.header, "", _("必填项为空")))
                continue
            try:
                values[column.key] = column.parse(value)
            except CellValueError as error:
                values[column.key] = None
                errors.append(CellError(row_number, column.header, cells.fold(value), str(error)))

        def error(header: str, message: str, _row=row_number, _values=values, _sink=errors) -> None:
            _sink.append(CellError(_row, header, _shown(fmt, header, _values), message))

        def warn(header: str, message: str, _row=row_number, _values=values, _sink=warnings) -> None:
            _sink.append(CellError(_row, header, _shown(fmt, header, _values), message, level="warning"))

        if not errors:
            fmt.clean_row(values, error, warn)
        if fmt.unique_key and not errors:
            key = values.get(fmt.unique_key)
            if key in first_seen:
                header = fmt.column(fmt.unique_key).header
                errors.append(
                    CellError(row_number, header, str(key), _("与第 %(row)d 行重复") % {"row": first_seen[key]})
                )
            elif key is not None:
                first_seen[key] = row_number
        if errors:
            yield RejectedRow(row_number, raw, errors)
        else:
            yield ParsedRow(row_number, values, warnings)


def _shown(fmt: SheetFormat, header: str, values: dict[str, object]) -> str:
    column = next((c for c in fmt.columns if c.header == header), None)
    if column is None or values.get(column.key) is None:
        return ""
    value = values[column.key]
    return "、".join(map(str, value)) if isinstance(value, list) else str(value)


def validate(sheet: RawSheet, fmt: SheetFormat) -> ValidationResult:
    layout = _Layout(sheet, fmt)
    rows: list[ParsedRow] = []
    rejected: list[RejectedRow] = []
    for item in iter_rows(sheet, fmt, layout):
        (rows if isinstance(item, ParsedRow) else rejected).append(item)
    return ValidationResult(sheet, rows, rejected, layout.unknown)
