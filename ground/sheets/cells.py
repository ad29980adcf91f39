"""Cell parsers. Each takes the raw value as the reader gives it (str, int, float, bool,
date, datetime or None) and returns the typed value, or raises CellValueError (Chinese)."""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
        raise CellValueError(_("超过 %(max)d 个字符(实为 %(n)d 个)") % {"max": max_length, "n": len(result)})
    return result


def text_max(max_length: int) -> Callable[[object], str]:
    return lambda value: text(value, max_length=max_length)


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
                raise CellValueError(_("日期“%(value)s”不存在") % {"value": raw}) from None
    raise CellValueError(
        _("无法识别的日期“%(value)s”,请写作 2024-03-31、2024/3/31、2024.03.31、20240331 或 2024年3月31日")
        % {"value": raw}
    )


def decimal(value: object, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    raw = fold(value).replace(",", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellValueError(_("“%(value)s”不是数字") % {"value": raw}) from None
    if not number.is_finite():
        raise CellValueError(_("“%(value)s”不是数字") % {"value": raw})
    if minimum is not None and number < minimum:
        raise CellValueError(_("不能小于 %(min)s") % {"min": minimum})
    return number


_MISSING = object()


def enum(choices: dict[str, object], label: str = "") -> Callable[[object], object]:
    """A parser accepting the listed values and synonyms only (keys compared after folding,
    case-insensitively). The error lists the first few accepted spellings."""
    table = {fold(key).upper(): value for key, value in choices.items()}
    shown = "、".join(list(dict.fromkeys(str(k) for k in choices))[:8])

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
                _("“%(value)s”不是可选值,可填:%(choices)s") % {"value": raw, "choices": shown}
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
        _("“%(value)s”不是有效的电话号码(11位手机号,或带区号的固定电话如 010-12345678)") % {"value": raw}
    )


def email(value: object) -> str:
    raw = fold(value)
    if not _EMAIL.match(raw):
        raise CellValueError(_("“%(value)s”不是有效的电子邮箱") % {"value": raw})
    return raw.lower()
