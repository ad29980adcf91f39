"""The classification area's export (accounts.exports): the IPC concordance in use."""

from typing import IO, Any

from accounts.exports import WrittenExport
from ground.sheets.template import write_template
from inventory.classification.concordance import ConcordanceFormat
from inventory.models import Industry, IndustryRule


class IndustryConcordance(WrittenExport):
    """The concordance in use as a sheet of the loader's format: a template for the official rows,
    and a copy of what classifies the patents today."""

    action = "export.industry_concordance"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        names = dict(Industry.objects.values_list("code", "name"))
        rows = (
            [code, names.get(code, ""), "; ".join(patterns), "; ".join(exclusions), "、".join(keywords)]
            for code, patterns, exclusions, keywords in IndustryRule.objects.order_by("industry_id", "pk")
            .values_list("industry_id", "ipc_patterns", "exclusions", "keywords")
        )
        return {"rows": write_template(target, ConcordanceFormat(), rows=rows)}

    def filename(self, obj: None, **options: Any) -> str:
        return "战略性新兴产业与IPC参照关系.xlsx"
