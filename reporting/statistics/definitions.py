"""The statistics' definitions (DATA-STANDARD.md §8), versioned.

Every figure a run computes carries the version of these definitions it was computed with
(`StatRun.definition_version`, copied on each `QuarterlyStat`). A change of meaning is a new
version here, never an edit of a published one: the reports print the text of the version their
figures were computed with.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

CURRENT_VERSION = "DS8-2026.1"


@dataclass(frozen=True)
class Figure:
    key: str  # the QuarterlyStat column (a count) or the rate's own key
    label: str
    definition: str
    numerator: str = ""  # a rate: the columns it divides
    denominator: str = ""
    # Where the trace of a count leads: "patent" (a list of patents) or "conversion".
    lists: str = "patent"

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)


# The terms every figure uses, printed beside the figures in reports.
TERMS = (
    (_("口径"), _("专利归属其第一个机构专利权人:该机构、其所在省份、其主管部委和全国;转化记录和评价归属其专利。")),
    (_("季末"), _("季度最后一天 D(如 2025Q1 为 2025-03-31);“季度内”指季度第一天至 D,首尾都含。")),
    (_("有效"), _("D 日前(含)授权,且基础库当前法律状态为有效(基础库不保存法律状态历史)。")),
    (_("已实施"), _("至少有一条自行实施、转让或作价入股记录且合同生效日不晚于 D;"
                   "或许可记录合同生效日不晚于 D 且许可期限至为空或不早于 D;"
                   "或任一标记为已产业化且合同生效日不晚于 D 的记录。"
                   "机构自报已实施但无转化记录的,单列为“自报实施”,不计入实施率。")),
    (_("已产业化"), _("至少有一条“是否产业化”为是且合同生效日不晚于 D 的转化记录。")),
    (_("入库状态"), _("入库状态、转化意愿、所属产业和技术成熟度取统计时的当前值(基础库和盘点记录不保存其历史);"
                     "统计在季度结束后的第一天进行。")),
)

FIGURES: tuple[Figure, ...] = (
    Figure("in_scope", _("盘点范围专利数"), _("本口径 D 日前(含)授权、基础库中有效的专利")),
    Figure("inventoried", _("已盘点专利数"), _("盘点范围内盘点记录已盘点(非待盘点)且盘点时间不晚于 D 的专利")),
    Figure("coverage", _("盘点覆盖率"), _("已盘点专利数 ÷ 盘点范围专利数"), "inventoried", "in_scope"),
    Figure("in_library", _("入库数"), _("D 时在专利转化资源库中的专利;另按转化意愿、所属产业、技术成熟度分列")),
    Figure("transfers", _("转让登记数"), _("转化方式为转让且登记或备案日在季度内的转化记录"), lists="conversion"),
    Figure("licences", _("许可备案数"), _("转化方式为许可且登记或备案日在季度内的转化记录(含开放许可)"),
           lists="conversion"),
    Figure("open_licences", _("开放许可备案数"), _("其中许可方式为开放许可的"), lists="conversion"),
    Figure("valid", _("有效专利数"), _("本口径 D 日有效的专利")),
    Figure("implemented", _("已实施专利数"), _("D 日有效且已实施的专利(以转化记录为准)")),
    Figure("implementation_rate", _("专利实施率"), _("D 日有效且已实施的专利 ÷ D 日有效的专利"),
           "implemented", "valid"),
    Figure("self_reported", _("自报实施"), _("D 日有效、盘点记录自报已实施但没有使其“已实施”的转化记录的专利;"
                                        "单列,不计入实施率")),
    Figure("industrialised", _("已产业化专利数"), _("D 日有效且已产业化的专利")),
    Figure("industrialisation_rate", _("专利产业化率"), _("D 日有效且已产业化的专利 ÷ D 日有效的专利"),
           "industrialised", "valid"),
    Figure("product_filings", _("专利产品备案数"), _("专利产品备案日在季度内的转化记录"), lists="conversion"),
    Figure("sleeping", _("沉睡专利数"), _("D 日有效、获财政资助(基础库有财政资助项目编号或盘点记录为财政资助)、"
                                         "授权日不晚于 D 前五年同月同日、且 D 日未实施的专利")),
    Figure("enterprise_evaluations", _("企业评价数"), _("季度内提交的企业评价"), lists="evaluation"),
    Figure("expert_evaluations", _("专家评价数"), _("季度内提交的专家评价"), lists="evaluation"),
    Figure("pushes", _("推送数"), _("季度内的推送"), lists="push"),
    Figure("pushes_viewed", _("已查看推送数"), _("季度内的推送中 D 日前(含)已被企业查看的"), lists="push"),
    Figure("view_rate", _("推送查看率"), _("已查看推送数 ÷ 推送数"), "pushes_viewed", "pushes"),
    Figure("pushes_interested", _("有意向推送数"), _("季度内的推送中 D 日前(含)企业表达意向的"), lists="push"),
    Figure("interest_rate", _("意向率"), _("有意向推送数 ÷ 推送数"), "pushes_interested", "pushes"),
)

BY_KEY = {figure.key: figure for figure in FIGURES}
COUNTS = tuple(figure.key for figure in FIGURES if not figure.is_rate)
RATES = tuple(figure for figure in FIGURES if figure.is_rate)

# Breakdowns kept per row in QuarterlyStat.breakdown (key → {code: count}).
BREAKDOWNS = {
    "library_by_intent": _("入库专利按转化意愿"),
    "library_by_industry": _("入库专利按所属产业(门类)"),
    "library_by_maturity": _("入库专利按技术成熟度"),
    "reasons": _("未转化原因(评价中的编码原因)"),
}

# Versions computed before, kept so that a run of an older version prints its own text.
VERSIONS = {CURRENT_VERSION: (TERMS, FIGURES)}


def rate(numerator: int, denominator: int) -> float | None:
    """A rate in percent with one decimal, None over an empty denominator (shown as "—", never 0)."""
    if not denominator:
        return None
    return round(100 * numerator / denominator, 1)


def format_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"
