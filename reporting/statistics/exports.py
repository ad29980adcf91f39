"""This area's export (accounts.exports, with its audit event): the list behind one figure."""

from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.exports import WrittenExport
from ground.sheets.report import printable
from reporting.statistics.definitions import BY_KEY
from reporting.statistics.models import QuarterlyStat
from reporting.statistics.presentation import scope_name
from reporting.statistics.trace import trace

CHUNK = 2000


def _columns(kind: str) -> list[tuple[str, Any]]:
    patent = [(_("申请号"), lambda r: r.patent.application_number), (_("专利名称"), lambda r: r.patent.title)]
    if kind == "patent":
        return [*patent, (_("专利权人"), lambda r: r.institution.name),
                (_("授权公告日"), lambda r: r.patent.grant_date), (_("盘点状态"), lambda r: r.get_status_display()),
                (_("实施状态(自报)"), lambda r: r.get_implementation_status_display())]
    if kind == "conversion":
        return [*patent, (_("专利权人"), lambda r: r.institution.name), (_("转化方式"), lambda r: r.get_kind_display()),
                (_("许可方式"), lambda r: r.get_license_type_display()), (_("合同生效日"), lambda r: r.effective_date),
                (_("登记或备案号"), lambda r: r.registration_number),
                (_("登记或备案日"), lambda r: r.registration_date),
                (_("专利产品备案号"), lambda r: r.product_filing_number),
                (_("专利产品备案日"), lambda r: r.product_filing_date)]
    if kind == "evaluation":
        return [*patent, (_("专利权人"), lambda r: r.owner.name),
                (_("评价主体类型"), lambda r: r.get_evaluator_kind_display()),
                (_("提交时间"), lambda r: r.submitted_at.replace(tzinfo=None) if r.submitted_at else None)]
    return [*patent, (_("专利权人"), lambda r: r.institution.name), (_("状态"), lambda r: r.get_status_display()),
            (_("推送时间"), lambda r: r.created_at.replace(tzinfo=None))]


class FigureList(WrittenExport):
    """The rows behind one figure of one scope, in the user's scope, streamed in chunks."""

    action = "export.statistics_trace"
    model = QuarterlyStat

    def organization(self, obj):
        return None  # filed under the reader's organisation, not the scope's

    def write(self, target: IO[bytes], *, actor, obj: QuarterlyStat, figure: str = "", **options: Any) -> dict:
        kind, rows = trace(obj, figure, actor)
        columns = _columns(kind)
        book = Workbook(write_only=True)
        sheet = book.create_sheet(str(BY_KEY[figure].label)[:31])
        header = []
        for text, _read in columns:
            cell = WriteOnlyCell(sheet, value=str(text))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        written = 0
        for row in rows.iterator(chunk_size=CHUNK):
            sheet.append([printable(read(row)) for _text, read in columns])
            written += 1
        book.save(target)
        return {"quarter": obj.run.quarter, "revision": obj.run.revision, "scope": scope_name(obj),
                "figure": figure, "rows": written}

    def filename(self, obj: QuarterlyStat, figure: str = "", **options: Any) -> str:
        return f"{obj.run.quarter}-{scope_name(obj)}-{BY_KEY[figure].label}.xlsx"
