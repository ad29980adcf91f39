"""The dashboards' data as .xlsx: each chart's table on its own sheet, numbers as numbers (rates as
percentages with one decimal, "—" over an empty denominator), audited as the export "export.dashboard"
(accounts.exports)."""

from __future__ import annotations

from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.audit_objects import person
from accounts.exports import WrittenExport
from ground.sheets.report import printable
from reporting.dashboards.charts import COUNT, RATE, Chart
from reporting.dashboards.data import Dashboard
from reporting.statistics.presentation import scope_name

# Excel's sheet names: at most 31 characters, none of []:*?/\
FORBIDDEN = str.maketrans({ch: "_" for ch in "[]:*?/\\"})


def _cell(sheet, value: Any, kind: str) -> Any:
    if kind == RATE:
        if value is None:
            return "—"
        cell = WriteOnlyCell(sheet, value=round(value / 100, 4))
        cell.number_format = "0.0%"
        return cell
    if kind == COUNT:
        return "—" if value is None else value
    return "" if value is None else printable(str(value))


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


class DashboardExport(WrittenExport):
    """One dashboard's charts (one or all), with the quarter, scope and run they were read from."""

    action = "export.dashboard"

    def write(self, target: IO[bytes], *, actor, obj: None, board: Dashboard, charts: list[Chart],
              **options: Any) -> dict:
        workbook = Workbook(write_only=True)
        scope_label = scope_name(board.row)
        used: set[str] = set()
        for chart in charts:
            name = chart.title.translate(FORBIDDEN)[:28]
            while name in used:
                name = name[:26] + f"_{len(used)}"
            used.add(name)
            sheet = workbook.create_sheet(name)
            sheet.append([_bold(sheet, printable(chart.title))])
            sheet.append([printable(_("%(scope)s · %(quarter)s(第 %(revision)d 版,统计口径 %(version)s)") % {
                "scope": scope_label, "quarter": board.quarter, "revision": board.run.revision,
                "version": board.run.definition_version})])
            sheet.append([_bold(sheet, column.label) for column in chart.columns])
            for row in chart.rows:
                sheet.append([_cell(sheet, value, row.kind_of(i, column))
                              for i, (column, value) in enumerate(zip(chart.columns, row.cells, strict=True))])
            if chart.note:
                sheet.append([])
                sheet.append([chart.note])
        about = workbook.create_sheet(_("说明"))
        for label, value in ((_("导出人"), person(actor.full_name, actor.username)),
                             (_("导出时间"), f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"),
                             (_("季度"), str(board.quarter)), (_("口径"), scope_label),
                             (_("统计口径版本"), board.run.definition_version)):
            about.append([_bold(about, label), printable(value)])
        workbook.save(target)
        return {"quarter": str(board.quarter), "scope": board.scope.param, "run": board.run.pk,
                "charts": [chart.key for chart in charts]}

    def filename(self, obj: None, *, board: Dashboard, charts: list[Chart], **options: Any) -> str:
        what = charts[0].title if len(charts) == 1 else _("看板")
        return f"{scope_name(board.row)}-{board.quarter}-{what}.xlsx".translate(FORBIDDEN)
