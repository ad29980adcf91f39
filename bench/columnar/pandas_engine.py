"""Column-wise validation with pandas: python-calamine's cells (the very values iter_rows sees) in an
object DataFrame, each column checked with pandas string operations and numpy, the enumerations by
distinct value, the cross-field rules and the uniqueness of 申请号 as masks."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from bench.columnar import rules
from ground.sheets import cells
from ground.sheets.errors import CellError, CellValueError
from ground.sheets.formats import Column, SheetFormat


@dataclass
class CalamineFrame:
    """The data rows below the header (as python-calamine gives them) and where they sit."""

    frame: pd.DataFrame  # object columns 0..width-1, one row per sheet row below the header
    row_numbers: np.ndarray
    head: rules.SheetHead
    formulas: dict[int, set[int]]  # row number -> cell indexes of formulas saved without a value


def read_frame(path: Path, fmt: SheetFormat) -> CalamineFrame:
    """python-calamine's rows of the first sheet holding the required headers, in a DataFrame."""
    workbook = CalamineWorkbook.from_path(str(path))
    scans = {name: rules.start_formula_scan(path, name) for name in workbook.sheet_names}
    loaded: dict[str, tuple[Any, list[list[Any]]]] = {}

    def first_rows(name: str):
        def load() -> list[list[Any]]:
            sheet = workbook.get_sheet_by_name(name)
            loaded[name] = (sheet, sheet.to_python())
            return loaded[name][1][: rules.HEAD_ROWS]
        return load

    head = rules.find_head([(name, first_rows(name)) for name in workbook.sheet_names], fmt)
    if head is None:
        raise rules.no_header_error(fmt)
    sheet, rows = loaded[head.name]
    offset = sheet.start[1] if sheet.start else 0
    formulas = rules.formula_cells(scans[head.name].result(), head.header_row, offset)
    data = rows[head.header_row:]
    frame = pd.DataFrame(data, dtype=object) if data else pd.DataFrame(columns=range(len(rows[0])), dtype=object)
    row_numbers = np.arange(head.header_row + 1, head.header_row + 1 + len(data))
    return CalamineFrame(frame, row_numbers, head, formulas)


# --- each column dictionary-encoded: the rules run once per distinct text --------------------------

def _flags(values: pd.Series) -> np.ndarray:
    """A boolean mask from a pandas result that may hold NaN for non-text cells."""
    return values.to_numpy(dtype=bool, na_value=False)


@dataclass
class Encoded:
    """A column as codes into its distinct texts (pandas.factorize; python-calamine gives str, float,
    bool, date, datetime or time cells, and only text is encoded)."""

    cells: np.ndarray  # the cells as read (object)
    codes: np.ndarray  # per cell, its text's index in `texts`; -1 for a cell that is not text
    texts: pd.Series  # the distinct texts
    text_blank: np.ndarray  # per distinct text: empty or white space
    blank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # cells.is_blank per cell

    def __post_init__(self) -> None:
        if len(self.blank) != len(self.cells):
            self.blank = self.per_cell(self.text_blank, False).astype(bool)
            others = self.codes < 0
            self.blank[others] = [cell is None for cell in self.cells[others]]

    def per_cell(self, per_text: np.ndarray, missing: object) -> np.ndarray:
        """A value per distinct text spread over the cells (`missing` for cells that are not text)."""
        if len(per_text) == 0:
            return np.full(len(self.codes), missing, dtype=per_text.dtype)
        spread = per_text[self.codes]
        spread[self.codes < 0] = missing
        return spread

    def filtered(self, keep: np.ndarray) -> "Encoded":
        return Encoded(self.cells[keep], self.codes[keep], self.texts, self.text_blank, self.blank[keep])


def encode(column: pd.Series) -> Encoded:
    cells = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":
        codes, distinct = pd.factorize(cells)
    else:
        text = np.fromiter((cell.__class__ is str for cell in cells), dtype=bool, count=len(cells))
        codes = np.full(len(cells), -1, dtype=np.intp)
        codes[text], distinct = pd.factorize(cells[text])
    texts = pd.Series(distinct, dtype=object)
    return Encoded(cells, codes, texts, _flags(texts == "") | _flags(texts.str.isspace()))


def fold_text(texts: pd.Series) -> pd.Series:
    """cells.fold of text: trimmed; NFKC first for the non-ASCII texts."""
    folded = texts.str.strip()
    wide = ~_flags(texts.str.isascii())
    if wide.any():
        folded[wide] = texts[wide].str.normalize("NFKC").str.strip()
    return folded


# --- the column rules, over distinct non-blank texts: (ok, value) per text -----------------------------

Checked = tuple[np.ndarray, np.ndarray]  # ok (bool), value (object), one per text


def check_characters(bodies: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(digit matrix, check character) of equal-length ASCII digit strings (DATA-STANDARD.md §1)."""
    digits = np.frombuffer("".join(bodies.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, width)
    digits = digits.astype(np.int64) - 48
    remainder = digits @ np.array(rules.APPLICATION_WEIGHTS[:width]) % 11
    return digits, np.where(remainder == 10, "X", remainder.astype(str))


def _numbers_of_width(compact: pd.Series, width: int, ok: np.ndarray, values: np.ndarray) -> None:
    """Marks ok, and sets the canonical value of, compact numbers of `width` digits + check character."""
    at = np.flatnonzero(_flags(compact.str.fullmatch(rf"[0-9]{{{width}}}[0-9X]")))
    if len(at) == 0:
        return
    shaped = compact.iloc[at]
    digits, expected = check_characters(shaped.str[:width], width)
    if width == 12:
        year = digits[:, :4] @ np.array([1000, 100, 10, 1])
        year_ok = (year >= 2003) & (year <= dt.date.today().year)
    else:
        year = digits[:, 0] * 10 + digits[:, 1]
        year_ok = (year >= 85) | (year <= 3)
    type_digit = digits[:, 4 if width == 12 else 2]
    good = year_ok & np.isin(type_digit, [1, 2, 3, 8, 9]) & (shaped.str[width].to_numpy(dtype=object) == expected)
    ok[at[good]] = True
    canonical = "CN" + shaped.str[:width] + "." + pd.Series(expected, index=shaped.index, dtype=object)
    values[at[good]] = canonical.to_numpy(dtype=object)[good]


def application_numbers(texts: pd.Series) -> Checked:
    """normalize_application_number column-wise for ASCII text with a right check character."""
    folded = fold_text(texts)
    compact = folded.str.upper().str.replace(r"^(?:CN|ZL)", "", regex=True).str.strip()
    compact = compact.str.replace(r"[\s.\-·。]", "", regex=True)
    compact[~_flags(folded.str.isascii())] = ""  # others go to the column's parse
    ok, values = np.zeros(len(texts), dtype=bool), np.full(len(texts), None, dtype=object)
    for width in (12, 8):
        _numbers_of_width(compact, width, ok, values)
    return ok, values


def text_values(texts: pd.Series, max_length: int | None) -> Checked:
    folded = fold_text(texts)
    ok = np.ones(len(folded), dtype=bool) if max_length is None else _flags(folded.str.len() <= max_length)
    return ok, folded.to_numpy(dtype=object)


def phones(texts: pd.Series) -> Checked:
    folded = fold_text(texts).str.replace(" ", "", regex=False)
    mainland = _flags(folded.str.startswith("+86"))
    folded[mainland] = folded[mainland].str[3:].str.lstrip("-")
    shaped = _flags(folded.str.match(cells._MOBILE)) | _flags(folded.str.match(cells._LANDLINE))
    return _flags(folded.str.isascii()) & shaped, folded.to_numpy(dtype=object)


def emails(texts: pd.Series) -> Checked:
    folded = fold_text(texts)
    ok = _flags(folded.str.isascii()) & _flags(folded.str.match(cells._EMAIL))
    return ok, folded.str.lower().to_numpy(dtype=object)


def distinct_values(texts: pd.Series, parse) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """The column's own parse, once per distinct text: ok, value, and message by text index."""
    ok, values = np.zeros(len(texts), dtype=bool), np.full(len(texts), None, dtype=object)
    messages: dict[int, str] = {}
    for index, text in enumerate(texts.tolist()):
        try:
            values[index] = rules.plain(parse(text))
            ok[index] = True
        except CellValueError as error:
            messages[index] = str(error)
    return ok, values, messages


def prices(encoded: Encoded) -> Checked:
    """asking_price, per cell, for number cells with at most two decimals: value in cents."""
    ok, values = np.zeros(len(encoded.cells), dtype=bool), np.full(len(encoded.cells), None, dtype=object)
    numbers = np.flatnonzero(encoded.codes < 0)
    numbers = numbers[[encoded.cells[pos].__class__ is float for pos in numbers]]
    x = encoded.cells[numbers].astype(np.float64)
    cents = np.round(x * 100)
    good = (x >= 0) & (x <= rules.PRICE_VECTOR_MAX) & (cents / 100 == x)
    ok[numbers[good]] = True
    values[numbers[good]] = cents[good].astype(np.int64).astype(object)
    return ok, values


def on_texts(encoded: Encoded, spec: Column, rule: rules.ColumnRule) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """The rule over the column's distinct non-blank texts: ok, value and message per distinct text."""
    usable = np.flatnonzero(~encoded.text_blank)
    texts = encoded.texts.iloc[usable].reset_index(drop=True)
    messages: dict[int, str] = {}
    if rule.kind == "application_number":
        ok, values = application_numbers(texts)
    elif rule.kind == "text":
        ok, values = text_values(texts, rule.max_length)
    elif rule.kind == "phone":
        ok, values = phones(texts)
    elif rule.kind == "email":
        ok, values = emails(texts)
    elif rule.kind == "distinct":
        ok, values, messages = distinct_values(texts, spec.parse)
    else:  # decimal: text prices are left to the column's parse
        ok, values = np.zeros(len(texts), dtype=bool), np.full(len(texts), None, dtype=object)
    all_ok, all_values = np.zeros(len(encoded.texts), dtype=bool), np.full(len(encoded.texts), None, dtype=object)
    all_ok[usable], all_values[usable] = ok, values
    return all_ok, all_values, {int(usable[index]): message for index, message in messages.items()}


# --- one column, then the sheet -----------------------------------------------------------------

@dataclass
class ColumnOutcome:
    encoded: Encoded
    blank: np.ndarray
    by_text: np.ndarray  # parsed value per distinct text (None where the rule did not accept it)
    text_ok: np.ndarray  # per cell: accepted through its text's entry
    values: pd.Series  # parsed values per cell (None where blank or wrong)
    errors: dict[int, tuple[str, str]]  # position -> (value as written, message)
    fallback: int


def to_cents(value: object) -> object:
    return int(value.scaleb(2)) if isinstance(value, Decimal) else value


def parse_column(encoded: Encoded, spec: Column, rule: rules.ColumnRule) -> ColumnOutcome:
    """Blank cells, the column-wise rule, then the column's own parse for what the rule left over."""
    blank = encoded.blank
    ok_text, by_text, messages = on_texts(encoded, spec, rule)
    ok = encoded.per_cell(ok_text, False).astype(bool)
    values = encoded.per_cell(by_text, None)
    text_ok = ok.copy()
    if rule.kind == "decimal":
        number_ok, cents = prices(encoded)
        ok |= number_ok
        values[number_ok] = cents[number_ok]
    errors: dict[int, tuple[str, str]] = {}
    if messages:
        wrong = np.isin(encoded.codes, list(messages))
        for pos in np.flatnonzero(wrong).tolist():
            errors[pos] = (rules.written(encoded.cells[pos]), messages[int(encoded.codes[pos])])
    if spec.required:
        errors.update(dict.fromkeys(np.flatnonzero(blank).tolist(), ("", rules.required_message())))
    leftover = [pos for pos in np.flatnonzero(~blank & ~ok).tolist() if pos not in errors]
    for pos in leftover:
        try:
            values[pos] = to_cents(rules.plain(spec.parse(encoded.cells[pos])))
        except CellValueError as error:
            errors[pos] = (rules.written(encoded.cells[pos]), str(error))
    return ColumnOutcome(encoded, blank, by_text, text_ok, pd.Series(values, dtype=object), errors, len(leftover))


def add_formula_rows(sheet: CalamineFrame) -> None:
    """Rows past the sheet's end that hold only formulas without saved values (iter_rows adds them)."""
    last = int(sheet.row_numbers[-1]) if len(sheet.row_numbers) else sheet.head.header_row
    extra = sorted(row for row in sheet.formulas if row > last)
    if not extra:
        return
    width = max(sheet.frame.shape[1], *(max(sheet.formulas[row]) + 1 for row in extra))
    padding = pd.DataFrame([[None] * width for _ in extra], columns=range(width), dtype=object)
    sheet.frame = pd.concat([sheet.frame.reindex(columns=range(width)), padding], ignore_index=True)
    sheet.row_numbers = np.concatenate([sheet.row_numbers, np.array(extra)])


def encode_rows(sheet: CalamineFrame) -> dict[int, Encoded]:
    """Every column encoded, without the rows whose every cell is blank (they are skipped, unless
    they hold a formula without a value)."""
    encoded = {int(index): encode(sheet.frame[index]) for index in sheet.frame.columns}
    empty = np.ones(len(sheet.frame), dtype=bool)
    for column in encoded.values():
        empty &= column.blank
    if sheet.formulas:
        empty &= ~np.isin(sheet.row_numbers, list(sheet.formulas))
    sheet.row_numbers = sheet.row_numbers[~empty]
    return {index: column.filtered(~empty) for index, column in encoded.items()}


def apply_formulas(sheet: CalamineFrame, index: int, outcome: ColumnOutcome) -> None:
    """A formula saved without a value is an error, whatever the cell shows."""
    rows = [row for row, indexes in sheet.formulas.items() if index in indexes]
    if not rows:
        return
    for pos in np.flatnonzero(np.isin(sheet.row_numbers, rows)).tolist():
        outcome.values.iat[pos] = None
        outcome.errors[pos] = ("", rules.FORMULA_MESSAGE())


# --- cross-field rules, uniqueness, the result ----------------------------------------------------

class RowValues:
    """The parsed columns of the frame, None for a column the file lacks (clean_row's values.get)."""

    def __init__(self, outcomes: dict[str, ColumnOutcome], size: int) -> None:
        self.outcomes, self.size = outcomes, size

    def get(self, key: str) -> pd.Series:
        outcome = self.outcomes.get(key)
        return outcome.values if outcome is not None else pd.Series([None] * self.size, dtype=object)

    def empty(self, key: str) -> np.ndarray:
        values = self.get(key)
        return values.isna().to_numpy() | _flags(values == "")

    def equals(self, key: str, value: object) -> np.ndarray:
        return _flags(self.get(key) == value)

    def derive(self, key: str, test) -> np.ndarray:
        """test(parsed value) per row, through the column's dictionary: once per distinct text,
        once per cell its parse took; a blank cell or absent column counts as None."""
        outcome = self.outcomes.get(key)
        result = np.full(self.size, test(None), dtype=object)
        if outcome is None:
            return result
        per_text = np.empty(len(outcome.by_text), dtype=object)
        per_text[:] = [test(value) for value in outcome.by_text.tolist()]
        spread = outcome.encoded.per_cell(per_text, None)
        result[outcome.text_ok] = spread[outcome.text_ok]
        for pos in np.flatnonzero(~outcome.text_ok & ~outcome.blank).tolist():
            result[pos] = test(outcome.values.iat[pos])
        return result


def _intents(test):
    return lambda value: test(value or [])


def cross_masks(values: RowValues) -> dict[str, np.ndarray]:
    """InventoryFormat.clean_row's rules, each a mask of the rows that break it."""
    in_library = values.equals("screening", rules.SCREENING_IN)
    has_none = values.derive("intents", _intents(lambda items: rules.INTENT_NONE in items)).astype(bool)
    count = values.derive("intents", _intents(len)).astype(int)
    has_licence = values.derive("intents", _intents(lambda items: rules.INTENT_LICENSE in items)).astype(bool)
    return {
        "funded_without_number": values.equals("is_financially_funded", True)
        & values.empty("funding_project_number"),
        "none_with_others": has_none & (count > 1),
        "in_library_without_intent": in_library & ((count == 0) | (has_none & (count == 1))),
        "in_library_abandoned": in_library & values.equals("disposal", rules.DISPOSAL_ABANDON),
        "licence_missing": has_licence & values.empty("license_type"),
    }


def duplicates(keys: pd.Series, candidates: np.ndarray, row_numbers: np.ndarray) -> dict[int, int]:
    """Position -> first row, for rows (among candidates) repeating an earlier candidate's 申请号."""
    positions = np.flatnonzero(candidates & keys.notna().to_numpy())
    chosen = pd.DataFrame({"key": keys.to_numpy()[positions], "row": row_numbers[positions]}, index=positions)
    repeated = chosen["key"].duplicated(keep="first")
    first = chosen.groupby("key", sort=False)["row"].transform("first")
    return dict(zip(chosen.index[repeated].tolist(), first[repeated].tolist(), strict=True))


def validate(path: Path, fmt: SheetFormat) -> rules.ColumnarResult:
    return validate_frame(read_frame(path, fmt), fmt)


def validate_frame(sheet: CalamineFrame, fmt: SheetFormat) -> rules.ColumnarResult:
    add_formula_rows(sheet)
    encoded = encode_rows(sheet)
    size = len(sheet.row_numbers)
    outcomes: dict[str, ColumnOutcome] = {}
    for index, spec in sheet.head.layout.positions:
        outcomes[spec.key] = parse_column(encoded[index], spec, rules.INVENTORY_RULES[spec.key])
        apply_formulas(sheet, index, outcomes[spec.key])
    errors = [(pos, spec.header, *error) for _, spec in sheet.head.layout.positions
              for pos, error in outcomes[spec.key].errors.items()]
    wrong = np.zeros(size, dtype=bool)
    wrong[[error[0] for error in errors]] = True
    errors += cross_field_errors(sheet, encoded, RowValues(outcomes, size), ~wrong, fmt)
    wrong[[error[0] for error in errors]] = True
    keys = outcomes["application_number"].values
    for pos, first in duplicates(keys, ~wrong, sheet.row_numbers).items():
        errors.append((pos, fmt.column("application_number").header, str(keys.iat[pos]),
                       rules.duplicate_message(first)))
    wrong[[error[0] for error in errors]] = True
    cell_errors = [CellError(int(sheet.row_numbers[pos]), header, value, message)
                   for pos, header, value, message in errors]
    frame = pd.DataFrame({"row_number": sheet.row_numbers, **{k: o.values for k, o in outcomes.items()}})
    return rules.ColumnarResult(
        frame=frame[~wrong], errors=cell_errors, rejected={e.row for e in cell_errors},
        rows=lambda: materialise(frame[~wrong], sheet.head),
        fallback_cells=sum(o.fallback for o in outcomes.values()),
    )


def cross_field_errors(sheet: CalamineFrame, encoded: dict[int, Encoded], values: RowValues, clean: np.ndarray,
                       fmt: SheetFormat) -> list[tuple[int, str, str, str]]:
    found = []
    messages = rules.cross_rule_messages(fmt)
    for name, mask in cross_masks(values).items():
        header, message = messages[name]
        index = sheet.head.index_of.get(header)
        for pos in np.flatnonzero(mask & clean).tolist():
            raw = encoded[index].cells[pos] if index is not None else None
            found.append((pos, header, rules.written(raw), message))
    return found


def materialise(frame: pd.DataFrame, head: rules.SheetHead) -> dict[int, dict[str, object]]:
    """The accepted rows as Python dicts (what iter_rows' ParsedRow.values hold)."""
    columns = {name: frame[name].tolist() for name in frame.columns if name != "row_number"}
    return rules.rows_from_columns(frame["row_number"].tolist(), columns, [c.key for c in head.layout.absent])
