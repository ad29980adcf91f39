"""The needs sheet (企业技术需求, DATA-STANDARD.md §4) as a declared SheetFormat: one row per need,
identified by the enterprise's credit code and the need's title.

As in inventory.conversions.sheet_format, the Chinese values and synonyms are the standard's data
(what sheets carry whatever the interface language), not interface text.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from accounts.identifiers import normalize_credit_code
from accounts.models import Province
from ground.sheets import CellValueError, Column, SheetFormat, cells
from matching.choices import CooperationMode
from matching.needs import services

MODES = {
    "受让": CooperationMode.ASSIGNMENT,
    "转让": CooperationMode.ASSIGNMENT,
    "许可": CooperationMode.LICENCE,
    "联合研发": CooperationMode.JOINT_RD,
    "合作研发": CooperationMode.JOINT_RD,
    "作价入股": CooperationMode.EQUITY,
}


def credit_code(value: object) -> str:
    try:
        return normalize_credit_code(value)
    except ValidationError as error:
        raise CellValueError(error.messages[0]) from None


def province(value: object) -> str:
    """A province by its name, short name or GB/T 2260 code → its code."""
    text = cells.fold(value)
    for code, name, short in Province.objects.values_list("code", "name", "short_name"):
        if text in (code, name, short):
            return code
    raise CellValueError(gettext_lazy("“%(value)s”不是省级行政区的名称或代码") % {"value": cells.shown(text)})


def industry_codes(value: object) -> list[str]:
    codes = list(dict.fromkeys(cells.split_list(value)))
    unknown = services.unknown_industries(codes)
    if unknown:
        raise CellValueError(gettext_lazy("“%(codes)s”不是战略性新兴产业分类代码(如 1.5、4.1)")
                             % {"codes": cells.shown("、".join(unknown))})
    return codes


def ipc_list(value: object) -> list[str]:
    try:
        return services.ipc_prefixes(cells.split_list(value))
    except ValueError as error:
        raise CellValueError(str(error)) from None


def keywords(value: object) -> list[str]:
    items = services.clean_keywords(cells.split_list(value))
    if len(items) > services.KEYWORDS_MAX:
        raise CellValueError(gettext_lazy("关键词最多 %(n)d 个") % {"n": services.KEYWORDS_MAX})
    return items


def budget(value: object):
    number = cells.decimal(value)
    if number >= 10 ** 12:
        raise CellValueError(gettext_lazy("预算过大"))
    return number


class NeedsFormat(SheetFormat):
    """企业技术需求: one row per need (DATA-STANDARD.md §4)."""

    name = "needs"
    title = gettext_lazy("企业技术需求")

    def __init__(self) -> None:
        self.columns = [
            Column("企业名称", "enterprise_name", cells.text_max(200), required=True,
                   help=gettext_lazy("已在平台注册的企业全称")),
            Column("统一社会信用代码", "credit_code", credit_code, required=True,
                   help=gettext_lazy("企业的 18 位统一社会信用代码;与需求名称一起确定一条需求")),
            Column("所在省份", "province", province, repeats=True,
                   help=gettext_lazy("省级行政区名称或代码,如 广东省 或 440000;应与企业注册的省份一致")),
            Column("需求名称", "title", cells.text_max(200), required=True,
                   help=gettext_lazy("同一企业的需求名称不能重复;再次上传同名需求会更新它")),
            Column("需求描述", "description", cells.text_max(5000), required=True,
                   help=gettext_lazy("至少 20 个字:要解决的技术问题、应用场景和指标")),
            Column("关键词", "keywords", keywords, multiple=True,
                   help=gettext_lazy("多个用“;”“、”或“,”分隔")),
            Column("所属产业", "industry_codes", industry_codes, multiple=True, repeats=True,
                   help=gettext_lazy("战略性新兴产业分类代码(数据标准第 5 节),如 1.5;4.1")),
            Column("技术领域", "ipc_prefixes", ipc_list, multiple=True,
                   help=gettext_lazy("IPC 分类号或前缀,如 H01M;G06F 16/30")),
            Column("期望合作方式", "modes", cells.enum_list(MODES), multiple=True, repeats=True,
                   choices=("受让", "许可", "联合研发", "作价入股"),
                   help=gettext_lazy("受让 / 许可 / 联合研发 / 作价入股,可填多个")),
            Column("预算(万元)", "budget", budget, number_format="0.00", aliases=("预算",),
                   help=gettext_lazy("不小于 0 的数字,单位万元,可不填")),
            Column("截止日期", "deadline", cells.date, number_format="yyyy-mm-dd",
                   help=gettext_lazy("可不填;如 2026-12-31,过期后需求不再在需求大厅展示")),
            Column("联系人", "contact_name", cells.text_max(64)),
            Column("联系电话", "contact_phone", cells.phone,
                   help=gettext_lazy("11 位手机号,或带区号的固定电话如 010-12345678")),
            Column("是否允许机构直接联系", "allow_direct_contact", cells.enum(cells.YES_NO), repeats=True,
                   choices=("是", "否"), help=gettext_lazy("是 / 否;为“是”时高校院所可看到联系人和电话")),
        ]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        """The rules a row can be checked by on its own (the deadline waits for the database:
        a row identical to its need is unchanged, whatever its date)."""
        for name, message in services.need_errors(values, check_deadline=False).items():
            error(HEADERS.get(name, ""), message)


HEADERS = {column.key: column.header for column in NeedsFormat().columns}
