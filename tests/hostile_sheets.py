"""Hostile sheet files, built from raw bytes: poisoned .xlsx packages and broken CSVs.

`xlsx(sheets)` writes a minimal workbook whose worksheets' XML is given as is; `worksheet(rows)`
wraps row XML; `inline_row(number, values)` writes a row of inline strings. `hostile_files(seed,
headers, rows)` yields (kind, file name, bytes) for a deterministic mix of the kinds a hostile
uploader sends, built around a valid sheet of `headers` and `rows`.
"""

import bz2
import codecs
import io
import random
import struct
import zipfile
from collections.abc import Iterator
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def column_letters(index: int) -> str:
    """Excel's letters of 0-based column `index`."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline_row(number: int, values: list, *, first_column: int = 0) -> str:
    cells = []
    for offset, value in enumerate(values):
        ref = f"{column_letters(first_column + offset)}{number}"
        if value is None or value == "":
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def worksheet(rows_xml: str, *, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{declared}'
            f"<sheetData>{rows_xml}</sheetData></worksheet>")


def sheet_of(headers: list[str], rows: list[list], *, dimension: str | None = None) -> str:
    body = [inline_row(1, headers)] + [inline_row(number, row) for number, row in enumerate(rows, start=2)]
    return worksheet("".join(body), dimension=dimension)


def xlsx(sheets: list[tuple[str, str]] | str, *, hidden: frozenset[str] = frozenset(),
         method: int = zipfile.ZIP_DEFLATED, extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook of (name, worksheet XML) sheets (a lone XML string: one sheet "Sheet1")."""
    if isinstance(sheets, str):
        sheets = [("Sheet1", sheets)]
    hidden_state = ' state="hidden"'
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"{hidden_state if name in hidden else ""}/>'
        for i, (name, _xml) in enumerate(sheets, start=1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1))
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'spreadsheetml.sheet.main+xml"/>{overrides}</Types>'))
        archive.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}"><Relationship '
            f'Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f'<sheets>{entries}</sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}">{rels}</Relationships>'))
        for i, (_name, xml) in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml, compress_type=method)
        for name, data in (extra or {}).items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def with_encryption_flag(content: bytes) -> bytes:
    """The zip with the "encrypted" bit set on every member, in local and central headers."""
    data = bytearray(content)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            flags = struct.unpack_from("<H", data, start + flag_offset)[0]
            struct.pack_into("<H", data, start + flag_offset, flags | 0x1)
            start += 4
    return bytes(data)


def with_method(content: bytes, method: int) -> bytes:
    """The zip with its members' compression method number rewritten (the data left as it is)."""
    data = bytearray(content)
    for signature, method_offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            struct.pack_into("<H", data, start + method_offset, method)
            start += 4
    return bytes(data)


def bzip2_workbook(headers: list[str], rows: list[list]) -> bytes:
    return xlsx(sheet_of(headers, rows), method=zipfile.ZIP_BZIP2)


def lzma_workbook(headers: list[str], rows: list[list]) -> bytes:
    return xlsx(sheet_of(headers, rows), method=zipfile.ZIP_LZMA)


def encrypted_ole(rng: random.Random) -> bytes:
    """What Excel writes for a workbook with an opening password: an OLE container (its directory
    naming EncryptionInfo and EncryptedPackage), here with random filler."""
    names = b"".join(name.encode("utf-16-le").ljust(64, b"\0") for name in ("EncryptionInfo", "EncryptedPackage"))
    return OLE_MAGIC + rng.randbytes(504) + names + rng.randbytes(rng.randint(100, 3000))


def csv_bytes(headers: list[str], rows: list[list], *, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(headers)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


# --- the mix ------------------------------------------------------------------------------------


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        choice = rng.random()
        position = rng.randrange(len(data)) if data else 0
        if choice < 0.5 and data:
            data[position] = rng.randrange(256)
        elif choice < 0.7:
            data[position:position] = rng.randbytes(rng.randint(1, 16))
        elif choice < 0.9 and data:
            del data[position:position + rng.randint(1, 64)]
        else:
            data = data[:position]  # truncated
    return bytes(data)


_XML_POISONS = [
    '<row r="99999999999"><c r="A99999999999"><v>1</v></c></row>',
    '<row r="1048577"><c r="A1048577"><v>1</v></c></row>',
    '<row r="5"><c r="ZZZZZZ5"><v>1</v></c></row>',
    '<row r="6"><c r="XFE6"><v>1</v></c></row>',
    '<row r="7"><c r="A7" t="s"><v>999999</v></c></row>',
    '<row r="8"><c r="A8"><f>SUM(1,2)</f></c><c r="B8"><f>1/0</f></c></row>',
    '<row r="9"><c r="A9" t="inlineStr"><is><t>\u0000</t></is></c></row>',
    '<row r="10"><c r="A10"><v>not a number</v></c></row>',
    '<row r="-4"><c r="A-4"><v>1</v></c></row>',
    '<row r="11"><c r="A11" t="d"><v>9999-99-99</v></c></row>',
    '<row r="12"><c r="A12" t="b"><v>2</v></c></row>',
    '<row r="13"><c r="A13" s="999"><v>1e308</v></c></row>',
    "<row r=\"14\"><c r=\"A14\" t=\"inlineStr\"><is><t>&#xD800;</t></is></c></row>",
    '<row r="15"><c',
    "</sheetData><sheetData>",
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    "&undefined;",
]


def _mutate_xml(rng: random.Random, xml: str) -> str:
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.5:
            position = xml.find("</sheetData>")
            cut = rng.choice([position, rng.randrange(len(xml))]) if position >= 0 else rng.randrange(len(xml))
            xml = xml[:cut] + rng.choice(_XML_POISONS) + xml[cut:]
        elif choice < 0.7:
            xml = xml.replace('r="', f'r="{rng.choice(["", "Q", "ZZZ", "9999999"])}', rng.randint(1, 3))
        elif choice < 0.85:
            start = rng.randrange(len(xml))
            xml = xml[:start] + xml[start + rng.randint(1, 40):]
        else:
            corner = rng.choice(["XFD1048576", "ZZ99999999", "B3"])
            xml = xml.replace("<sheetData>", f'<dimension ref="A1:{corner}"/><sheetData>', 1)
    return xml


class _Kinds:
    """The makers of each kind of hostile file, drawing from one seeded generator."""

    def __init__(self, rng: random.Random, headers: list[str], rows: list[list]) -> None:
        self.rng, self.headers, self.rows = rng, headers, rows
        self.valid_xlsx = xlsx(sheet_of(headers, rows))
        self.valid_csv = csv_bytes(headers, rows)

    def big_declared(self) -> bytes:
        dimension = self.rng.choice(["A1:XFD99999999", "A1:XFD1048576", "A1:ZZZZ9"])
        return xlsx(sheet_of(self.headers, self.rows, dimension=dimension))

    def poisoned_rows(self) -> bytes:
        poison = self.rng.choice(_XML_POISONS[:4])
        body = "".join(inline_row(n, r) for n, r in enumerate(self.rows, start=2))
        return xlsx(worksheet(inline_row(1, self.headers) + poison + body))

    def zip_bomb(self) -> bytes:
        filler = "<!-- " + " " * self.rng.randint(3, 12) * 1024 * 1024 + " -->"
        padding = None
        if self.rng.random() < 0.5:
            padding = {"xl/media/image1.bin": self.rng.randbytes(self.rng.randint(20, 80) * 1024)}
        return xlsx(worksheet(filler + inline_row(1, self.headers)), extra=padding)

    def encrypted(self) -> bytes:
        return with_encryption_flag(self.valid_xlsx) if self.rng.random() < 0.5 else encrypted_ole(self.rng)

    def odd_compression(self) -> bytes:
        make = self.rng.choice([bzip2_workbook, lzma_workbook, None])
        if make is not None:
            return make(self.headers, self.rows)
        return with_method(self.valid_xlsx, self.rng.choice([9, 6, 97, 98, 99]))  # deflate64, implode, …, aes

    def truncated_zip(self) -> bytes:
        return self.valid_xlsx[:self.rng.randrange(1, len(self.valid_xlsx))]

    def wrong_magic(self) -> bytes:
        magic = self.rng.choice([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"PK\x05\x06", OLE_MAGIC, b"\0\0\0\0"])
        return magic + self.rng.randbytes(200)

    def nul_bytes(self) -> bytes:
        data = bytearray(self.valid_csv)
        for _ in range(self.rng.randint(1, 20)):
            data.insert(self.rng.randrange(len(data)), 0)
        return bytes(data)

    def encoding_mix(self) -> bytes:
        rng = self.rng
        head = csv_bytes(self.headers, self.rows, encoding=rng.choice(["utf-8", "gb18030", "utf-8-sig"]))
        middle = b""
        if rng.random() < 0.3:  # past the 64 KiB the encoding is chosen from
            middle = csv_bytes(["x"], [["测试" * 20]] * rng.randint(550, 700), encoding="utf-8")
        other = "第二段,用另一种编码\r\n".encode(rng.choice(["gb18030", "utf-16-le", "big5"]), "replace")
        return head + middle + other + rng.randbytes(8)

    def giant_field(self) -> bytes:
        size = self.rng.choice([131_073, 140_000, 300_000])
        quote = '"' if self.rng.random() < 0.5 else ""
        return self.valid_csv + f"{quote}{'长' * size}{quote},x\r\n".encode()

    def boms(self) -> bytes:
        bom = self.rng.choice([codecs.BOM_UTF8 * 2, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE])
        return bom + csv_bytes(self.headers, self.rows, encoding="utf-8")

    def formula_only(self) -> bytes:
        def formulas(n: int) -> str:
            return "".join(f'<c r="{column_letters(c)}{n}"><f>ROW()*{c}</f></c>' for c in range(len(self.headers)))

        rows = "".join(f'<row r="{n}">{formulas(n)}</row>' for n in range(2, 2 + self.rng.randint(1, 5)))
        return xlsx(worksheet(inline_row(1, self.headers) + rows))

    def hidden_sheet(self) -> bytes:
        visible = self.rng.choice([sheet_of(self.headers, self.rows[:1]), worksheet(inline_row(1, ["说明"]))])
        return xlsx([("隐藏", sheet_of(self.headers, self.rows)), ("可见", visible)], hidden=frozenset({"隐藏"}))

    def byte_mutation(self) -> bytes:
        return _mutate_bytes(self.rng, self.rng.choice([self.valid_xlsx, self.valid_csv]))

    def xml_mutation(self) -> bytes:
        return xlsx(_mutate_xml(self.rng, sheet_of(self.headers, self.rows)))

    def compressed_csv(self) -> bytes:
        return bz2.compress(self.valid_csv)


# (kind, its suffix: "" when the content decides)
_MIX = [
    ("big_declared", "xlsx"), ("poisoned_rows", "xlsx"), ("zip_bomb", "xlsx"), ("encrypted", "xlsx"),
    ("odd_compression", "xlsx"), ("truncated_zip", "xlsx"), ("wrong_magic", "xlsx"), ("nul_bytes", "csv"),
    ("encoding_mix", "csv"), ("giant_field", "csv"), ("boms", "csv"), ("formula_only", "xlsx"),
    ("hidden_sheet", "xlsx"), ("byte_mutation", ""), ("byte_mutation", ""), ("xml_mutation", "xlsx"),
    ("xml_mutation", "xlsx"), ("compressed_csv", "csv"),
]


def hostile_files(seed: int, headers: list[str], rows: list[list]) -> Iterator[tuple[str, str, bytes]]:
    """An endless deterministic stream of (kind, file name, content) of hostile files around the valid
    sheet of `headers` and `rows`; each kind in turn, each drawn from the seeded generator."""
    kinds = _Kinds(random.Random(seed), headers, rows)
    while True:
        for kind, suffix in _MIX:
            content = getattr(kinds, kind)()
            if not suffix:
                suffix = "xlsx" if content.startswith(b"PK") else "csv"
            yield kind, f"{kind}.{suffix}", content
