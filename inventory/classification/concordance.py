"""Replacing the IPC concordance with the official rows of 《战略性新兴产业分类与国际专利分类参照关系表
(2021)(试行)》 (DATA-STANDARD.md §5), read from a sheet.

The sheet has one row per rule: 产业代码, 产业名称, IPC, 不含, 关键词 (the shape of the shipped
provisional file, inventory/data/industry_concordance_provisional.csv). Every row is checked
first; the concordance is replaced only when the whole sheet is valid, in one transaction, so a
bad row leaves the concordance in use exactly as it was. Loaded rules are not provisional.
Re-classifying the patents afterwards is the caller's step (the command runs it, the page hands
it to a Celery task), since at national scale it takes minutes.
"""

import re
from pathlib import Path

from django.core.files import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ground import imports
from ground.imports import Job, ModelBatches, register
from ground.sheets import CellValueError, Column, SheetFormat, cells
from ground.sheets.formats import ParsedRow
from inventory import data
from inventory.classification.services import InvalidPattern, parse_pattern
from inventory.models import ImportBatch, IndustryRule
from inventory.patents import PlatformSheetImport

# An exclusion written inside the IPC cell: "A61K* (不含 A61K8*)".
_INLINE_EXCLUSION = re.compile(r"[(（]\s*(?:不含|不包含|不包括|除外|除)\s*[:：]?\s*([^)）]*)[)）]")
_CODE = re.compile(r"^(\d)(?:\.(\d{1,2}))?(?:\.\d+)*$")


def parse_industry_code(value: object) -> str:
    """A sector or sub-sector code; a finer category (1.5.1) counts under its sub-sector (1.5)."""
    # A number cell: 1.5, or 2.0 for the sector 2.
    text = f"{value:g}" if isinstance(value, float) else cells.fold(value)
    match = _CODE.match(text)
    code = None
    if match:
        code = match.group(1) + (f".{int(match.group(2))}" if match.group(2) else "")
    if code not in data.industries():
        raise CellValueError(
            _("“%(value)s”不是战略性新兴产业分类代码,应写作如 1.5(人工智能)") % {"value": cells.fold(value)}
        )
    return code


def _patterns(text: str) -> list[str]:
    found = []
    for item in cells.split_list(text):
        try:
            found.append(str(parse_pattern(item)))
        except InvalidPattern as error:
            raise CellValueError(str(error)) from None
    return list(dict.fromkeys(found))


def parse_ipc_cell(value: object) -> dict[str, list[str]]:
    """The IPC patterns of a row, and exclusions written inline in parentheses."""
    text = cells.fold(value)
    exclusions = [item for inner in _INLINE_EXCLUSION.findall(text) for item in _patterns(inner)]
    patterns = _patterns(_INLINE_EXCLUSION.sub(";", text))
    if not patterns:
        raise CellValueError(_("没有 IPC 分类号"))
    return {"patterns": patterns, "exclusions": exclusions}


def parse_pattern_list(value: object) -> list[str]:
    return _patterns(cells.fold(value))


class ConcordanceFormat(SheetFormat):
    """One rule per row of the official concordance table."""

    name = "industry_concordance"
    title = gettext_lazy("战略性新兴产业与IPC参照关系")
    columns = [
        Column("产业代码", "industry", parse_industry_code, required=True,
               aliases=("战略性新兴产业代码", "分类代码", "代码"),
               help=gettext_lazy("战略性新兴产业分类代码,如 1.5;更细的代码(如 1.5.1)计入其所属中类")),
        Column("产业名称", "industry_name", cells.text_max(100), aliases=("战略性新兴产业名称", "名称")),
        Column("IPC", "ipc", parse_ipc_cell, required=True,
               aliases=("IPC分类号", "国际专利分类号", "国际专利分类", "IPC号", "对应IPC", "参照IPC"),
               help=gettext_lazy("可多个,用分号隔开,可用 * 通配,如 G06N*; G10L15*; G06F9/50*")),
        Column("不含", "exclusions", parse_pattern_list, aliases=("排除", "不包含", "不包括", "除外"),
               help=gettext_lazy("排除的 IPC,写法同上")),
        Column("关键词", "keywords", cells.split_list, aliases=("关键字",),
               help=gettext_lazy("可不填;填写时题名或摘要须含其中之一,用顿号或分号隔开")),
    ]

    def clean_row(self, values: dict[str, object], error, warn) -> None:
        ipc = values.get("ipc") or {"patterns": [], "exclusions": []}
        values["ipc_patterns"] = ipc["patterns"]
        values["exclusions"] = list(dict.fromkeys([*ipc["exclusions"], *(values.get("exclusions") or [])]))
        values["keywords"] = values.get("keywords") or []
        name, code = values.get("industry_name"), values.get("industry")
        if name and code and name != data.industries()[code] and not name.startswith(data.industries()[code]):
            warn("产业名称", _("与代码 %(code)s 的名称“%(name)s”不一致,按代码计入") % {
                "code": code, "name": data.industries()[code]})


def concordance_batches():
    """The concordance's uploads; callers scope them with visible_to / editable_by."""
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.CONCORDANCE)


class ConcordanceImport(PlatformSheetImport):
    """The official table, a format of the one import pipeline (ground.imports): replaced whole, so
    any rejected row blocks the commit; checked again inside the commit's transaction."""

    kind = ImportBatch.Kind.CONCORDANCE
    sheet_format = ConcordanceFormat()
    batches = ModelBatches(concordance_batches)
    events = {"upload": "inventory.industry_concordance_upload", "commit": "inventory.industry_concordance_load",
              "cancel": "inventory.industry_concordance_cancel"}
    partial = False
    upload_prefix = "concordance"

    def unknown_column_message(self) -> str:
        return _("不是参照关系表的列,已忽略")

    def plan(self, job: Job, rows: list[ParsedRow]) -> None:
        outcome = job.outcome
        outcome.new = len(rows)
        named = {row.values["industry"] for row in rows}
        outcome.extra["uncovered"] = [code for code in data.industries() if "." in code and code not in named]
        job.plan = [
            IndustryRule(
                industry_id=row.values["industry"], ipc_patterns=row.values["ipc_patterns"],
                exclusions=row.values["exclusions"], keywords=row.values["keywords"], provisional=False,
                source=f"{data.OFFICIAL_SOURCE} {job.batch.original_name} 第{row.row_number}行"[:200],
            )
            for row in rows
        ]

    def apply(self, job: Job) -> dict:
        """The concordance replaced by the table's rules (loaded rules are not provisional)."""
        before = IndustryRule.objects.count()
        was_provisional = IndustryRule.objects.filter(provisional=True).exists()
        IndustryRule.objects.all().delete()
        IndustryRule.objects.bulk_create(job.plan, batch_size=1_000)
        return {"rules_before": before, "provisional_before": was_provisional, "rules": len(job.plan)}

    def commit_audit(self, job: Job, counts: dict) -> dict:
        return {"before": {"rules": counts["rules_before"], "provisional": counts["provisional_before"]},
                "after": {"rules": counts["rules"], "provisional": False}, "file": job.batch.original_name}


CONCORDANCE = register(ConcordanceImport())


def load_concordance(path: str | Path, original_name: str | None = None, *, actor=None,
                     request=None) -> ImportBatch:
    """Keep the sheet at `path` as a batch, validate it and, if every row is valid, replace the
    concordance with its rows (the command's one step; the page does the same with its upload)."""
    path = Path(path)
    with path.open("rb") as handle:
        batch = imports.stage(CONCORDANCE, actor=actor, file=File(handle, name=original_name or path.name),
                              request=request)
    return imports.commit_if_clean(CONCORDANCE, actor=actor, batch=batch, request=request)


def not_replaced(batch: ImportBatch) -> str:
    """Why the concordance was not replaced by `batch`, for the page and the command."""
    if batch.status == ImportBatch.Status.FAILED:
        return batch.failure
    errors = sum(1 for problem in batch.errors if problem.get("level", "error") == "error")
    return _("有 %(n)d 处错误,参照关系未替换;请改正后重新上传") % {"n": errors}
