"""The conversion records format (转化实施情况, DATA-STANDARD.md §4) as a declared SheetFormat.

One row per event. As in inventory.records.formats, the Chinese values and synonyms are the standard's
data (what sheets carry whatever the interface language), not interface text.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from accounts.identifiers import normalize_credit_code
from ground.sheets import CellValueError, Column, SheetFormat, cells
from inventory.choices import ConversionKind, PaymentMode
from inventory.conversions import services as conversions
from inventory.models import Conversion
from inventory.records import LICENSE, YES_NO, application_number, asking_price

KIND = {
    "转让": ConversionKind.TRANSFER,
    "许可": ConversionKind.LICENSE,
    "作价入股": ConversionKind.EQUITY,
    "自行实施": ConversionKind.SELF,
    "专利转让": ConversionKind.TRANSFER,
    "转让实施": ConversionKind.TRANSFER,
    "专利许可": ConversionKind.LICENSE,
    "许可实施": ConversionKind.LICENSE,
    "实施许可": ConversionKind.LICENSE,
    "自主实施": ConversionKind.SELF,
}
PAYMENT = {
    "一次性": PaymentMode.LUMP_SUM,
    "入门费加提成": PaymentMode.ENTRY_FEE_ROYALTY,
    "提成": PaymentMode.ROYALTY,
    "分期": PaymentMode.INSTALMENTS,
    "一次性支付": PaymentMode.LUMP_SUM,
    "一次性付款": PaymentMode.LUMP_SUM,
    "入门费+提成": PaymentMode.ENTRY_FEE_ROYALTY,
    "提成支付": PaymentMode.ROYALTY,
    "分期支付": PaymentMode.INSTALMENTS,
    "分期付款": PaymentMode.INSTALMENTS,
}


def credit_code(value: object) -> str:
    try:
        return normalize_credit_code(value)
    except ValidationError as error:
        raise CellValueError(error.messages[0]) from None


def loose_number(value: object) -> str:
    number = conversions.clean_number(cells.fold(value))
    problem = conversions.loose_number_error(number)
    if problem:
        raise CellValueError(problem)
    return number


class ConversionFormat(SheetFormat):
    """转化实施情况: one row per transfer, licence, equity or own implementation (DATA-STANDARD.md §4)."""

    name = "conversions"
    title = gettext_lazy("转化实施情况")

    def __init__(self) -> None:
        self.columns = [
            Column("申请号", "application_number", application_number, required=True,
                   aliases=("专利申请号", "申请号/专利号", "专利号"),
                   help=gettext_lazy("本单位作为第一权利人的专利,如 CN202310123456.6")),
            Column("转化方式", "kind", cells.enum(KIND), required=True, repeats=True,
                   choices=("转让", "许可", "作价入股", "自行实施"),
                   help=gettext_lazy("转让 / 许可 / 作价入股 / 自行实施")),
            Column("许可方式", "license_type", cells.enum(LICENSE), repeats=True, choices=tuple(LICENSE),
                   help=gettext_lazy("转化方式为“许可”时必填;声明开放许可期间不能登记独占许可或排他许可")),
            Column("受让方或被许可方", "counterparty", cells.text_for(Conversion._meta.get_field("counterparty")),
                   help=gettext_lazy("转让、许可、作价入股时必填:对方单位全称")),
            Column("统一社会信用代码", "counterparty_credit_code", credit_code,
                   help=gettext_lazy("对方单位的 18 位统一社会信用代码,可不填;填写时校验校验位")),
            Column("合同金额(万元)", "amount", asking_price, number_format="0.00", aliases=("合同金额",),
                   help=gettext_lazy("不小于 0 的数字,单位万元")),
            Column("支付方式", "payment_mode", cells.enum(PAYMENT), repeats=True,
                   choices=("一次性", "入门费加提成", "提成", "分期"),
                   help=gettext_lazy("填写合同金额时必填:一次性 / 入门费加提成 / 提成 / 分期")),
            Column("合同生效日", "effective_date", cells.date, number_format="yyyy-mm-dd",
                   help=gettext_lazy("转让、许可、作价入股时必填,如 2024-03-31")),
            Column("许可期限至", "license_end_date", cells.date, number_format="yyyy-mm-dd",
                   aliases=("许可期限止", "许可截止日"),
                   help=gettext_lazy("转化方式为“许可”时填写许可期限的最后一天;不填表示没有期限")),
            Column("登记或备案号", "registration_number", loose_number, aliases=("转让登记号", "许可合同备案号"),
                   help=gettext_lazy("转让登记号或许可合同备案号;自行实施不填")),
            Column("登记或备案日", "registration_date", cells.date, number_format="yyyy-mm-dd",
                   aliases=("登记日", "备案日", "登记日期", "备案日期"),
                   help=gettext_lazy("转让登记或许可合同备案的日期;统计按此日期计入季度")),
            Column("是否产业化", "industrialised", cells.enum(YES_NO), repeats=True, choices=("是", "否"),
                   help=gettext_lazy("是 / 否;已批量生产、产品已上市为“是”")),
            Column("专利产品备案号", "product_filing_number", loose_number,
                   help=gettext_lazy("专利密集型产品备案号;填写时“是否产业化”应为“是”")),
            Column("专利产品备案日", "product_filing_date", cells.date, number_format="yyyy-mm-dd",
                   aliases=("产品备案日",),
                   help=gettext_lazy("专利产品备案的日期;统计按此日期计入季度")),
        ]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        """The rules of inventory.conversions.services that a row can be checked by on its own."""
        values = {**values, "industrialised": bool(values.get("industrialised"))}
        for name, message in conversions.row_errors(values).items():
            error(HEADERS.get(name, ""), message)


HEADERS = {column.key: column.header for column in ConversionFormat().columns}
