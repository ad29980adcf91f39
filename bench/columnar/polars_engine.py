"""Column-wise validation with polars: fastexcel reads the sheet straight into Arrow text columns, each
column is checked with polars expressions, the enumerations by distinct value (joined back), the
cross-field rules and the uniqueness of 申请号 as expressions.

fastexcel gives one type per column; read as text, a number, boolean or date cell becomes its text
("true", "2024-03-31 00:00:00", "0.00005"), while the project's parsers see python-calamine's typed
value (True, date(2024, 3, 31), 5e-05) and, for 申请号, accept a 12-digit number typed into a number
cell as check character 0. Text that may stand for such a cell is probed: the sheet is read again,
only its columns holding such text, as booleans or datetimes, which tells the cell's type. A file
without such text (the benchmark's) is read once.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl
from python_calamine import CalamineWorkbook

from bench.columnar import rules
from ground.sheets.errors import CellError, CellValueError
from ground.sheets.formats import Column, SheetFormat

WHITESPACE = rules.PY_WHITESPACE
_SPACE_CLASS = rules.whitespace_class()
_ASCII = r"^[\x00-\x7F]*$"
# Text that fastexcel writes for a cell that is not text, where cells.fold of the cell differs
# (booleans, dates, times, floats under 1e-4, integers past 2**63), or, in 申请号, where the parse
# itself differs (a number cell of 8 or 12 digits has check character 0 when it is right).
NUMBER_OR_BOOLEAN = r"^(?:true|false|-?0\.0000\d*|-?\d{19,})$"
DATE_TIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$"
NUMBER_OR_BOOLEAN_IN_NUMBERS = r"^(?:true|false|-?0\.0000\d*|-?\d{19,}|\d{8}|\d{12})$"


@dataclass
class ArrowSheet:
    frame: pl.DataFrame  # text columns c0..c{width-1}
    row_numbers: pl.Series
    head: rules.SheetHead
    formulas: dict[int, set[int]]
    reader: Any  # the fastexcel reader (for type probes)


def read_frame(path: Path, fmt: SheetFormat) -> ArrowSheet:
    """fastexcel's text columns of the first sheet holding the required headers (each sheet read once,
    whole: its header row is found in the frame's first rows)."""
    reader = fastexcel.read_excel(path)
    scans = {name: rules.start_formula_scan(path, name) for name in reader.sheet_names}
    loaded: dict[str, pl.DataFrame] = {}

    def first_rows(name: str):
        def load() -> list[list[Any]]:
            loaded[name] = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
            return [list(row) for row in loaded[name].head(rules.HEAD_ROWS).rows()]
        return load

    head = rules.find_head([(name, first_rows(name)) for name in reader.sheet_names], fmt)
    if head is None:
        raise rules.no_header_error(fmt)
    found = scans[head.name].result()
    offset = 0
    if found:  # python-calamine knows the first used column; fastexcel does not say (rare: pay for it then)
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(head.name)
        offset = sheet.start[1] if sheet.start else 0
    frame = loaded[head.name].slice(head.header_row)
    frame.columns = [f"c{index}" for index in range(frame.width)]
    row_numbers = pl.int_range(head.header_row + 1, head.header_row + 1 + frame.height, eager=True)
    formulas = rules.formula_cells(found, head.header_row, offset)
    return ArrowSheet(frame, row_numbers.alias("row_number"), head, formulas, reader)


# --- blanks, rows, formulas -----------------------------------------------------------------------

def blank(text: pl.Expr) -> pl.Expr:
    return text.is_null() | (text.str.strip_chars(WHITESPACE) == "")


def fold(text: pl.Expr) -> pl.Expr:
    return text.str.normalize("NFKC").str.strip_chars(WHITESPACE)


def add_formula_rows(sheet: ArrowSheet) -> None:
    """Rows past the sheet's end that hold only formulas without saved values (iter_rows adds them)."""
    last = sheet.row_numbers[-1] if len(sheet.row_numbers) else sheet.head.header_row
    extra = sorted(row for row in sheet.formulas if row > last)
    if not extra:
        return
    width = max(sheet.frame.width, *(max(sheet.formulas[row]) + 1 for row in extra))
    frame = sheet.frame.with_columns(pl.lit(None, pl.String).alias(f"c{i}") for i in range(sheet.frame.width, width))
    padding = pl.DataFrame({f"c{i}": [None] * len(extra) for i in range(width)}, schema=frame.schema)
    sheet.frame = pl.concat([frame, padding])
    sheet.row_numbers = pl.concat([sheet.row_numbers, pl.Series("row_number", extra, dtype=sheet.row_numbers.dtype)])


def drop_empty_rows(sheet: ArrowSheet) -> None:
    empty = pl.all_horizontal(blank(pl.col(name)) for name in sheet.frame.columns)
    formula_rows = pl.lit(sheet.row_numbers).is_in(list(sheet.formulas)) if sheet.formulas else pl.lit(False)
    keep = sheet.frame.select(~empty | formula_rows).to_series()
    sheet.frame = sheet.frame.filter(keep)
    sheet.row_numbers = sheet.row_numbers.filter(keep)


# --- typed cells -----------------------------------------------------------------------------------

def typed_candidates(sheet: ArrowSheet, fmt: SheetFormat) -> dict[int, dict[str, list[int]]]:
    """Column index -> {"boolean" | "datetime": positions} of text that may stand for a typed cell."""
    found: dict[int, dict[str, list[int]]] = {}
    number_column = sheet.head.index_of.get(fmt.column("application_number").header)
    for index, _column in sheet.head.layout.positions:
        name = f"c{index}"
        if name not in sheet.frame.columns:
            continue
        pattern = NUMBER_OR_BOOLEAN_IN_NUMBERS if index == number_column else NUMBER_OR_BOOLEAN
        if not sheet.frame.select(pl.col(name).str.contains(f"{pattern}|{DATE_TIME}").any()).item():
            continue  # one pass for the usual column without such text
        marks = sheet.frame.select(
            pl.col(name).str.contains(pattern).fill_null(False).arg_true().implode().alias("boolean"),
            pl.col(name).str.contains(DATE_TIME).fill_null(False).arg_true().implode().alias("datetime"),
        ).row(0, named=True)
        marks = {probe: positions for probe, positions in marks.items() if positions}
        if marks:
            found[index] = marks
    return found


def calamine_value(moment: dt.datetime) -> object:
    """The value python-calamine gives a date or time cell: a time under one day, a date at midnight."""
    if moment.date() == dt.date(1899, 12, 31):
        return moment.time()
    if moment.time() == dt.time(0):
        return moment.date()
    return moment


def probe_types(sheet: ArrowSheet, candidates: dict[int, dict[str, list[int]]]) -> dict[tuple[int, int], object]:
    """(column index, position) -> the cell's typed value, for candidates that are not text cells."""
    typed: dict[tuple[int, int], object] = {}
    for probe in ("boolean", "datetime"):
        columns = sorted(index for index, marks in candidates.items() if probe in marks)
        if not columns:
            continue
        read = sheet.reader.load_sheet(sheet.head.name, header_row=sheet.head.header_row - 1, use_columns=columns,
                                       dtypes=dict.fromkeys(columns, probe)).to_polars()
        for column, series in zip(columns, read.get_columns(), strict=True):
            for pos in candidates[column][probe]:
                source = int(sheet.row_numbers[pos]) - sheet.head.header_row - 1  # rows as fastexcel read them
                if source >= len(series) or series[source] is None:
                    continue  # a text cell after all (or a row added for a formula)
                text = sheet.frame[f"c{column}"][pos]
                typed[column, pos] = typed_value(probe, text, series[source])
    return typed


def typed_value(probe: str, text: str, probed: object) -> object:
    if probe == "datetime":
        return calamine_value(probed)
    if text in ("true", "false"):
        return text == "true"
    return float(text)


# --- the column rules ------------------------------------------------------------------------------

# Each rule gets a frame with the column's text as "raw" and cells.fold of it as "folded" (computed
# once: an eager select does not share common subexpressions), and returns columns value and ok.

def application_numbers(work: pl.DataFrame) -> pl.DataFrame:
    """normalize_application_number column-wise for ASCII text with a right check character."""
    compact = (pl.col("folded").str.to_uppercase().str.replace(r"^(?:CN|ZL)", "").str.strip_chars(WHITESPACE)
               .str.replace_all(f"[{_SPACE_CLASS}.\\-·。]", ""))
    shapes = work.select(compact.alias("compact"), pl.col("folded").str.contains(_ASCII).alias("ascii"))
    width = pl.col("compact").str.len_chars() - 1
    shaped = shapes.with_columns(
        pl.when(pl.col("ascii") & pl.col("compact").str.contains(r"^(?:[0-9]{12}|[0-9]{8})[0-9X]$")).then(width)
        .alias("width"))
    # An old 8-digit body padded with zeros to 12: the four zeros add nothing to the weighted sum.
    return _checked(shaped.with_columns(
        pl.col("compact").str.slice(0, pl.col("width")).str.pad_end(12, "0").str.to_integer(strict=False)
        .alias("body")))


def _checked(numbers: pl.DataFrame) -> pl.DataFrame:
    """value (canonical) and ok for numbers of `width` (12 or 8) ASCII digits and a check character,
    step by step (an eager select does not share common subexpressions)."""
    body, width = pl.col("body"), pl.col("width")
    digits = [(body // 10 ** (11 - i)) % 10 for i in range(12)]
    with_check = numbers.with_columns(
        (pl.sum_horizontal(d * w for d, w in zip(digits, rules.APPLICATION_WEIGHTS, strict=True)) % 11)
        .alias("remainder"),
        pl.when(width == 12).then(body // 10**8).otherwise(body // 10**10).alias("year"),
        pl.when(width == 12).then((body // 10**7) % 10).otherwise((body // 10**9) % 10).alias("type_digit"),
    ).with_columns(
        pl.when(pl.col("remainder") == 10).then(pl.lit("X")).otherwise(pl.col("remainder").cast(pl.String))
        .alias("expected"))
    year = pl.col("year")
    year_ok = (pl.when(width == 12).then(year.is_between(2003, dt.date.today().year))
               .otherwise((year >= 85) | (year <= 3)))
    ok = (year_ok & pl.col("type_digit").is_in([1, 2, 3, 8, 9])
          & (pl.col("compact").str.slice(width, 1) == pl.col("expected"))).fill_null(False)
    canonical = pl.concat_str(pl.lit("CN"), pl.col("compact").str.slice(0, width), pl.lit("."), pl.col("expected"))
    return with_check.select(pl.when(ok).then(canonical).alias("value"), ok.alias("ok"))


def text_values(work: pl.DataFrame, max_length: int | None) -> pl.DataFrame:
    folded = pl.col("folded")
    ok = folded.is_not_null() if max_length is None else folded.str.len_chars() <= max_length
    return work.select(folded.alias("value"), ok.fill_null(False).alias("ok"))


def phones(work: pl.DataFrame) -> pl.DataFrame:
    compact = pl.col("folded").str.replace_all(" ", "", literal=True)
    numbers = work.select(compact.alias("compact")).select(
        pl.when(pl.col("compact").str.starts_with("+86"))
        .then(pl.col("compact").str.slice(3).str.strip_chars_start("-"))
        .otherwise(pl.col("compact")).alias("value"))
    ok = pl.col("value").str.contains(_ASCII) & pl.col("value").str.contains(rules.PHONE_PATTERN)
    return numbers.with_columns(ok.fill_null(False).alias("ok"))


def emails(work: pl.DataFrame) -> pl.DataFrame:
    folded = pl.col("folded")
    ok = folded.str.contains(_ASCII) & folded.str.contains(rules.email_pattern())
    return work.select(folded.str.to_lowercase().alias("value"), ok.fill_null(False).alias("ok"))


PRICE_TEXT = r"^[0-9]+(?:\.[0-9]{1,2})?$"  # the decimal itself has at most two places: cents are exact


def prices(work: pl.DataFrame) -> pl.DataFrame:
    """asking_price in cents, for plain numbers with at most two decimals (text as fastexcel writes a number)."""
    x = pl.col("raw").cast(pl.Float64, strict=False)
    ok = pl.col("raw").str.contains(PRICE_TEXT) & (x <= rules.PRICE_VECTOR_MAX)
    return work.select((x * 100).round(0).cast(pl.Int64, strict=False).alias("value"), ok.fill_null(False).alias("ok"))


def distinct_values(work: pl.DataFrame, usable: pl.Series, parse) -> pl.DataFrame:
    """The column's own parse once per distinct text, joined back: columns ok, value, message."""
    texts = work["raw"].filter(usable).unique().to_list()
    parsed, messages = [], []
    for text in texts:
        try:
            parsed.append(rules.plain(parse(text)))
            messages.append(None)
        except CellValueError as error:
            parsed.append(None)
            messages.append(str(error))
    table = pl.DataFrame({"raw": pl.Series(texts, dtype=pl.String), "value": parsed,
                          "message": pl.Series(messages, dtype=pl.String)})
    joined = work.select("raw").join(table, on="raw", how="left", maintain_order="left")
    return joined.select(pl.col("value"), pl.col("value").is_not_null().alias("ok"), pl.col("message"))


def column_wise(work: pl.DataFrame, usable: pl.Series, spec: Column, rule: rules.ColumnRule) -> pl.DataFrame:
    """Columns value and ok (and message, for the distinct rule) for the column `work` holds as raw."""
    if rule.kind == "distinct":
        return distinct_values(work, usable, spec.parse)
    if rule.kind == "decimal":
        return prices(work)
    work = work.with_columns(fold(pl.col("raw")).alias("folded"))
    if rule.kind == "application_number":
        return application_numbers(work)
    if rule.kind == "phone":
        return phones(work)
    if rule.kind == "email":
        return emails(work)
    return text_values(work, rule.max_length)


# --- one column, then the sheet ---------------------------------------------------------------------

@dataclass
class ColumnOutcome:
    values: pl.Series
    errors: dict[int, tuple[str, str]]  # position -> (value as written, message)
    fallback: int


def parse_column(sheet: ArrowSheet, index: int, spec: Column, rule: rules.ColumnRule,
                 typed: dict[tuple[int, int], object]) -> ColumnOutcome:
    name = f"c{index}"
    if name not in sheet.frame.columns:
        sheet.frame = sheet.frame.with_columns(pl.lit(None, pl.String).alias(name))
    empty = sheet.frame.select(blank(pl.col(name))).to_series()
    own = {pos: value for (column, pos), value in typed.items() if column == index}
    usable = ~empty
    if own:
        usable = usable.scatter(list(own), False)
    result = column_wise(sheet.frame.select(pl.col(name).alias("raw")), usable, spec, rule)
    accepted = result["ok"] & usable
    errors: dict[int, tuple[str, str]] = {}
    if "message" in result.columns:
        for pos in (result["message"].is_not_null() & usable).arg_true().to_list():
            errors[pos] = (rules.written(sheet.frame[name][pos]), result["message"][pos])
    if spec.required:
        errors.update(dict.fromkeys(empty.arg_true().to_list(), ("", rules.required_message())))
    values = result.with_columns(accepted.alias("accepted")).select(
        pl.when(pl.col("accepted")).then(pl.col("value")).alias(spec.key)).to_series()
    leftover = [pos for pos in (~empty & ~accepted).arg_true().to_list() if pos not in errors]
    values = fall_back(sheet.frame[name], values, leftover, spec, own, errors)
    return ColumnOutcome(values, errors, len(leftover))


def fall_back(raw: pl.Series, values: pl.Series, leftover: list[int], spec: Column,
              typed: dict[int, object], errors: dict[int, tuple[str, str]]) -> pl.Series:
    """The column's own parse for the cells the column-wise rule left over."""
    parsed: dict[int, object] = {}
    for pos in leftover:
        cell = typed.get(pos, raw[pos])
        try:
            value = rules.plain(spec.parse(cell))
            parsed[pos] = int(value.scaleb(2)) if isinstance(value, Decimal) else value
        except CellValueError as error:
            errors[pos] = (rules.written(cell), str(error))
    if not parsed:
        return values
    column = values.to_list()
    for pos, value in parsed.items():
        column[pos] = value
    dtype = values.dtype if values.dtype != pl.Null else None
    return pl.Series(values.name, column, dtype=dtype)


def apply_formulas(sheet: ArrowSheet, index: int, outcome: ColumnOutcome) -> None:
    rows = [row for row, indexes in sheet.formulas.items() if index in indexes]
    if not rows:
        return
    positions = sheet.row_numbers.is_in(rows).arg_true().to_list()
    outcome.values = outcome.values.scatter(positions, None)
    outcome.errors.update(dict.fromkeys(positions, ("", rules.FORMULA_MESSAGE())))


# --- cross-field rules, uniqueness, the result -------------------------------------------------------

def cross_masks(values: pl.DataFrame) -> pl.DataFrame:
    """InventoryFormat.clean_row's rules, each a column of the rows that break it."""
    def col(key: str, dtype: pl.DataType = pl.String) -> pl.Expr:
        return pl.col(key).cast(dtype) if key in values.columns else pl.lit(None, dtype)

    intents = col("intents", pl.List(pl.String))
    count = intents.list.len().fill_null(0)
    has_none = intents.list.contains(rules.INTENT_NONE).fill_null(False)
    in_library = (col("screening") == rules.SCREENING_IN).fill_null(False)
    empty = lambda key: col(key).is_null() | (col(key) == "")  # noqa: E731
    return values.select(
        (col("is_financially_funded", pl.Boolean).fill_null(False) & empty("funding_project_number"))
        .alias("funded_without_number"),
        (has_none & (count > 1)).alias("none_with_others"),
        (in_library & ((count == 0) | (has_none & (count == 1)))).alias("in_library_without_intent"),
        (in_library & (col("disposal") == rules.DISPOSAL_ABANDON).fill_null(False)).alias("in_library_abandoned"),
        (intents.list.contains(rules.INTENT_LICENSE).fill_null(False) & empty("license_type"))
        .alias("licence_missing"),
    ).fill_null(False)


def duplicates(values: pl.DataFrame, clean: pl.Series) -> dict[int, int]:
    """Position -> first row, for clean rows repeating an earlier clean row's 申请号."""
    chosen = values.with_row_index("pos").filter(clean & values["application_number"].is_not_null())
    repeated = chosen.with_columns(pl.col("row_number").first().over("application_number").alias("first")).filter(
        pl.col("row_number") != pl.col("first"))
    return dict(zip(repeated["pos"].to_list(), repeated["first"].to_list(), strict=True))


def validate(path: Path, fmt: SheetFormat) -> rules.ColumnarResult:
    return validate_frame(read_frame(path, fmt), fmt)


def validate_frame(sheet: ArrowSheet, fmt: SheetFormat) -> rules.ColumnarResult:
    add_formula_rows(sheet)
    drop_empty_rows(sheet)
    candidates = typed_candidates(sheet, fmt)
    typed = probe_types(sheet, candidates) if candidates else {}
    outcomes: dict[str, ColumnOutcome] = {}
    for index, spec in sheet.head.layout.positions:
        outcomes[spec.key] = parse_column(sheet, index, spec, rules.INVENTORY_RULES[spec.key], typed)
        apply_formulas(sheet, index, outcomes[spec.key])
    values = pl.DataFrame([sheet.row_numbers, *(o.values for o in outcomes.values())])
    errors = [(pos, spec.header, *error) for _, spec in sheet.head.layout.positions
              for pos, error in outcomes[spec.key].errors.items()]
    wrong = set_positions(pl.Series([False] * values.height), [e[0] for e in errors])
    errors += cross_field_errors(sheet, values, ~wrong, fmt, typed)
    wrong = set_positions(wrong, [e[0] for e in errors])
    header = fmt.column("application_number").header
    for pos, first in duplicates(values, ~wrong).items():
        errors.append((pos, header, str(values["application_number"][pos]), rules.duplicate_message(first)))
    wrong = set_positions(wrong, [e[0] for e in errors])
    numbers = sheet.row_numbers.to_list()
    cell_errors = [CellError(numbers[pos], column, value, message) for pos, column, value, message in errors]
    accepted = values.filter(~wrong)
    return rules.ColumnarResult(
        frame=accepted, errors=cell_errors, rejected={e.row for e in cell_errors},
        rows=lambda: materialise(accepted, sheet.head), fallback_cells=sum(o.fallback for o in outcomes.values()),
    )


def set_positions(mask: pl.Series, positions: list[int]) -> pl.Series:
    return mask.scatter(positions, True) if positions else mask


def cross_field_errors(sheet: ArrowSheet, values: pl.DataFrame, clean: pl.Series, fmt: SheetFormat,
                       typed: dict[tuple[int, int], object]) -> list[tuple[int, str, str, str]]:
    found = []
    messages = rules.cross_rule_messages(fmt)
    masks = cross_masks(values)
    for name in masks.columns:
        header, message = messages[name]
        index = sheet.head.index_of.get(header)
        for pos in (masks[name] & clean).arg_true().to_list():
            raw = typed.get((index, pos), sheet.frame[f"c{index}"][pos]) if index is not None else None
            found.append((pos, header, rules.written(raw), message))
    return found


def materialise(frame: pl.DataFrame, head: rules.SheetHead) -> dict[int, dict[str, object]]:
    """The accepted rows as Python dicts (what iter_rows' ParsedRow.values hold)."""
    columns = {name: frame[name].to_list() for name in frame.columns if name != "row_number"}
    return rules.rows_from_columns(frame["row_number"].to_list(), columns, [c.key for c in head.layout.absent])
