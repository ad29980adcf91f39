"""Cell parsers. Each takes the raw value as the reader gives it (str, int, float, bool,
date, datetime or None) and returns the typed value, or raises CellValueError (Chinese).

What a parser accepts fits the database field it is written to: text parsers take their maximum
length from the model field (`text_for`), e-mails stop at an EmailField's 254 characters, and
`storable` (run by ground.sheets.formats.iter_rows on every text cell before its parser) refuses
the characters a database or a sheet cannot hold. Messages show a value shortened (`shown`).
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ground.sheets.errors import CellValueError

LIST_SEPARATORS = re.compile(r"[;；、,，]")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, after its 1900 leap-year bug
_DATE_FORMATS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_EMAIL = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$")
EMAIL_MAX_LENGTH = 254  # Django's EmailField (RFC 5321's limit on a forward path)
# NUL (PostgreSQL's text cannot hold it), unpaired surrogates (UTF-8 cannot encode them), the other
# C0 control characters but tab, line feed and carriage return, and the non-characters U+FFFE and
# U+FFFF: none is a character XML 1.0 may hold, so a worksheet or a .docx cannot hold them (lxml
# refuses them when the file is saved) and an error report or an export of the value would fail.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Vertical tab and form feed are line breaks pasted from Word: kept as line breaks.
_PASTED_BREAKS = {0x0B: "\n", 0x0C: "\n"}
SHOWN_LENGTH = 50  # characters of a value quoted in a message


def fold(value: object) -> str:
    """Trim and fold full-width letters, digits and punctuation to half-width."""
    if value is None:
        return ""
    if isinstance(value, str):
        # Most cells are plain ASCII, which NFKC leaves as it is: skip the normalisation.
        return value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number arrives as 12345.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def storable(value: str) -> str:
    """`value` (a text cell) as it can be stored: vertical tabs and form feeds become line breaks;
    any other control character (NUL…) or an unpaired surrogate raises CellValueError."""
    if value.isprintable():  # nearly every cell: one pass in C
        return value
    found = _UNSTORABLE.search(value)
    if found is None:
        return value
    value = value.translate(_PASTED_BREAKS)
    found = _UNSTORABLE.search(value)
    if found is None:
        return value
    raise CellValueError(
        _("第 %(position)d 个字符是无法保存的控制字符或无效字符(U+%(code)04X),请删除后再上传")
        % {"position": found.start() + 1, "code": ord(found.group())}
    )


def replace_unstorable(value: str) -> str:
    """`value` with each character `storable` refuses replaced by U+FFFD (for reports and messages)."""
    return value if value.isprintable() else _UNSTORABLE.sub("\ufffd", value)


def shown(value: object, limit: int = SHOWN_LENGTH) -> str:
    """The value as a message quotes it: folded, unstorable characters replaced by U+FFFD and at most
    `limit` characters (a longer one ends with an ellipsis)."""
    result = fold(value)
    if len(result) > limit:
        result = result[:limit] + "…"
    return replace_unstorable(result)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        # str.strip() drops every Unicode space, full-width ones included, as NFKC + strip would.
        return not value.strip()
    return False


def text(value: object, *, max_length: int | None = None) -> str:
    result = fold(value)
    if max_length is not None and len(result) > max_length:
        raise _too_long(max_length, len(result))
    return result


def _too_long(max_length: int, length: int) -> CellValueError:
    return CellValueError(_("超过 %(max)d 个字符(实为 %(n)d 个)") % {"max": max_length, "n": length})


def text_max(max_length: int) -> Callable[[object], str]:
    """A text parser refusing more than `max_length` characters; the parser's `max_length` says it."""

    def parse(value: object) -> str:  # `text`, one call less (a parser runs on every cell of its column)
        result = fold(value)
        if len(result) > max_length:
            raise _too_long(max_length, len(result))
        return result

    parse.max_length = max_length  # type: ignore[attr-defined]
    return parse


def text_for(field: Any) -> Callable[[object], str]:
    """A text parser for a model's CharField (or TextField: no limit), its length read from the field,
    so that the sheet and the database cannot disagree: `text_for(Patent._meta.get_field("title"))`."""
    return text_max(field.max_length) if field.max_length else text


def split_list(value: object) -> list[str]:
    return [item.strip() for item in LIST_SEPARATORS.split(fold(value)) if item.strip()]


def date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = float(value)
        if serial.is_integer() and 19000101 <= serial <= 99991231:
            value = str(int(serial))  # 20240331 typed into a number cell
        elif 0 < serial < 2958466:
            # An Excel serial date left in a general or number cell; a fraction is the time of day.
            return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    raw = fold(value)
    for pattern in _DATE_FORMATS:
        match = pattern.match(raw)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellValueError(_("日期“%(value)s”不存在") % {"value": shown(raw)}) from None
    raise CellValueError(
        _("无法识别的日期“%(value)s”,请写作 2024-03-31、2024/3/31、2024.03.31、20240331 或 2024年3月31日")
        % {"value": shown(raw)}
    )


def decimal(value: object, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    raw = fold(value).replace(",", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellValueError(_("“%(value)s”不是数字") % {"value": shown(raw)}) from None
    if not number.is_finite():
        raise CellValueError(_("“%(value)s”不是数字") % {"value": shown(raw)})
    if minimum is not None and number < minimum:
        raise CellValueError(_("不能小于 %(min)s") % {"min": minimum})
    return number


_MISSING = object()


def enum(choices: dict[str, object], label: str = "") -> Callable[[object], object]:
    """A parser accepting the listed values and synonyms only (keys compared after folding,
    case-insensitively). The error lists the first few accepted spellings."""
    table = {fold(key).upper(): value for key, value in choices.items()}
    spellings = "、".join(list(dict.fromkeys(str(k) for k in choices))[:8])

    def parse(value: object) -> object:
        if value.__class__ is str:
            found = table.get(value, _MISSING)  # most cells are written exactly as listed
            if found is not _MISSING:
                return found
        raw = fold(value)
        try:
            return table[raw.upper()]
        except KeyError:
            raise CellValueError(
                _("“%(value)s”不是可选值,可填:%(choices)s") % {"value": shown(raw), "choices": spellings}
            ) from None

    return parse


def enum_list(choices: dict[str, object]) -> Callable[[object], list]:
    single = enum(choices)

    def parse(value: object) -> list:
        items = split_list(value)
        return list(dict.fromkeys(single(item) for item in items))

    return parse


YES_NO = {"是": True, "否": False, "Y": True, "N": False, "YES": True, "NO": False, "1": True, "0": False}
boolean = enum(YES_NO)


def phone(value: object) -> str:
    raw = fold(value).replace(" ", "")
    if raw.startswith("+86"):
        raw = raw[3:].lstrip("-")
    if _MOBILE.match(raw) or _LANDLINE.match(raw):
        return raw
    raise CellValueError(
        _("“%(value)s”不是有效的电话号码(11位手机号,或带区号的固定电话如 010-12345678)") % {"value": shown(raw)}
    )


def email_for(field: Any) -> Callable[[object], str]:
    """An e-mail parser for a model's EmailField, its length read from the field."""

    def parse(value: object) -> str:
        return email(value, max_length=field.max_length)

    parse.max_length = field.max_length  # type: ignore[attr-defined]
    return parse


def email(value: object, *, max_length: int = EMAIL_MAX_LENGTH) -> str:
    raw = fold(value)
    if not _EMAIL.match(raw):
        raise CellValueError(_("“%(value)s”不是有效的电子邮箱") % {"value": shown(raw)})
    result = raw.lower()  # may lengthen it: "İ" lowercases to two characters
    if len(result) > max_length:
        raise CellValueError(_("超过 %(max)d 个字符(实为 %(n)d 个)") % {"max": max_length, "n": len(result)})
    return result
