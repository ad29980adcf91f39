"""The inventory format (盘点结果, DATA-STANDARD.md §3) as a declared SheetFormat.

The Chinese values and synonyms below are the standard's data, not interface text: they are
what the sheets carry whatever the interface language, so they are not translated. Each
enumeration maps every accepted spelling to the stored value; `LABELS` maps each stored value
back to the one spelling that templates and exports write.
"""

import datetime as dt
import operator
import re
from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ground.sheets import CellValueError, Column, SheetFormat, cells
from inventory import data as industry_data
from inventory.choices import (
    EXCLUSIVE_LICENCES,
    Disposal,
    ImplementationStatus,
    Intent,
    LicenseType,
    Prospect,
    Screening,
    ValueGrade,
)
from inventory.patents import WEIGHTS, InvalidPatentNumber, normalize_application_number
from inventory.patents.models import Patent
from inventory.records.models import InventoryRecord

# --- enumerations: canonical spelling first, then the synonyms the standard lists ---------------

YES_NO = {"是": True, "否": False, **{k: v for k, v in cells.YES_NO.items() if k not in {"是", "否"}}}

IMPLEMENTATION = {
    "未实施": ImplementationStatus.NONE,
    "自行实施": ImplementationStatus.SELF,
    "许可实施": ImplementationStatus.LICENSED,
    "转让实施": ImplementationStatus.TRANSFERRED,
    "作价入股": ImplementationStatus.EQUITY,
    "已产业化": ImplementationStatus.INDUSTRIALISED,
}
# 已产业化 implies implemented: industrialised counts among the implemented statuses (§3, §8).
IMPLEMENTED = frozenset(IMPLEMENTATION.values()) - {ImplementationStatus.NONE}

PROSPECT = {
    "较好": Prospect.GOOD,
    "一般": Prospect.FAIR,
    "较差": Prospect.POOR,
    "高": Prospect.GOOD,
    "中": Prospect.FAIR,
    "低": Prospect.POOR,
}
VALUE_GRADE = {
    "A": ValueGrade.A,
    "B": ValueGrade.B,
    "C": ValueGrade.C,
    "A 高价值": ValueGrade.A,
    "B 一般": ValueGrade.B,
    "C 较低": ValueGrade.C,
    "A高价值": ValueGrade.A,
    "B一般": ValueGrade.B,
    "C较低": ValueGrade.C,
}
SCREENING = {"入库": Screening.IN, "不入库": Screening.OUT, "是": Screening.IN, "否": Screening.OUT}
INTENT = {
    "转让": Intent.TRANSFER,
    "许可": Intent.LICENSE,
    "作价入股": Intent.EQUITY,
    "自行实施": Intent.SELF,
    "暂无": Intent.NONE,
}
LICENSE = {
    "普通许可": LicenseType.ORDINARY,
    "独占许可": LicenseType.EXCLUSIVE,
    "排他许可": LicenseType.SOLE,
    "开放许可": LicenseType.OPEN,
}
DISPOSAL = {
    "重点推广": Disposal.PROMOTE,
    "一般推广": Disposal.GENERAL,
    "继续观察": Disposal.OBSERVE,
    "放弃维持": Disposal.ABANDON,
}
# Technology readiness levels by their names (§6).
READINESS_NAMES = {
    "基本原理发现": 1,
    "技术概念或方案形成": 2,
    "关键功能验证": 3,
    "实验室环境验证": 4,
    "相关环境验证": 5,
    "相关环境系统样机演示": 6,
    "真实环境样机演示": 7,
    "系统完成并通过验证": 8,
    "实际运行成功": 9,
}
# Strategic emerging industries (战略性新兴产业分类 2018, §5): code -> name, from inventory/data/industries.csv.
INDUSTRIES = dict(industry_data.industries())
_INDUSTRY_BY_NAME = {name: code for code, name in INDUSTRIES.items()}


def _labels(table: dict) -> dict:
    """Stored value -> canonical spelling (the first spelling listed for it)."""
    labels: dict = {}
    for spelling, value in table.items():
        labels.setdefault(value, spelling)
    return labels


LABELS = {
    "is_financially_funded": _labels(YES_NO),
    "implementation_status": _labels(IMPLEMENTATION),
    "prospect": _labels(PROSPECT),
    "value_grade": _labels(VALUE_GRADE),
    "screening": _labels(SCREENING),
    "intents": _labels(INTENT),
    "license_type": _labels(LICENSE),
    "disposal": _labels(DISPOSAL),
}

# --- cell parsers -------------------------------------------------------------------------------

_THIS_YEAR = dt.date.today().year


_CANONICAL = re.compile(r"CN(\d{12})\.([\dX])")


def _check_character(digits: str) -> str:
    """identifiers.check_character for 12 digits, with the arithmetic in C (map) for the hot path:
    ASCII digits weighted by their character codes (each "0" adds 48 times its weight)."""
    if digits.isascii():
        remainder = (sum(map(operator.mul, digits.encode(), WEIGHTS)) - _ZEROS) % 11
    else:  # other scripts' digits (the pattern's \d takes them)
        remainder = sum(map(operator.mul, map(int, digits), WEIGHTS)) % 11
    return _CHECK_CHARACTERS[remainder]


_ZEROS = ord("0") * sum(WEIGHTS)
_CHECK_CHARACTERS = "0123456789X"  # by remainder


def application_number(value: object) -> str:
    # Fast path: most cells hold the canonical form (CN202310123456.6) with a right check digit.
    if value.__class__ is str:
        match = _CANONICAL.fullmatch(value)
        if (match and value[6] in "12389" and 2003 <= int(value[2:6]) <= _THIS_YEAR
                and _check_character(match.group(1)) == match.group(2)):
            return value
    try:
        return normalize_application_number(value)
    except InvalidPatentNumber as error:
        raise CellValueError(str(error)) from None


_implementation_one = cells.enum(IMPLEMENTATION)


def implementation_status(value: object) -> str:
    """One status; a list is accepted only to say what contradicts in it."""
    items = [_implementation_one(item) for item in cells.split_list(value)]
    items = list(dict.fromkeys(items))
    if len(items) == 1:
        return items[0]
    if ImplementationStatus.INDUSTRIALISED in items and ImplementationStatus.NONE in items:
        raise CellValueError(_("“已产业化”即已实施,不能同时填写“未实施”"))
    if ImplementationStatus.NONE in items:
        raise CellValueError(_("“未实施”不能与其他实施状态同时填写"))
    raise CellValueError(_("实施状态只能填写一项"))


_TRL = re.compile(r"^(?:TRL)?\s*[-_]?\s*(\d+)\s*(?:级)?$", re.IGNORECASE)


def maturity(value: object) -> int:
    """Technology readiness 1–9: `6`, `6.0`, `TRL6`, `TRL 6`, `6级`, or the level's name (§6)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = cells.fold(value)
    level: int | None = READINESS_NAMES.get(raw)
    if level is None:
        match = _TRL.match(raw)
        level = int(match.group(1)) if match else None
    if level is None or not 1 <= level <= 9:
        raise CellValueError(
            _("“%(value)s”不是有效的技术成熟度:填 1 至 9 的整数(也可写 TRL6、6级或等级名称)") % {"value": raw}
        )
    return level


_MAX_PRICE = Decimal("999999999999.99")  # max_digits=14, decimal_places=2


def asking_price(value: object) -> Decimal:
    number = cells.decimal(value)
    if number > _MAX_PRICE:
        raise CellValueError(_("“%(value)s”过大") % {"value": cells.fold(value)})
    return number.quantize(Decimal("0.01"))


def industries(value: object) -> list[str]:
    codes = []
    for item in cells.split_list(value):
        code = item if item in INDUSTRIES else _INDUSTRY_BY_NAME.get(item)
        if code is None:
            raise CellValueError(
                _("“%(value)s”不是战略性新兴产业分类代码(如 1.5 人工智能;见填写说明)") % {"value": item}
            )
        codes.append(code)
    return list(dict.fromkeys(codes))


_intents_parse = cells.enum_list(INTENT)


def _record_text(name: str):
    """The text parser of an InventoryRecord field, as long as the field allows."""
    return cells.text_for(InventoryRecord._meta.get_field(name))

# --- the format ---------------------------------------------------------------------------------


class InventoryFormat(SheetFormat):
    """盘点结果: one row per patent of the uploading institution (DATA-STANDARD.md §3)."""

    name = "inventory"
    title = gettext_lazy("存量专利盘点结果")
    unique_key = "application_number"

    def __init__(self) -> None:
        # `repeats`: enumerations and names that recur from row to row are parsed once per distinct text.
        self.columns = [
            Column("申请号", "application_number", application_number, required=True,
                   aliases=("专利申请号", "申请号/专利号", "专利号"),
                   help=gettext_lazy(
                       "本单位在存量专利基础库中的专利,如 CN202310123456.6;可带或不带 CN/ZL 前缀和小数点"
                   )),
            Column("专利名称", "title", cells.text_for(Patent._meta.get_field("title")),
                   help=gettext_lazy("可不填;与基础库不一致时只提示,以基础库为准")),
            Column("所属二级单位", "department", _record_text("department"), repeats=True,
                   help=gettext_lazy("如 计算机学院")),
            Column("盘点负责人", "responsible_person", _record_text("responsible_person"), repeats=True,
                   help=gettext_lazy("负责盘点的教师姓名")),
            Column("是否财政资助", "is_financially_funded", cells.enum(YES_NO), required=True, repeats=True,
                   choices=("是", "否"), help=gettext_lazy("是 / 否(也可填 Y、N、1、0)")),
            Column("资助项目编号", "funding_project_number", _record_text("funding_project_number"),
                   help=gettext_lazy("是否财政资助为“是”时必填")),
            Column("实施状态", "implementation_status", implementation_status, required=True, repeats=True,
                   choices=tuple(IMPLEMENTATION), help=gettext_lazy("填一项;已产业化即视为已实施")),
            Column("技术成熟度", "maturity", maturity, required=True, number_format="0", repeats=True,
                   choices=tuple(str(level) for level in range(1, 10)),
                   help=gettext_lazy("1–9 级(技术就绪度),也可写 TRL6、6级或等级名称,如 相关环境系统样机演示")),
            Column("应用场景", "scenarios", _record_text("scenarios"), required=True,
                   help=gettext_lazy("不超过 500 字")),
            Column("产业化前景", "prospect", cells.enum(PROSPECT), required=True, repeats=True,
                   choices=("较好", "一般", "较差"), help=gettext_lazy("较好 / 一般 / 较差(也可填 高、中、低)")),
            Column("价值分级自评", "value_grade", cells.enum(VALUE_GRADE), choices=("A", "B", "C"), repeats=True,
                   help=gettext_lazy("A 高价值 / B 一般 / C 较低")),
            Column("是否入库", "screening", cells.enum(SCREENING), required=True, choices=("入库", "不入库"),
                   repeats=True, help=gettext_lazy("入库 / 不入库(也可填 是、否);入库即进入专利转化资源库")),
            Column("转化意愿", "intents", _intents_parse, choices=tuple(INTENT), multiple=True, repeats=True,
                   help=gettext_lazy(
                       "入库时必填;可多选 转让、许可、作价入股、自行实施,用分号或顿号分隔;或只填 暂无"
                   )),
            Column("许可方式", "license_type", cells.enum(LICENSE), choices=tuple(LICENSE), repeats=True,
                   help=gettext_lazy("转化意愿含“许可”时必填;已有独占许可或排他许可时不能选开放许可")),
            Column("意向价格(万元)", "asking_price", asking_price, number_format="0.00",
                   aliases=("意向价格",), help=gettext_lazy("不小于 0 的数字,单位万元")),
            Column("处置建议", "disposal", cells.enum(DISPOSAL), choices=tuple(DISPOSAL), repeats=True,
                   help=gettext_lazy("入库的专利不能选“放弃维持”")),
            Column("所属产业", "industry_codes", industries, multiple=True, choices=tuple(INDUSTRIES), repeats=True,
                   help=gettext_lazy("战略性新兴产业分类代码,可多个,如 1.5;填写后替代系统自动分类")),
            Column("联系人", "contact_name", _record_text("contact_name"), repeats=True),
            Column("联系电话", "contact_phone", cells.phone,
                   help=gettext_lazy("11 位手机号,或带区号的固定电话,如 010-12345678")),
            Column("联系邮箱", "contact_email", cells.email_for(InventoryRecord._meta.get_field("contact_email"))),
            Column("备注", "remarks", _record_text("remarks")),
        ]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        """The §3 cross-field rules (`cross_field_errors`) on the row's own values; the database's
        facts for the open-licence rule are added by the upload check (inventory.upload.check)."""
        headers = {column.key: column.header for column in self.columns}
        for name, message in cross_field_errors(values).items():
            error(headers[name], message)


def cross_field_errors(values: Mapping[str, object], *, current_licence: str = "",
                       licence_in_force: str = "") -> dict[str, str]:
    """The §3 cross-field rules on an inventory record's values: {field: Chinese message}, one per field.

    `values` is what the record would hold: a parsed upload row, a record as an edit (page, API,
    self-assessment) or a bulk action would leave it. Every path checks through this function.
    The open-licence rule needs two facts from the database, given by the caller: the record's
    许可方式 before the change (`current_licence`) and the type of an exclusive or sole licence
    contract of the patent still in force (`licence_in_force`, "" when none); declaring 开放许可
    is refused while either is exclusive, unless the record already declares it."""
    errors: dict[str, str] = {}
    if values.get("is_financially_funded") and not values.get("funding_project_number"):
        errors["funding_project_number"] = _("是否财政资助为“是”时须填写资助项目编号")
    intents = list(values.get("intents") or [])
    if Intent.NONE in intents and len(intents) > 1:
        errors["intents"] = _("“暂无”只能单独填写,不能与其他转化意愿同时填写")
    if values.get("screening") == Screening.IN:
        if not intents or intents == [Intent.NONE]:
            errors.setdefault("intents", _("入库的专利须填写“暂无”以外的转化意愿(转让、许可、作价入股或自行实施)"))
        if values.get("disposal") == Disposal.ABANDON:
            errors["disposal"] = _("“入库”与处置建议“放弃维持”相互矛盾")
    if Intent.LICENSE in intents and not values.get("license_type"):
        errors["license_type"] = _("转化意愿含“许可”时须填写许可方式")
    if values.get("license_type") == LicenseType.OPEN and current_licence != LicenseType.OPEN:
        recorded = current_licence if current_licence in EXCLUSIVE_LICENCES else licence_in_force
        if recorded in EXCLUSIVE_LICENCES:
            errors["license_type"] = _("该专利已登记%(licence)s,不能再声明开放许可") % {
                "licence": LicenseType(recorded).label}
    maturity = values.get("maturity")
    if maturity is not None and not 1 <= int(maturity) <= 9:
        errors["maturity"] = _("技术成熟度须为 1–9 级")
    return errors


# Record fields an upload sets, in the format's column order (title is only compared, never stored).
RECORD_FIELDS = [
    "department", "responsible_person", "is_financially_funded", "funding_project_number",
    "implementation_status", "maturity", "scenarios", "prospect", "value_grade", "screening", "intents",
    "license_type", "asking_price", "disposal", "industry_codes", "contact_name", "contact_phone",
    "contact_email", "remarks",
]
# A blank cell clears the field to this value.
BLANK = {
    "is_financially_funded": None, "maturity": None, "asking_price": None, "intents": [], "industry_codes": [],
}


# The record fields whose column §3 marks required: an assessment is complete (may be submitted,
# counts as inventoried) when every one is filled; the conditional requirements (资助项目编号,
# 转化意愿, 许可方式) are `cross_field_errors`'.
REQUIRED_FIELDS = tuple(column.key for column in InventoryFormat().columns
                        if column.required and column.key in RECORD_FIELDS)


def is_blank(value: object) -> bool:
    return value is None or value == "" or value == []


def missing_required(values: Mapping[str, object]) -> list[str]:
    """The required fields (`REQUIRED_FIELDS`) that `values` (a record's or a row's) leaves blank."""
    return [name for name in REQUIRED_FIELDS if is_blank(values.get(name))]


def blank_value(field: str) -> object:
    value = BLANK.get(field, "")
    return list(value) if isinstance(value, list) else value


def cell_value(field: str, value: object) -> object:
    """A record field's value as the template writes it (round trip: it parses back to the same)."""
    if value is None or value == "" or value == []:
        return None
    labels = LABELS.get(field)
    if isinstance(value, list):
        return ";".join(str(labels.get(item, item) if labels else item) for item in value)
    if labels is not None:
        return labels.get(value, value)
    return value
