"""Opening an uploaded .xlsx or .csv and finding its header row.

Rows are streamed: a CSV is read line by line; an .xlsx is read by python-calamine, which
holds one sheet at a time, or, for a sheet whose XML exceeds STREAM_SHEET_BYTES, by
xlsx_stream, one row at a time (an .xlsx sheet stops at 1,048,576 rows, so the national base
library arrives as CSV or in several sheets).
"""

import csv
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from ground.sheets import xlsx_stream
from ground.sheets.errors import SheetError

# The header may follow up to ten title or note rows (DATA-STANDARD.md).
MAX_TITLE_ROWS = 10
# An .xlsx is a zip; refuse archives that would inflate absurdly (zip bombs).
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
XLSX_MAGIC = b"PK\x03\x04"
# estimate_rows reads at most this much of a sheet's XML, then extrapolates.
ESTIMATE_SAMPLE_BYTES = 4 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


# python-calamine holds a whole sheet while it is read (about twice the sheet's XML); a sheet
# whose XML is larger than this is streamed instead (xlsx_stream), to keep memory flat.
STREAM_SHEET_BYTES = 128 * 1024**2
_SCANNER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sheet-formula-scan")


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


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise SheetError(_("文件已损坏,无法作为 .xlsx 打开")) from None
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
        raise SheetError(_("文件解压后异常巨大(疑似压缩炸弹),已拒绝"))
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise SheetError(_("文件不是 Excel 工作簿(.xlsx)"))


def sniff_kind(path: Path, original_name: str) -> str:
    """"xlsx" or "csv", from the file's content first and its name second."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise SheetError(_("文件是空的"))
    if head.startswith(OLE_MAGIC):
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


def _open_csv(path: Path) -> Iterator[list]:
    # Only the head decides the encoding: reading the whole file here would hold a 1 GB base library.
    with open(path, "rb") as head:
        raw = head.read(65536)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError as error:
            # The sample may cut a multi-byte character in half at its end.
            if error.start < len(raw) - 4:
                continue
        break
    else:
        raise SheetError(_("无法识别 CSV 文件的字符编码,请保存为 UTF-8 编码"))
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 (closed by the generator)

    def generate():
        with handle:
            yield from csv.reader(handle)

    return generate()


def open_sheet(path: str | Path, original_name: str, required_headers: list[str]) -> RawSheet:
    """Open the file and return the first sheet holding every required header (its header row found).

    Raises SheetError, in Chinese, for an empty or unreadable file, an unsupported type, or a
    file in which no sheet has the required headers (naming the missing ones).
    """
    path = Path(path)
    kind = sniff_kind(path, original_name)
    required = {normalize_header(h) for h in required_headers}
    best_missing: set[str] | None = None
    first_column: dict[str, int] = {}
    scans: dict[str, Future] = {}
    if kind == "csv":
        candidates = [("CSV", lambda: _numbered(_open_csv(path)))]
    else:
        candidates = _workbook_candidates(path, first_column)
        # The formula scan inflates the sheet XML: it runs beside python-calamine's load (which
        # releases the GIL), so on two cores it costs no time.
        scans = {name: _SCANNER.submit(formulas_without_values, path, name) for name, _ in candidates}
    for name, make_rows in candidates:
        rows = make_rows()
        found = _find_header(rows, required)
        if found is None:
            # Remember how close the best sheet came, to name the missing columns.
            head = _first_rows_headers(make_rows())
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


def _workbook_candidates(path: Path, first_column: dict[str, int]) -> list[tuple[str, Callable]]:
    """(sheet name, function returning its numbered rows) for each sheet of the workbook, in order.

    A sheet too large to hold is streamed row by row (xlsx_stream), cells at their absolute
    columns; otherwise python-calamine reads it, and records in `first_column` where its rows start.
    """
    _check_zip(path)
    if _largest_sheet_bytes(path) > STREAM_SHEET_BYTES:
        try:
            streamed = xlsx_stream.Workbook(path)
        except (KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as error:
            raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": error}) from None
        return [(name, lambda name=name: streamed.rows(name)) for name in streamed.sheet_names]
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except CalamineError as error:
        raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": error}) from None
    except Exception as error:  # calamine raises several private types for corrupt files
        raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": error}) from None

    def sheet_rows(name: str):
        def make():
            sheet = workbook.get_sheet_by_name(name)
            # python-calamine's rows start at the first used column; formula positions are absolute.
            first_column[name] = sheet.start[1] if sheet.start else 0
            return _numbered(sheet.iter_rows())

        return make

    return [(name, sheet_rows(name)) for name in workbook.sheet_names]


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
    size. Unreadable files count 0 (the reader reports what is wrong).
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
            if largest.file_size > MAX_UNCOMPRESSED_BYTES:
                return 0
            with archive.open(largest) as handle:
                # Excel writes the used range first: <dimension ref="A1:U100002"/>.
                dimension = _DIMENSION.search(handle.read(4096))
            if dimension:
                first, last = int(dimension.group(1)), int(dimension.group(2) or dimension.group(1))
                return last - first + 1
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
                        return int(count * largest.file_size / read)
            return count
    except (zipfile.BadZipFile, zlib.error, OSError):
        return 0
