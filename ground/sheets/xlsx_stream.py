"""Rows of a large .xlsx sheet, streamed.

python-calamine loads a whole sheet before giving its first row: about 2 KB a row for the base
library, 2 GB for a sheet of a million rows. Above `reader.STREAM_SHEET_BYTES` of sheet XML the
reader uses this module instead: the sheet's XML is parsed as it is inflated, one row at a time,
and the shared strings (Excel keeps every distinct text of the workbook there) are spilled to a
temporary file, so memory holds 8 bytes per distinct string instead of the strings themselves.

Cells come out as python-calamine gives them: numbers as float, date-formatted numbers as
date or datetime, booleans as bool, text as str, empty cells as "". Rows are numbered as Excel
numbers them; a row absent from the XML (an empty row) is not yielded. Hidden sheets are left
out; a cell past the column limit given to `rows` raises SheetError.
"""

import array
import datetime as dt
import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse

from django.utils.translation import gettext as _

from ground.sheets.errors import SheetError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN, _PHONETIC = (
    f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v", f"{_MAIN}is", f"{_MAIN}t", f"{_MAIN}r", f"{_MAIN}rPh",
)
_SHEET_DATA = f"{_MAIN}sheetData"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
# Built-in number formats that show dates or times (ECMA-376 §18.8.30, with the CJK ones).
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
# In a custom format, what is quoted, escaped or in brackets ([Red], [$-804]) is not a date part.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of `part`."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    if rels_part not in archive.namelist():
        return {}
    result = {}
    for _event, element in iterparse(archive.open(rels_part)):
        if element.tag == f"{_PACKAGE_REL}Relationship":
            target = element.get("Target", "")
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            result[element.get("Id", "")] = (element.get("Type", ""), target)
    return result


class Workbook:
    """The parts of an .xlsx needed to stream its sheets (opened once, sheets read on demand)."""

    def __init__(self, path) -> None:
        self.path = str(path)
        with zipfile.ZipFile(self.path) as archive:
            relations = _rels(archive, "xl/workbook.xml")
            self.sheets: list[tuple[str, str]] = []  # (name, part), in workbook order
            self.date1904 = False
            for _event, element in iterparse(archive.open("xl/workbook.xml")):
                if element.tag == f"{_MAIN}sheet":
                    kind, part = relations.get(element.get(f"{_REL}id", ""), ("", ""))
                    visible = element.get("state", "visible") == "visible"
                    if visible and kind.endswith("/worksheet") and part in archive.namelist():
                        self.sheets.append((element.get("name", ""), part))
                elif element.tag == f"{_MAIN}workbookPr":
                    self.date1904 = element.get("date1904", "0") in ("1", "true")
            targets = {kind.rsplit("/", 1)[-1]: part for kind, part in relations.values()}
            self.date_styles = self._date_styles(archive, targets.get("styles"))
            self.strings = SharedStrings(archive, targets.get("sharedStrings"))

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _part in self.sheets]

    @staticmethod
    def _date_styles(archive: zipfile.ZipFile, part: str | None) -> frozenset[int]:
        """Indexes of the cell styles (cellXfs) whose number format shows a date."""
        if not part or part not in archive.namelist():
            return frozenset()
        custom: dict[int, str] = {}
        formats: list[int] = []
        in_cell_xfs = False
        for event, element in iterparse(archive.open(part), events=("start", "end")):
            if element.tag == f"{_MAIN}cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and element.tag == f"{_MAIN}numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and element.tag == f"{_MAIN}xf" and in_cell_xfs:
                formats.append(int(element.get("numFmtId", "0")))

        def is_date(format_id: int) -> bool:
            if format_id in custom:
                code = _FORMAT_NOISE.sub("", custom[format_id].split(";")[0]).lower()
                return any(letter in code for letter in "dmyhs") and "general" not in code
            return format_id in _DATE_FORMAT_IDS

        return frozenset(index for index, format_id in enumerate(formats) if is_date(format_id))

    def rows(self, name: str, max_columns: int = 16_384) -> Iterator[tuple[int, list]]:
        """(row number, cells) of the sheet called `name`, as the XML is inflated; a cell past
        column `max_columns` raises SheetError (its blanks before it would be held)."""
        part = dict(self.sheets)[name]
        strings, date_styles = self.strings, self.date_styles
        epoch = _EPOCH_1904 if self.date1904 else _EPOCH_1900
        with zipfile.ZipFile(self.path) as archive, archive.open(part) as handle:
            sheet_data = None
            previous = 0
            for event, element in iterparse(handle, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == _SHEET_DATA:
                        sheet_data = element
                    continue
                if tag != _ROW:
                    continue
                reference = element.get("r")
                row_number = int(reference) if reference else previous + 1
                previous = row_number
                cells: list = []
                for cell in element:
                    if cell.tag != _CELL:
                        continue
                    reference = cell.get("r")
                    if reference:
                        match = _CELL_REF.match(reference)
                        column = _column_index(match.group(1)) if match else len(cells)
                    else:
                        column = len(cells)
                    if column >= max_columns:
                        raise SheetError(_("第 %(row)d 行的单元格“%(reference)s”超出 %(limit)d 列的上限") % {
                            "row": row_number, "reference": (reference or "")[:40], "limit": max_columns})
                    if column > len(cells):
                        cells.extend([""] * (column - len(cells)))
                    cells.append(_value(cell, strings, date_styles, epoch))
                yield row_number, cells
                # Done with the row: drop it (and any before it) from the tree being built.
                if sheet_data is not None:
                    sheet_data.clear()
                else:
                    element.clear()


def _inline_text(container) -> str:
    parts = []
    for child in container:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            parts.extend(t.text or "" for t in child if t.tag == _TEXT)
        # <rPh> (phonetic guide) is not part of the text
    return "".join(parts)


def _value(cell, strings: "SharedStrings", date_styles: frozenset[int], epoch: dt.datetime) -> object:
    kind = cell.get("t", "n")
    value = cell.find(_VALUE)
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return _inline_text(inline) if inline is not None else ""
    if value is None or value.text is None:
        return ""  # an empty styled cell, or a formula saved without a value (found by the formula scan)
    text = value.text
    if kind == "s":
        return strings[int(text)]
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    try:
        number = float(text)
    except ValueError:
        return text
    style = cell.get("s")
    if style is not None and int(style) in date_styles:
        moment = epoch + dt.timedelta(days=number)
        return moment.date() if number.is_integer() else moment
    return number


class SharedStrings:
    """The workbook's shared strings, spilled to a temporary file and read back with pread.

    pread rather than mmap: mapped pages would count in the process's resident memory as the
    sheet is read; read back, they stay in the page cache, which the kernel manages.
    """

    def __init__(self, archive: zipfile.ZipFile, part: str | None) -> None:
        self._offsets = array.array("q", [0])
        self._fd = -1
        if not part or part not in archive.namelist():
            return
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the workbook is read)
        root = None
        written = 0
        for event, element in iterparse(archive.open(part), events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                continue
            if element.tag != f"{_MAIN}si":
                continue
            data = _inline_text(element).encode("utf-8")
            self._file.write(data)
            written += len(data)
            self._offsets.append(written)
            root.clear()  # the <si> just read, and all before it
        self._file.flush()
        self._fd = self._file.fileno()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        return os.pread(self._fd, end - start, start).decode("utf-8") if end > start else ""
