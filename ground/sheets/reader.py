"""Opening an uploaded .xlsx or .csv and finding its header row, in the calling process.

Rows are streamed: a CSV is read line by line; an .xlsx is read by python-calamine, which
holds one sheet at a time, or, for a sheet whose XML exceeds STREAM_SHEET_BYTES, by
xlsx_stream, one row at a time (an .xlsx sheet stops at 1,048,576 rows, so the national base
library arrives as CSV or in several sheets). Only visible worksheets are read.

Before a parser reads an .xlsx, its package is checked (ground.sheets.limits.check_package);
rows past SheetLimits.max_rows are refused as they come. Whatever a parser raises, at the opening
or while rows are read, becomes a SheetError in Chinese naming the row where it is known. The
platform reads uploads through ground.sheets.bounded, which runs this module in a child process
held to a memory and CPU budget.
"""

import codecs
import csv
import os
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from ground.sheets import xlsx_stream
from ground.sheets.errors import SheetError
from ground.sheets.limits import EXCEL_MAX_ROWS, MAX_TITLE_ROWS, SheetLimits, check_package, too_many_rows

# The header may follow up to ten title or note rows (DATA-STANDARD.md).
XLSX_MAGIC = b"PK\x03\x04"
# estimate_rows reads at most this much of a sheet's XML, then extrapolates.
ESTIMATE_SAMPLE_BYTES = 4 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


# python-calamine holds a whole sheet while it is read (about twice the sheet's XML); a sheet
# whose XML is larger than this is streamed instead (xlsx_stream), to keep memory flat.
STREAM_SHEET_BYTES = 128 * 1024**2
# The formula scans' threads, one pool per process: a pool's threads do not survive a fork.
_SCANNERS: dict[int, ThreadPoolExecutor] = {}


def _scanner() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _SCANNERS:
        _SCANNERS[pid] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sheet-formula-scan")
    return _SCANNERS[pid]


def normalize_header(value: object) -> str:
    """Headers match after trimming, folding full width and dropping inner spaces and line breaks."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return "".join(text.split())


@dataclass
class RawSheet:
    """A sheet whose header row has been found. `rows()` yields (sheet row number, raw cells)."""

    name: str
    header_row: int  # 1-based, as Excel shows it
    headers: list[str]  # normalised
    original_headers: list[str]
    _row_source: Iterator[tuple[int, list]] = field(repr=False)
    # (sheet row number, index in the row's cells) of formula cells saved without a value
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set, repr=False)

    def rows(self) -> Iterator[tuple[int, list]]:
        return self._row_source


def _largest_sheet_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return max(
            (i.file_size for i in archive.infolist()
             if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")),
            default=0,
        )


# Excel keeps a workbook with an opening password as an OLE container holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _holds_encrypted_package(path: Path) -> bool:
    """Whether the OLE container at `path` is an encrypted .xlsx (its directory names the stream)."""
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED_PACKAGE):]
    return False


def sniff_kind(path: Path, original_name: str) -> str:
    """"xlsx" or "csv", from the file's content first and its name second."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise SheetError(_("文件是空的"))
    if head.startswith(OLE_MAGIC):
        if _holds_encrypted_package(path):
            raise SheetError(_("文件已加密(设置了打开密码),请在 Excel 中取消密码后另存再上传"))
        raise SheetError(_("不支持旧版 Excel 97-2003(.xls)文件,请在 Excel 中另存为 .xlsx 后上传"))
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    suffix = Path(original_name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        raise SheetError(_("文件扩展名是 .xlsx,但内容不是 Excel 工作簿"))
    if suffix not in {".csv", ".txt", ""}:
        raise SheetError(_("不支持的文件类型“%(suffix)s”,请上传 .xlsx 或 .csv 文件") % {"suffix": suffix})
    return "csv"


def _find_header(
    rows: Iterator[tuple[int, list]], required: set[str]
) -> tuple[int, list[str], list[str]] | None:
    for row_number, cells in rows:
        headers = [normalize_header(cell) for cell in cells]
        if required <= set(headers):
            return row_number, headers, [str(c) if c is not None else "" for c in cells]
        if row_number > MAX_TITLE_ROWS + 1:
            return None
    return None


def _numbered(rows) -> Iterator[tuple[int, list]]:
    for index, cells in enumerate(rows, start=1):
        yield index, list(cells)


def _guarded(make_rows: Callable[[], Iterator[tuple[int, list]]], limits: SheetLimits) -> Iterator[tuple[int, list]]:
    """The rows `make_rows()` gives, refused past `limits.max_rows`; whatever the parser raises,
    at the opening or while reading, becomes a SheetError naming the row it stopped at."""
    row_number = 0
    try:
        for row_number, cells in make_rows():
            if row_number > limits.max_sheet_rows:
                raise too_many_rows(row_number - 1, limits)
            yield row_number, cells
    except SheetError:
        raise
    except Exception as error:
        raise reading_error(error, row_number + 1) from None


def _shown(error: BaseException) -> str:
    """A parser's own words about a file, short and without the NULs a hostile file may put in them."""
    return str(error).replace("\x00", "\ufffd")[:300]


def reading_error(error: BaseException, row: int) -> SheetError:
    """A parser's failure at sheet row `row` (about: a parser reads ahead) as a message for the uploader."""
    if isinstance(error, UnicodeDecodeError):
        return SheetError(_("第 %(row)d 行有无法识别的字符:文件的字符编码应统一为 UTF-8 或 GB18030")
                          % {"row": row})
    if isinstance(error, csv.Error) and "field larger" in str(error):
        return SheetError(_("第 %(row)d 行有单元格超过 %(limit)d 个字符,请检查引号是否配对")
                          % {"row": row, "limit": csv.field_size_limit()})
    if isinstance(error, csv.Error):
        return SheetError(_("第 %(row)d 行的 CSV 格式有误,请检查引号和分隔符") % {"row": row})
    if isinstance(error, MemoryError):
        return SheetError(_("读取第 %(row)d 行时内存不足:文件过大或已损坏") % {"row": row})
    return SheetError(_("读取第 %(row)d 行时出错,文件可能已损坏,请在 Excel 中另存后重新上传") % {"row": row})


def _open_csv(path: Path) -> Iterator[list]:
    # Only the head decides the encoding: reading the whole file here would hold a 1 GB base library.
    with open(path, "rb") as head:
        raw = head.read(65536)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError as error:
            # The sample may cut a multi-byte character (up to 4 bytes) in half at its end; the
            # position counts from after a byte-order mark (3 bytes).
            if error.start < len(raw) - 7:
                continue
        break
    else:
        raise SheetError(_("无法识别 CSV 文件的字符编码,请保存为 UTF-8 编码"))
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 (closed by the generator)

    def generate():
        with handle:
            try:
                yield from csv.reader(handle)
            except UnicodeDecodeError:
                # The text is decoded ahead of the rows: the line is found again in the bytes.
                raise SheetError(_("第 %(row)d 行有无法识别的字符:文件的字符编码应统一为 UTF-8 或 GB18030")
                                 % {"row": _undecodable_line(path, encoding)}) from None

    return generate()


def _undecodable_line(path: Path, encoding: str) -> int:
    """The number of the first line of the file at `path` that `encoding` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return number
    return number


def open_sheet(path: str | Path, original_name: str, required_headers: list[str],
               limits: SheetLimits | None = None) -> RawSheet:
    """Open the file and return the first visible sheet holding every required header (its header row found).

    Raises SheetError, in Chinese, for an empty, unreadable or hostile file (past `limits`, by
    default the settings' SheetLimits), an unsupported type, or a file in which no sheet has the
    required headers (naming the missing ones); the rows raise it, naming the row, when the file
    turns out unreadable further on.
    """
    limits = limits or SheetLimits.current()
    try:
        return _open_sheet(Path(path), original_name, required_headers, limits)
    except SheetError:
        raise
    except Exception as error:
        raise reading_error(error, 1) from None


def _open_sheet(path: Path, original_name: str, required_headers: list[str], limits: SheetLimits) -> RawSheet:
    kind = sniff_kind(path, original_name)
    required = {normalize_header(h) for h in required_headers}
    best_missing: set[str] | None = None
    first_column: dict[str, int] = {}
    scans: dict[str, Future] = {}
    if kind == "csv":
        candidates = [("CSV", lambda: _numbered(_open_csv(path)))]
    else:
        candidates = _workbook_candidates(path, first_column, limits)
        # The formula scan inflates the sheet XML: it runs beside python-calamine's load (which
        # releases the GIL), so on two cores it costs no time.
        scans = {name: _scanner().submit(formulas_without_values, path, name) for name, _ in candidates}
    for name, make_rows in candidates:
        rows = _guarded(make_rows, limits)
        found = _find_header(rows, required)
        if found is None:
            # Remember how close the best sheet came, to name the missing columns.
            head = _first_rows_headers(_guarded(make_rows, limits))
            missing = required - head
            if best_missing is None or len(missing) < len(best_missing):
                best_missing = missing
            continue
        header_row, headers, original = found
        uncached: set[tuple[int, int]] = set()
        if kind == "xlsx":
            uncached = _uncached_cells(scans, name, header_row, first_column.get(name, 0))
        return RawSheet(name, header_row, headers, original, rows, uncached)
    raise _no_header_error(required_headers, required, best_missing)


def _workbook_candidates(path: Path, first_column: dict[str, int], limits: SheetLimits) -> list[tuple[str, Callable]]:
    """(sheet name, function returning its numbered rows) for each visible worksheet, in order.

    A sheet too large to hold is streamed row by row (xlsx_stream), cells at their absolute
    columns; otherwise python-calamine reads it, and records in `first_column` where its rows start.
    """
    check_package(path, limits)
    if _largest_sheet_bytes(path) > STREAM_SHEET_BYTES:
        try:
            streamed = xlsx_stream.Workbook(path)
        except (KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as error:
            raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": _shown(error)}) from None
        return [(name, lambda name=name: streamed.rows(name, limits.column_ceiling))
                for name in streamed.sheet_names]
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except CalamineError as error:
        raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": _shown(error)}) from None
    except Exception as error:  # calamine raises several private types for corrupt files
        raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": _shown(error)}) from None

    def sheet_rows(name: str):
        def make():
            sheet = workbook.get_sheet_by_name(name)
            # python-calamine's rows start at the first used column; formula positions are absolute.
            first_column[name] = sheet.start[1] if sheet.start else 0
            return _numbered(sheet.iter_rows())

        return make

    visible = [sheet.name for sheet in workbook.sheets_metadata
               if sheet.visible == SheetVisibleEnum.Visible and sheet.typ == SheetTypeEnum.WorkSheet]
    return [(name, sheet_rows(name)) for name in visible]


def _uncached_cells(scans: dict[str, Future], name: str, header_row: int, offset: int) -> set[tuple[int, int]]:
    """(row, column) of the data cells of sheet `name` holding a formula without a saved value,
    columns counted from the sheet's first used one; the other sheets' scans are cancelled."""
    for other, scan in scans.items():
        if other != name:
            scan.cancel()
    return {
        (row, column - offset)
        for row, column in scans[name].result()
        if row > header_row and column >= offset
    }


def _no_header_error(required_headers: list[str], required: set[str], best_missing: set[str] | None) -> SheetError:
    """The error for a file in which no sheet holds every required header."""
    if best_missing is None or best_missing == required:
        return SheetError(
            _("文件中没有找到表头行:前 %(n)d 行内应有“%(headers)s”等列")
            % {"n": MAX_TITLE_ROWS + 1, "headers": "、".join(required_headers[:4])}
        )
    missing_names = [h for h in required_headers if normalize_header(h) in best_missing]
    return SheetError(_("缺少必填列:%(columns)s") % {"columns": "、".join(missing_names)})


def _first_rows_headers(rows: Iterator[tuple[int, list]]) -> set[str]:
    seen: set[str] = set()
    best: set[str] = set()
    for row_number, cells in rows:
        seen = {normalize_header(c) for c in cells if c not in (None, "")}
        if len(seen) > len(best):
            best = seen
        if row_number > MAX_TITLE_ROWS + 1:
            break
    return best


# --- formulas without saved values -------------------------------------------------------------
# python-calamine gives a formula cell's saved (cached) value, and nothing for a formula saved
# without one (files written by scripts, or by Excel with calculation switched off). Finding the
# latter means reading the sheet's XML; a sheet with no <f> element at all is passed over after
# one byte scan, so ordinary files pay a few milliseconds.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*>$")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>[^<]+</(?:[A-Za-z_][\w.-]*:)?v>")
_EMPTY_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v\s*/?>")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="[A-Z]{1,3}(\d+)(?::[A-Z]{1,3}(\d+))?"')
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding the worksheet called `sheet_name`."""
    from xml.etree import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = next(
        (
            el.get(f"{_REL_NS}id")
            for el in workbook.iter()
            if el.tag.endswith("}sheet") and el.get("name") == sheet_name
        ),
        None,
    )
    target = next((el.get("Target") for el in rels if el.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def formulas_without_values(path: str | Path, sheet_name: str) -> set[tuple[int, int]]:
    """(row number, 0-based column) of every formula cell of the sheet saved without a value."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet_name)
        if part is None or part not in archive.namelist():
            return set()
        # First a streaming scan (flat memory): most sheets hold no formula at all.
        tail = b""
        with archive.open(part) as handle:
            while chunk := handle.read(1 << 20):
                block = tail + chunk
                # bytes.find is a memchr-speed scan; the regex only confirms a candidate.
                if (b"<f" in block or b":f" in block) and _FORMULA_TAG.search(block):
                    break
                tail = block[-64:]
            else:
                return set()
        # Then the sheet again, a few megabytes at a time, cut at row starts so that no cell is
        # split: reading it whole would hold a million-row sheet's XML (about a gigabyte).
        found: set[tuple[int, int]] = set()
        carry = b""
        with archive.open(part) as handle:
            while True:
                chunk = handle.read(8 << 20)
                data = carry + chunk
                if not chunk:
                    found |= _formulas_without_values_in(data)
                    break
                cut = _last_row_start(data)
                if cut <= 0:
                    carry = data  # no row boundary yet: read on
                    continue
                found |= _formulas_without_values_in(data[:cut])
                carry = data[cut:]
    return found


_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>]")


def _last_row_start(data: bytes) -> int:
    """Offset of the last `<row` tag in `data` (0 if none past the start)."""
    position = len(data)
    while True:
        position = max(data.rfind(b"<row", 0, position), data.rfind(b":row", 0, position))
        if position <= 0:
            return 0
        start = data.rfind(b"<", 0, position + 1)
        if start >= 0 and _ROW_START.match(data, start):
            return start


def _formulas_without_values_in(data: bytes) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for match in _FORMULA_TAG.finditer(data):
        start = data.rfind(b"<", 0, match.start())
        cell_tag = _CELL_START.match(data, start, match.start()) if start >= 0 else None
        if cell_tag is None:
            continue  # <f> outside a cell start (not a cell formula)
        ref = _CELL_REF.search(cell_tag.group(0))
        end = _CELL_END.search(data, match.start())
        if ref is None or end is None:
            continue
        if _VALUE.search(data, match.start(), end.start()) is not None:
            continue
        if b't="str"' in cell_tag.group(0) and _EMPTY_VALUE.search(data, match.start(), end.start()):
            continue  # a formula whose saved result is the empty string
        found.add((int(ref.group(2)), _column_index(ref.group(1))))
    return found


def estimate_rows(path: str | Path, original_name: str) -> int:
    """About how many rows the file holds, cheaply (to choose between inline work and a task).

    CSV: its line count. xlsx: the used range Excel records (<dimension>), else the `<row`
    elements of its largest worksheet, counted in its first megabytes and extrapolated to its
    size, at most EXCEL_MAX_ROWS + 1 (the reader refuses more). Unreadable files count 0 (the
    reader reports what is wrong).
    """
    path = Path(path)
    try:
        kind = sniff_kind(path, original_name)
    except SheetError:
        return 0
    if kind == "csv":
        count = 0
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
        return count
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = [
                info
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            ]
            if not sheets:
                return 0
            largest = max(sheets, key=lambda info: info.file_size)
            if largest.file_size > SheetLimits.current().max_member_bytes:
                return 0
            with archive.open(largest) as handle:
                # Excel writes the used range first: <dimension ref="A1:U100002"/>.
                dimension = _DIMENSION.search(handle.read(4096))
            if dimension:
                first, last = int(dimension.group(1)), int(dimension.group(2) or dimension.group(1))
                # A sheet holds at most EXCEL_MAX_ROWS: a larger declared range is refused by the reader.
                return max(0, min(last - first + 1, EXCEL_MAX_ROWS + 1))
            count, tail, read = 0, b"", 0
            with archive.open(largest) as handle:
                while chunk := handle.read(1 << 20):
                    read += len(chunk)
                    block = tail + chunk
                    count += block.count(b"<row ") + block.count(b"<row>")
                    tail = block[-5:]
                    count -= tail.count(b"<row ") + tail.count(b"<row>")
                    if read >= ESTIMATE_SAMPLE_BYTES:
                        # A large sheet: extrapolate from the first megabytes (rows are alike).
                        return min(int(count * largest.file_size / read), EXCEL_MAX_ROWS + 1)
            return count
    except Exception:  # damaged, encrypted, oddly compressed: the reader says what is wrong
        return 0
