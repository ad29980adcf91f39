"""The base library's sheet format (存量专利基础库, DATA-STANDARD.md §2): its columns, the parsers
of its cells, the rules across a row, and the compact index that finds an application number met
twice in a file of 1.5 million rows. The import (inventory.patents.base_library) reads rows
through it; the plan (inventory.patents.base_library_plan) stages what they describe.
"""

import re
from functools import lru_cache

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.identifiers import normalize_credit_code
from ground.sheets import CellValueError, Column, SheetFormat, cells
from ground.sheets.formats import UniqueIndex
from inventory.choices import LegalStatus, PatentType
from inventory.patents.identifiers import (
    InvalidPatentNumber,
    normalize_application_number,
    normalize_ipc,
    normalize_locarno,
    patent_type_of,
)
from inventory.patents.models import Patent

# Cell parsers --------------------------------------------------------------------------------


def parse_application_number(value: object) -> str:
    try:
        return normalize_application_number(value)
    except InvalidPatentNumber as error:
        raise CellValueError(str(error)) from None


PATENT_TYPES = {"发明": PatentType.INVENTION, "实用新型": PatentType.UTILITY_MODEL, "外观设计": PatentType.DESIGN}
LEGAL_STATUSES = {
    "有效": LegalStatus.VALID,
    "有权": LegalStatus.VALID,
    "失效": LegalStatus.INVALID,
    "无权": LegalStatus.INVALID,
    "终止": LegalStatus.INVALID,
    "放弃": LegalStatus.INVALID,
}
_GRANT_NUMBER = re.compile(r"^(?:CN)?(\d{6,10}[A-Z]\d?)$")
_LOCARNO_SHAPE = re.compile(r"^\d{2}-\d{2}$")
# A person among the patentees has no credit code: "-" or an empty place keeps the order.
_NO_CODE = {"", "-", "—", "--", "/", "无", "NONE", "N/A"}


def parse_grant_number(value: object) -> str:
    raw = cells.fold(value)
    match = _GRANT_NUMBER.match(raw.upper().replace(" ", ""))
    if not match:
        raise CellValueError(_("“%(value)s”不是有效的授权公告号,应写作如 CN116012345B") % {"value": raw})
    return "CN" + match.group(1)


def parse_names(value: object) -> list[str]:
    names = cells.split_list(value)
    if not names:
        raise CellValueError(_("没有可识别的名称"))
    return names


@lru_cache(maxsize=65536)  # the same few thousand institutions' codes recur row after row
def _checked_credit_code(place: str) -> tuple[str, str]:
    """(code, "") or ("", the reason it is wrong)."""
    try:
        return normalize_credit_code(place), ""
    except ValidationError as error:
        return "", error.messages[0]


def parse_credit_codes(value: object) -> list[str]:
    """The codes in the order of 专利权人, "" where a patentee (a person) has none."""
    places = [item.strip() for item in cells.LIST_SEPARATORS.split(cells.fold(value))]
    codes = []
    for place in places:
        if place.upper() in _NO_CODE:
            codes.append("")
            continue
        code, problem = _checked_credit_code(place)
        if problem:
            raise CellValueError(problem)
        codes.append(code)
    return codes if any(codes) else []


def parse_classification(value: object) -> str:
    """An IPC symbol (inventions, utility models) or a Locarno class (designs)."""
    raw = cells.fold(value)
    try:
        return normalize_ipc(raw)
    except InvalidPatentNumber:
        pass
    try:
        return normalize_locarno(raw)
    except InvalidPatentNumber:
        raise CellValueError(
            _("“%(value)s”既不是 IPC 分类号(如 G06F 16/30),也不是外观设计的洛迦诺分类号(如 14-02)") % {"value": raw}
        ) from None


def parse_ipc_list(value: object) -> list[str]:
    codes = []
    for item in cells.split_list(value):
        try:
            codes.append(normalize_ipc(item))
        except InvalidPatentNumber as error:
            raise CellValueError(str(error)) from None
    return list(dict.fromkeys(codes))


def _patent_text(name: str):
    """The text parser of a Patent field, as long as the field allows."""
    return cells.text_for(Patent._meta.get_field(name))


# The format ----------------------------------------------------------------------------------


class ApplicationNumberIndex(UniqueIndex):
    """The application numbers met so far in a file, in about 12 bytes each instead of a dict's ~150.

    Recent numbers sit in a dict; every FREEZE_AT of them are merged into one sorted numpy array
    of keys (the number's digits as an integer) with the row that held each.
    """
    FREEZE_AT = 100_000

    def __init__(self) -> None:
        self._recent: dict[int, int] = {}
        self._keys = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int32)

    @staticmethod
    def key(number: str) -> int:
        # "CN202310123456.6" -> 202310123456; old 8-digit numbers stay below 10^8, so never collide.
        return int(number[2:-2])

    def first_row(self, key: object, row_number: int) -> int | None:
        digits = self.key(str(key))
        first = self._recent.get(digits)
        if first is not None:
            return first
        if self._keys.size:
            at = int(np.searchsorted(self._keys, digits))
            if at < self._keys.size and int(self._keys[at]) == digits:
                return int(self._rows[at])
        self._recent[digits] = row_number
        if len(self._recent) >= self.FREEZE_AT:
            self._freeze()
        return None

    def _freeze(self) -> None:
        count = len(self._recent)
        keys = np.concatenate([self._keys, np.fromiter(self._recent.keys(), dtype=np.int64, count=count)])
        rows = np.concatenate([self._rows, np.fromiter(self._recent.values(), dtype=np.int32, count=count)])
        order = np.argsort(keys, kind="stable")
        self._keys, self._rows = keys[order], rows[order]
        self._recent.clear()

    def __len__(self) -> int:
        return len(self._recent) + int(self._keys.size)


class BaseLibraryFormat(SheetFormat):
    name = "base_library"
    title = gettext_lazy("存量专利基础库")
    columns = [
        Column("申请号", "application_number", parse_application_number, required=True,
               help=gettext_lazy("如 CN202310123456.6;可带或不带 CN、ZL 和小数点")),
        Column("专利名称", "title", _patent_text("title"), required=True),
        Column("专利类型", "patent_type", cells.enum(PATENT_TYPES), choices=("发明", "实用新型", "外观设计"),
               help=gettext_lazy("可不填;填写时须与申请号的类型位一致")),
        Column("申请日", "application_date", cells.date, required=True, number_format="yyyy-mm-dd"),
        Column("授权公告日", "grant_date", cells.date, required=True, number_format="yyyy-mm-dd"),
        Column("授权公告号", "grant_number", parse_grant_number, help=gettext_lazy("如 CN116012345B")),
        Column("法律状态", "legal_status", cells.enum(LEGAL_STATUSES), required=True, choices=("有效", "失效")),
        Column("专利权人", "patentees", parse_names, required=True, multiple=True,
               help=gettext_lazy("多个权利人按顺序以分号隔开")),
        Column("专利权人统一社会信用代码", "patentee_credit_codes", parse_credit_codes, multiple=True,
               help=gettext_lazy("与专利权人一一对应,按同样顺序以分号隔开;个人等没有代码的写 -")),
        Column("发明人", "inventors", parse_names, required=True, multiple=True),
        Column("主分类号", "main_ipc", parse_classification,
               help=gettext_lazy("发明和实用新型必填 IPC(如 G06F 16/30);外观设计填洛迦诺分类号(如 14-02)")),
        Column("分类号", "ipc_codes", parse_ipc_list, multiple=True),
        Column("摘要", "abstract", _patent_text("abstract")),
        Column("财政资助项目编号", "funding_project_number", _patent_text("funding_project_number")),
        Column("资助来源", "funding_source", _patent_text("funding_source")),
    ]
    unique_key = "application_number"

    def unique_index(self) -> UniqueIndex:
        return ApplicationNumberIndex()

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        number = values["application_number"]
        implied = patent_type_of(number)
        stated = values.get("patent_type")
        if stated and stated != implied:
            error("专利类型", _("专利类型“%(stated)s”与申请号的类型位(%(implied)s)不一致") % {
                "stated": PatentType(stated).label, "implied": PatentType(implied).label,
            })
        values["patent_type"] = implied
        main_class = values.get("main_ipc")
        if implied == PatentType.DESIGN:
            if main_class and not _LOCARNO_SHAPE.match(main_class):
                error("主分类号", _("外观设计的主分类号应为洛迦诺分类号,如 14-02"))
        elif not main_class:
            error("主分类号", _("发明和实用新型须填写主分类号(IPC)"))
        elif _LOCARNO_SHAPE.match(main_class):
            error("主分类号", _("发明和实用新型的主分类号应为 IPC 分类号,如 G06F 16/30"))
        applied, granted = values.get("application_date"), values.get("grant_date")
        if applied and granted and granted < applied:
            error("授权公告日", _("授权公告日 %(granted)s 早于申请日 %(applied)s") % {
                "granted": granted.isoformat(), "applied": applied.isoformat(),
            })
        codes = values.get("patentee_credit_codes") or []
        names = values.get("patentees") or []
        if codes and len(codes) != len(names):
            error("专利权人统一社会信用代码", _(
                "有 %(codes)d 个信用代码,但有 %(names)d 个专利权人:请按专利权人的顺序逐一填写,没有代码的写 -"
            ) % {"codes": len(codes), "names": len(names)})


# The fields a row sets ----------------------------------------------------------------------

# Patent fields the base library sets, compared to count a patent as updated or unchanged.
PATENT_FIELDS = (
    "title", "patent_type", "application_date", "grant_date", "grant_number", "legal_status",
    "patentees", "patentee_credit_codes", "inventors", "main_ipc", "ipc_codes", "abstract",
    "funding_project_number", "funding_source",
)
JSON_FIELDS = frozenset({"patentees", "patentee_credit_codes", "inventors", "ipc_codes"})
# Empty cells: "" for text, [] for lists (the model's blanks), so that compare and store agree.
BLANK = {name: ([] if name in JSON_FIELDS else "") for name in PATENT_FIELDS}
