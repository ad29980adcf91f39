"""The evaluation-feedback sheet (评价反馈, DATA-STANDARD.md §4) as a declared SheetFormat: one row
per evaluation, identified by 申请号 + 评价主体类型 + the evaluator (credit code of a platform
enterprise, otherwise 评价主体名称) + 评价日期.

As in matching.needs.sheet_format, the Chinese values and synonyms are the standard's data (what
sheets carry whatever the interface language), not interface text.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.identifiers import normalize_credit_code
from evaluation.choices import EvaluatorKind, Prospect
from ground.sheets import CellValueError, Column, SheetFormat, cells
from inventory.records import application_number
from matching.choices import CooperationMode

KINDS = {"企业": EvaluatorKind.ENTERPRISE, "专家": EvaluatorKind.EXPERT}
PROSPECTS = {"较好": Prospect.GOOD, "一般": Prospect.FAIR, "较差": Prospect.POOR}
MODES = {
    "受让": CooperationMode.ASSIGNMENT,
    "转让": CooperationMode.ASSIGNMENT,
    "许可": CooperationMode.LICENCE,
    "联合研发": CooperationMode.JOINT_RD,
    "合作研发": CooperationMode.JOINT_RD,
    "作价入股": CooperationMode.EQUITY,
}
NO_COOPERATION = "暂无"
# The standard's three value columns (§6), by the dimension names an indicator system gives them.
VALUE_COLUMNS = (("法律价值", "legal_value"), ("技术价值", "technical_value"), ("经济价值", "economic_value"))
SCORE_MAX = Decimal(100)

_one_mode = cells.enum(MODES)


def credit_code(value: object) -> str:
    try:
        return normalize_credit_code(value)
    except ValidationError as error:
        raise CellValueError(error.messages[0]) from None


def cooperation_modes(value: object) -> list[str]:
    """受让 / 许可 / 联合研发 / 作价入股, several allowed; 暂无 (or an empty cell) alone: none."""
    items = cells.split_list(value)
    if NO_COOPERATION in items:
        if len(items) > 1:
            raise CellValueError(gettext_lazy("“暂无”不能与合作方式同时填写"))
        return []
    return list(dict.fromkeys(_one_mode(item) for item in items))


def score(value: object) -> Decimal:
    number = cells.decimal(value)
    if number > SCORE_MAX:
        raise CellValueError(gettext_lazy("分值应在 0–100 之间,“%(value)s”超出范围") % {"value": cells.shown(value)})
    return number.quantize(Decimal("0.01"))


def evaluation_date(value: object) -> dt.date:
    day = cells.date(value)
    if day > timezone.localdate():
        raise CellValueError(gettext_lazy("评价日期不能晚于今天"))
    return day


class FeedbackFormat(SheetFormat):
    """评价反馈: one row per evaluation (DATA-STANDARD.md §4)."""

    name = "evaluation_feedback"
    title = gettext_lazy("评价反馈")

    def __init__(self) -> None:
        self.columns = [
            Column("申请号", "application_number", application_number, required=True,
                   aliases=("专利申请号", "专利号"),
                   help=gettext_lazy("平台基础库中的专利申请号,如 CN201910000001.X,须在您的反馈范围内")),
            Column("评价主体类型", "evaluator_kind", cells.enum(KINDS), required=True, repeats=True,
                   choices=("企业", "专家"), help=gettext_lazy("企业 / 专家")),
            Column("评价主体名称", "evaluator_name", cells.text_max(200), required=True,
                   help=gettext_lazy("企业全称或专家姓名")),
            Column("统一社会信用代码", "credit_code", credit_code,
                   help=gettext_lazy("评价主体为企业时必填;平台已注册企业的评价会关联到该企业")),
            Column("产业化前景", "prospect", cells.enum(PROSPECTS), repeats=True, choices=("较好", "一般", "较差"),
                   help=gettext_lazy("较好 / 一般 / 较差;评价主体为企业时必填")),
            Column("技术改进需求", "improvement_needs", cells.text_max(5000)),
            Column("产学研合作意愿", "cooperation_modes", cooperation_modes, multiple=True, repeats=True,
                   choices=("受让", "许可", "联合研发", "作价入股", "暂无"),
                   help=gettext_lazy("受让 / 许可 / 联合研发 / 作价入股,可填多个;无合作意愿填“暂无”")),
            *(Column(header, key, score, number_format="0.00",
                     help=gettext_lazy("0–100 的分值,可不填")) for header, key in VALUE_COLUMNS),
            Column("综合意见", "summary", cells.text_max(5000)),
            Column("评价日期", "evaluated_on", evaluation_date, required=True, number_format="yyyy-mm-dd",
                   help=gettext_lazy("如 2026-03-31,不能晚于今天;与申请号和评价主体一起确定一条评价")),
        ]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        """An enterprise's evaluation names the enterprise by its credit code and states the prospect."""
        if values.get("evaluator_kind") == EvaluatorKind.ENTERPRISE:
            if not values.get("credit_code"):
                error(HEADERS["credit_code"], _required_for_enterprise())
            if not values.get("prospect"):
                error(HEADERS["prospect"], _required_for_enterprise())
        elif values.get("credit_code"):
            warn(HEADERS["credit_code"], str(gettext_lazy("评价主体为专家时不填统一社会信用代码,已忽略")))


def _required_for_enterprise() -> str:
    return str(gettext_lazy("评价主体为企业时必填"))


HEADERS = {column.key: column.header for column in FeedbackFormat().columns}
