"""This area's export (accounts.exports): the needs sheet's blank template."""

from typing import IO, Any

from django.utils.translation import gettext as _

from accounts.exports import WrittenExport
from ground.sheets.template import write_template
from matching.needs.sheet_format import NeedsFormat


class NeedsTemplate(WrittenExport):
    """The needs sheet's blank template (DATA-STANDARD.md §4), with its instructions sheet and drop-downs."""

    action = "export.needs_template"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        write_template(target, NeedsFormat(), notes=[
            _("每行一条技术需求;统一社会信用代码和需求名称相同的行视为同一需求。"),
            _("再次上传同名需求会更新它;重复上传同一文件不会有任何改动。"),
            _("企业只能上传本企业的需求;省级知识产权局可上传本省已注册企业的需求。"),
            _("文件中有任何错误时整批不导入,请按预览中的行号和列名修正后重新上传。"),
        ])
        return {}

    def filename(self, obj: None, **options: Any) -> str:
        return "企业技术需求模板.xlsx"
