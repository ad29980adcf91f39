"""Chinese patent application numbers (DATA-STANDARD.md §1).

`normalize_application_number` accepts every written form people use and returns the
canonical `CN202310123456.6`, or raises `InvalidPatentNumber` with a Chinese reason.
"""

import re
import unicodedata
from datetime import date
from functools import lru_cache
from operator import mul

from django.utils.translation import gettext as _

WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
TYPE_BY_DIGIT = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "invention",  # PCT invention entering China
    "9": "utility_model",  # PCT utility model entering China
}
# New 12-digit numbers started on 2003-10-01; the old 8-digit ones (YY) ran 1985–2003.
FIRST_NEW_YEAR = 2003
FIRST_OLD_YEAR = 85

_SEPARATORS = re.compile(r"[\s.\-·。]")
_PREFIX = re.compile(r"^(CN|ZL)", re.IGNORECASE)


class InvalidPatentNumber(ValueError):
    pass


def check_character(digits: str) -> str:
    # map/mul rather than a generator: the base library computes this 1.5 million times.
    total = sum(map(mul, map(int, digits), WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width (Chinese characters unchanged)."""
    return unicodedata.normalize("NFKC", text)


def normalize_application_number(raw: object, *, today: date | None = None) -> str:
    """The canonical `CN<12 or 8 digits>.<check character>` of a number as written; InvalidPatentNumber,
    with the reason in Chinese, for one that cannot be a Chinese application number."""
    if raw is None:
        raise InvalidPatentNumber(_("申请号为空"))
    typed_as_number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a number typed into Excel arrives as 2023101234566.0
    text = fold_width(str(raw)).strip()
    if not text:
        raise InvalidPatentNumber(_("申请号为空"))
    compact = _PREFIX.sub("", text.upper()).strip()
    compact = _SEPARATORS.sub("", compact)
    if not re.fullmatch(r"\d{7,12}[\dX]?", compact):
        raise InvalidPatentNumber(
            _("“%(value)s”不是有效的申请号格式,应为12位数字加校验位,如 CN202310123456.6") % {"value": text}
        )
    if len(compact) in (12, 8) and not compact.endswith("X"):
        body, given = compact, None
    elif len(compact) in (13, 9):
        body, given = compact[:-1], compact[-1]
    else:
        # Checked on the digit count first: "20231012345X" is a digit short, not a misplaced X.
        raise InvalidPatentNumber(
            _("“%(value)s”的位数不对:应为12位(2003年10月起)或8位(此前)数字加校验位") % {"value": text}
        )
    if "X" in body:
        raise InvalidPatentNumber(_("“%(value)s”中只有校验位可以是 X") % {"value": text})
    _check_year_and_type(body, text, today or date.today())
    expected = check_character(body)
    if given is None:
        if typed_as_number and expected == "0":
            # 202310123450.0 typed into a number cell is stored as 202310123450: Excel drops the ".0".
            return f"CN{body}.0"
        raise InvalidPatentNumber(
            _("“%(value)s”缺少校验位(应为 %(check)s)") % {"value": text, "check": expected}
        )
    if given != expected:
        raise InvalidPatentNumber(
            _("“%(value)s”的校验位是 %(given)s,应为 %(check)s") % {"value": text, "given": given, "check": expected}
        )
    return f"CN{body}.{expected}"


def _check_year_and_type(body: str, text: str, today: date) -> None:
    """Raises InvalidPatentNumber unless the number's body (12 or 8 digits, `text` as written)
    states a possible application year and a known patent type digit."""
    if len(body) == 12:
        year, type_digit = int(body[:4]), body[4]
        if not FIRST_NEW_YEAR <= year <= today.year:
            raise InvalidPatentNumber(_("“%(value)s”的申请年份 %(year)d 不可能") % {"value": text, "year": year})
    else:
        year, type_digit = int(body[:2]), body[2]
        if not (year >= FIRST_OLD_YEAR or year <= 3):
            raise InvalidPatentNumber(
                _("“%(value)s”的申请年份 %(year)02d 不可能") % {"value": text, "year": year}
            )
    if type_digit not in TYPE_BY_DIGIT:
        raise InvalidPatentNumber(
            _("“%(value)s”的专利类型位是 %(digit)s,只能是 1、2、3、8、9") % {"value": text, "digit": type_digit}
        )


def patent_type_of(canonical: str) -> str:
    """The patent type (invention / utility_model / design) that the type digit states."""
    body = canonical[2:].split(".")[0]
    return TYPE_BY_DIGIT[body[4] if len(body) == 12 else body[2]]


def patent_number(canonical: str) -> str:
    """The number printed on grants: ZL + the same digits."""
    return "ZL" + canonical[2:]


def make_application_number(year: int, type_digit: str, serial: int) -> str:
    """Build a valid canonical number (demo data, tests, benchmarks)."""
    body = f"{year:04d}{type_digit}{serial:07d}"
    return f"CN{body}.{check_character(body)}"


# IPC symbol: section A–H, two-digit class, subclass letter, main group / subgroup (DATA-STANDARD.md §1).
_IPC = re.compile(r"^([A-H])\s*(\d{2})\s*([A-Z])\s*(\d{1,4})\s*/\s*(\d{2,6})$")
# Locarno class of a design: class-subclass, two digits each ("14-02").
_LOCARNO = re.compile(r"^(?:LOC\s*)?(\d{1,2})\s*[-−–—.]\s*(\d{1,2})$")
# An edition or version note after the symbol: "G06F 16/30(2019.01)", "14-02(12)".
_EDITION = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")


@lru_cache(maxsize=65536)  # a few tens of thousands of symbols recur across 1.5 million patents
def normalize_ipc(raw: object) -> str:
    """`G06F 16/30` from `g06f16/30`, `G06F 16/ 30`, full width, with or without an edition note."""
    text = _EDITION.sub("", fold_width(str(raw or "")).strip().upper())
    match = _IPC.match(text)
    if not match:
        raise InvalidPatentNumber(
            _("“%(value)s”不是有效的 IPC 分类号,应写作如 G06F 16/30") % {"value": str(raw or "").strip()}
        )
    section, klass, subclass, group, subgroup = match.groups()
    return f"{section}{klass}{subclass} {int(group)}/{subgroup}"


def normalize_locarno(raw: object) -> str:
    """`14-02` (Locarno class of a design) from `14-2`, `14.02`, `LOC 14-02`, with or without an edition note."""
    text = _EDITION.sub("", fold_width(str(raw or "")).strip().upper())
    match = _LOCARNO.match(text)
    if not match or not 1 <= int(match.group(1)) <= 32:
        raise InvalidPatentNumber(
            _("“%(value)s”不是有效的外观设计洛迦诺分类号,应写作如 14-02") % {"value": str(raw or "").strip()}
        )
    return f"{int(match.group(1)):02d}-{int(match.group(2)):02d}"


_IPC_HEAD = re.compile(r"^([A-H]\d{2}[A-Z])\s*(\S.*)?$")


def normalize_ipc_prefix(value: str) -> str:
    """`g06f16` → `G06F 16`: the stored form is subclass, one space, group/subgroup."""
    text = "".join(str(value).upper().split())
    match = _IPC_HEAD.match(text)
    if match and match.group(2):
        return f"{match.group(1)} {match.group(2)}"
    return text
