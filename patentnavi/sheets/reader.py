"""Opening an uploaded .xlsx or .csv and finding its header row.

Rows are streamed: a CSV is read line by line; an .xlsx is read by python-calamine, which
holds one sheet at a time (an .xlsx sheet stops at 1,048,576 rows, so the national base
library arrives as CSV or in several sheets).
"""

import csv
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from .errors import SheetError

# The header may follow up to ten title or note rows (DATA-STANDARD.md).
MAX_TITLE_ROWS = 10
# An .xlsx is a zip; refuse archives that would inflate absurdly (zip bombs).
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


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

    def rows(self) -> Iterator[tuple[int, list]]:
        return self._row_source


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
    raw = path.read_bytes()[:65536]
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
    if kind == "csv":
        candidates = [("CSV", lambda: _numbered(_open_csv(path)))]
    else:
        _check_zip(path)
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except CalamineError as error:
            raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": error}) from None
        except Exception as error:  # calamine raises several private types for corrupt files
            raise SheetError(_("无法读取 Excel 文件:%(error)s") % {"error": error}) from None

        def sheet_rows(name: str):
            return lambda: _numbered(workbook.get_sheet_by_name(name).iter_rows())

        candidates = [(name, sheet_rows(name)) for name in workbook.sheet_names]
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
        return RawSheet(name, header_row, headers, original, rows)
    if best_missing is None or best_missing == required:
        raise SheetError(
            _("文件中没有找到表头行:前 %(n)d 行内应有“%(headers)s”等列")
            % {"n": MAX_TITLE_ROWS + 1, "headers": "、".join(required_headers[:4])}
        )
    missing_names = [h for h in required_headers if normalize_header(h) in best_missing]
    raise SheetError(_("缺少必填列:%(columns)s") % {"columns": "、".join(missing_names)})


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
