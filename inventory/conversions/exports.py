"""The conversions area's export (accounts.exports): the conversion format's blank template."""

from typing import IO, Any

from django.utils.translation import gettext as _

from accounts.exports import WrittenExport
from ground.sheets.template import write_template
from inventory.conversions.sheet_format import ConversionFormat


class ConversionTemplate(WrittenExport):
    """The conversion format's blank template (DATA-STANDARD.md §4), with its instructions sheet and drop-downs."""

    action = "export.conversion_template"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        write_template(target, ConversionFormat(), notes=[
            _("每行一个转化事件:一次转让、一次许可、一次作价入股或一项自行实施。"),
            _("同一专利、同一转化方式且登记或备案号相同(无编号时受让方和合同生效日相同)的行视为同一事件;"
              "重复上传同一文件不会重复登记。"),
            _("登记后,该专利盘点记录的实施状态会随之更新(已产业化的不会回退)。"),
        ])
        return {}

    def filename(self, obj: None, **options: Any) -> str:
        return "转化实施情况模板.xlsx"
