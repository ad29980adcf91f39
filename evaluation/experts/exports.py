"""This area's export (accounts.exports): the expert-recommendation sheet's blank template."""

from typing import IO, Any

from django.utils.translation import gettext as _

from accounts.exports import WrittenExport
from evaluation.experts.sheet_format import ExpertsFormat
from ground.sheets.template import write_template


class ExpertsTemplate(WrittenExport):
    """The expert-recommendation sheet's blank template (DATA-STANDARD.md §4), with its instructions
    sheet and drop-downs."""

    action = "export.experts_template"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        write_template(target, ExpertsFormat(), notes=[
            _("每行一位专家,以手机号识别;同一文件中同一手机号只能出现一次。"),
            _("推荐省份只能填写上传单位所在的省份;再次上传本省推荐过的手机号会更新该专家的信息。"),
            _("已由其他省份推荐的手机号不能再次推荐。"),
            _("工作单位统一社会信用代码可不填;填写时须通过校验,平台据此识别工作单位。"),
            _("文件中有任何错误时整批不导入,请按预览中的行号和列名修正后重新上传。"),
            _("导入后由平台审核,审核通过即创建专家账号,并通知专家和推荐省份。"),
        ])
        return {}

    def filename(self, obj: None, **options: Any) -> str:
        return "专家推荐模板.xlsx"
