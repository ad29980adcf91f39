"""The expert-recommendation sheet (专家推荐, DATA-STANDARD.md §4) as a declared SheetFormat: one
row per expert, identified by mobile phone, with the employer's credit code as an optional column.

The cell parsers reuse the needs sheet's (province, industries, IPC prefixes, credit code) and the
recommendation rules of evaluation.experts.services, so that the form, the API and the sheet
refuse the same values with the same words.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from accounts.registration import normalize_contact_phone
from ground.sheets import CellValueError, Column, SheetFormat, cells
from matching.needs.sheet_format import credit_code, industry_codes, ipc_list, province


def mobile(value: object) -> str:
    try:
        return normalize_contact_phone(value, label=gettext_lazy("手机"), mobile_only=True)
    except ValidationError as error:
        raise CellValueError(error.messages[0]) from None


class ExpertsFormat(SheetFormat):
    """专家推荐: one row per expert (DATA-STANDARD.md §4)."""

    name = "experts"
    title = gettext_lazy("专家推荐")
    # One row per expert: a phone twice in a file is refused on its second row.
    unique_key = "phone"

    def __init__(self) -> None:
        self.columns = [
            Column("姓名", "name", cells.text_max(64), required=True),
            Column("工作单位", "employer_name", cells.text_max(200), required=True,
                   help=gettext_lazy("工作单位全称")),
            Column("工作单位统一社会信用代码", "employer_credit_code", credit_code,
                   help=gettext_lazy(
                       "可不填;填写时须为有效的 18 位统一社会信用代码,平台据此识别单位(利益冲突按单位判断)")),
            Column("职称", "title", cells.text_max(64), repeats=True, help=gettext_lazy("如 教授、研究员、高级工程师")),
            Column("所属产业", "industry_codes", industry_codes, multiple=True, repeats=True,
                   help=gettext_lazy("战略性新兴产业分类代码(数据标准第 5 节),如 1.5;4.1")),
            Column("专业领域", "ipc_prefixes", ipc_list, multiple=True,
                   help=gettext_lazy("IPC 分类号或前缀,如 G06V; G06T 7;所属产业和专业领域至少填一项")),
            Column("手机", "phone", mobile, required=True,
                   help=gettext_lazy("11 位手机号,识别专家:再次上传同一手机号会更新本省推荐的该专家")),
            Column("邮箱", "email", cells.email),
            Column("推荐省份", "province", province, required=True, repeats=True,
                   help=gettext_lazy("省级行政区名称或代码,如 广东省 或 440000;只能是上传单位所在省份")),
        ]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        if not values.get("industry_codes") and not values.get("ipc_prefixes"):
            error(HEADERS["industry_codes"], gettext("请至少填写所属产业或专业领域之一:抽取专家时按它们匹配"))


HEADERS = {column.key: column.header for column in ExpertsFormat().columns}
