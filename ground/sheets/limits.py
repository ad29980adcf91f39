"""What a sheet file may declare before a parser reads it: sizes, compression, ranges, rows.

`SheetLimits.current()` holds the settings (SHEET_MAX_ROWS, SHEET_MAX_COLUMNS,
SHEET_MAX_MEMBER_BYTES, SHEET_MAX_TOTAL_BYTES, SHEET_MAX_COMPRESSION_RATIO,
SHEET_PARSE_MEMORY_MB, SHEET_PARSE_SECONDS). `check_package(path, limits)` reads only the .xlsx
zip's directory and the first kilobytes of each worksheet, and refuses (SheetError, in Chinese):
an encrypted workbook, a member compressed otherwise than stored or deflate, a member or a whole
package inflating past its limit or at a ratio only a zip bomb reaches, a declared used range
(<dimension>) or a cell reference past Excel's 1,048,576 rows or past the settings' rows and
columns, and a declared range too large for the parser's memory. `find_out_of_range_reference`
scans a whole sheet for such a reference: it names the culprit when the parser failed on a file
that passed the cheap checks.
"""

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from ground.sheets.errors import SheetError

# The header may follow up to ten title or note rows (DATA-STANDARD.md): a sheet holds its data
# rows below at most this many rows more.
MAX_TITLE_ROWS = 10

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# Members smaller than this are never bombs, whatever their ratio (a few repeated XML tags).
RATIO_FLOOR_BYTES = 1024 * 1024
# Bytes of each worksheet read before any parser: the <dimension> and the first rows.
HEAD_BYTES = 256 * 1024
# python-calamine holds a sheet's used range as a dense grid of cells of about this many bytes.
BYTES_PER_CELL = 32
_ALLOWED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_ENCRYPTED_FLAG = 0x1
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?"')
# A cell or row reference: r="B12" on a <c>, r="12" on a <row>.
_REFERENCE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?(?:c|row)\s[^>]*?\br="([A-Za-z]*)(\d*)"')


@dataclass(frozen=True)
class SheetLimits:
    """The bounds a sheet file is read within (see the settings named in the module docstring)."""

    max_rows: int
    max_columns: int
    max_member_bytes: int
    max_total_bytes: int
    max_compression_ratio: int
    memory_mb: int
    seconds: int

    @classmethod
    def current(cls) -> "SheetLimits":
        return cls(
            max_rows=settings.SHEET_MAX_ROWS,
            max_columns=settings.SHEET_MAX_COLUMNS,
            max_member_bytes=settings.SHEET_MAX_MEMBER_BYTES,
            max_total_bytes=settings.SHEET_MAX_TOTAL_BYTES,
            max_compression_ratio=settings.SHEET_MAX_COMPRESSION_RATIO,
            memory_mb=settings.SHEET_PARSE_MEMORY_MB,
            seconds=settings.SHEET_PARSE_SECONDS,
        )

    @property
    def max_sheet_rows(self) -> int:
        """The last sheet row number a sheet of max_rows data rows under its header may reach
        (title rows above the header, rare, count against the data rows)."""
        return self.max_rows + 1

    @property
    def column_ceiling(self) -> int:
        return min(self.max_columns, EXCEL_MAX_COLUMNS)


def column_number(letters: bytes | str) -> int:
    """1-based column number of Excel column letters ("A" 1, "XFD" 16,384); 0 for none."""
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii"):
        number = number * 26 + (ord(letter) - 64)
    return number


def too_many_rows(count: int, limits: SheetLimits) -> SheetError:
    return SheetError(_("文件约有 %(count)d 行,超过上限 %(limit)d 行,请拆分后分批导入")
                      % {"count": count, "limit": limits.max_rows})


def check_package(path: str | Path, limits: SheetLimits) -> None:
    """Refuse an .xlsx package whose directory or worksheets' first kilobytes break the limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(infos, limits)
            names = {info.filename for info in infos}
            if "xl/workbook.xml" not in names:
                raise SheetError(_("文件不是 Excel 工作簿(.xlsx)"))
            for info in _worksheets(infos):
                with archive.open(info) as handle:
                    head = handle.read(HEAD_BYTES)
                _check_dimension(head, limits)
                bad = _first_out_of_range(head, limits)
                if bad is not None:
                    raise out_of_range_error(bad, limits)
    except SheetError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError):
        raise SheetError(_("文件已损坏,无法作为 .xlsx 打开")) from None
    except Exception:  # zlib.error and the like: a damaged member
        raise SheetError(_("文件已损坏,无法作为 .xlsx 打开")) from None


def _worksheets(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    return [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]


def _check_members(infos: list[zipfile.ZipInfo], limits: SheetLimits) -> None:
    total = 0
    for info in infos:
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise SheetError(_("文件已加密(设置了打开密码),请在 Excel 中取消密码后另存再上传"))
        if info.compress_type not in _ALLOWED_METHODS:
            raise SheetError(_("文件使用了不支持的压缩方式,请在 Excel 中另存为 .xlsx 后上传"))
        if info.file_size > limits.max_member_bytes:
            raise SheetError(_("文件中的“%(member)s”解压后 %(size)d MB,超过上限 %(limit)d MB,请拆分后分批上传")
                             % {"member": info.filename[:80], "size": info.file_size // 2**20,
                                "limit": limits.max_member_bytes // 2**20})
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_compression_ratio * max(
                info.compress_size, 1):
            raise SheetError(_("文件解压后异常巨大(疑似压缩炸弹),已拒绝"))
        total += info.file_size
    if total > limits.max_total_bytes:
        raise SheetError(_("文件解压后共 %(size)d MB,超过上限 %(limit)d MB,请拆分后分批上传")
                         % {"size": total // 2**20, "limit": limits.max_total_bytes // 2**20})


def _check_dimension(head: bytes, limits: SheetLimits) -> None:
    """The used range Excel declares (<dimension ref="A1:U100002"/>), against the limits."""
    match = _DIMENSION.search(head)
    if match is None:
        return
    first_column, first_row, last_column, last_row = match.groups()
    if last_column is None and last_row is None:
        last_column, last_row = first_column, first_row
    rows = _number(last_row) - _number(first_row) + 1
    columns = column_number(last_column or b"") - column_number(first_column or b"") + 1
    for letters, digits in ((first_column, first_row), (last_column, last_row)):
        if _is_out_of_range(letters or b"", digits or b"", limits):
            raise out_of_range_error((letters or b"") + (digits or b""), limits)
    if rows > limits.max_sheet_rows:
        raise too_many_rows(rows - 1, limits)
    if rows > 0 and columns > 0 and rows * columns * BYTES_PER_CELL > limits.memory_mb * 2**20:
        raise SheetError(_("工作表声明的已用区域过大(%(rows)d 行 × %(columns)d 列),请删除多余的行和列后另存再上传")
                         % {"rows": rows, "columns": columns})


def _number(digits: bytes | None) -> int:
    return int(digits) if digits else 0


def _is_out_of_range(letters: bytes, digits: bytes, limits: SheetLimits) -> bool:
    if len(digits) > 9 or len(letters) > 3:
        return True
    return _number(digits) > EXCEL_MAX_ROWS or column_number(letters) > limits.column_ceiling


def _first_out_of_range(data: bytes, limits: SheetLimits) -> bytes | None:
    for match in _REFERENCE.finditer(data):
        if _is_out_of_range(match.group(1), match.group(2), limits):
            return match.group(1) + match.group(2)
    return None


def out_of_range_error(reference: bytes, limits: SheetLimits) -> SheetError:
    return SheetError(
        _("工作表中的单元格位置“%(reference)s”超出范围(最多 %(rows)d 行、%(columns)d 列),文件可能已损坏或被篡改")
        % {"reference": reference[:40].decode("ascii", "replace"), "rows": EXCEL_MAX_ROWS,
           "columns": limits.column_ceiling})


def find_out_of_range_reference(path: str | Path, limits: SheetLimits) -> SheetError | None:
    """The error naming the first cell or row reference past the limits in any worksheet, or
    None: a whole scan of the sheets' XML (a second per hundred megabytes), for a parser's failure."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in _worksheets(archive.infolist()):
                with archive.open(info) as handle:
                    for block in _blocks(handle):
                        bad = _first_out_of_range(block, limits)
                        if bad is not None:
                            return out_of_range_error(bad, limits)
    except Exception:  # a package the cheap checks let through but zipfile cannot read: nothing to name
        return None
    return None


def _blocks(handle) -> Iterator[bytes]:
    """The stream in blocks of a few megabytes overlapping by a tag's length (no reference is cut)."""
    tail = b""
    while chunk := handle.read(4 << 20):
        block = tail + chunk
        yield block
        tail = block[-256:]
