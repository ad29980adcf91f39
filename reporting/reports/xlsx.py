"""The .xlsx progress report: a summary sheet (the scope beside the nation), the units' sheet
(provinces for the platform, institutions otherwise; the platform also gets every institution with
its province), the trend over quarters and the definitions of the run's version on their own sheet.

Counts carry the number format #,##0; rates are stored as fractions with 0.0%, and a rate over an
empty denominator is the text "—" (never 0). Every sheet has its header frozen and its columns sized.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ground.sheets.report import printable
from reporting.reports.data import ReportData, Row, breakdown_labels
from reporting.statistics.definitions import BREAKDOWNS, Figure

COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
EMPTY_RATE = "—"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14)
DRAFT_FONT = Font(bold=True, size=14, color="C00000")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NAME_WIDTH = 30
FIGURE_WIDTH = 13

Progress = Callable[[int, str], None]


def write_xlsx(data: ReportData, target: IO[bytes], progress: Progress | None = None) -> dict:
    """Write the report into `target`; returns what it holds (sheets, rows) for the job's record."""
    progress = progress or (lambda percent, message: None)
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("概况")
    _summary(summary, data)
    progress(20, _("已写概况"))
    unit_sheet = workbook.create_sheet(_("各省份") if data.audience.units_are_provinces else _("各机构"))
    _units(unit_sheet, data, data.ranking("coverage"), with_province=False)
    progress(45, _("已写%(unit)s表") % {"unit": data.audience.unit_label})
    if data.audience.units_are_provinces:
        _units(workbook.create_sheet(_("各机构")), data, data.institutions, with_province=True)
        progress(70, _("已写各机构表"))
    _trend(workbook.create_sheet(_("季度趋势")), data)
    if data.spot_checks:
        _spot_checks(workbook.create_sheet(_("随机抽查")), data)
    _definitions(workbook.create_sheet(_("统计口径")), data)
    progress(85, _("正在保存"))
    workbook.save(target)
    return {"sheets": workbook.sheetnames, "units": len(data.units), "institutions": len(data.institutions)}


def _title(sheet: Worksheet, data: ReportData, subtitle: str, width: int) -> None:
    sheet.append([printable(data.title)])
    sheet["A1"].font = DRAFT_FONT if data.is_draft else TITLE_FONT
    sheet.append([f"{subtitle} · {data.run_line} · "
                  + _("生成于 %(time)s") % {"time": f"{timezone.localtime():%Y-%m-%d %H:%M}"}])
    sheet["A2"].font = Font(italic=True, color="595959")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    sheet.row_dimensions[1].height = 26
    # Printed as circulated: landscape, every column on one page wide, the header repeated.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _header(sheet: Worksheet, texts: list[str]) -> None:
    sheet.append(texts)
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[sheet.max_row].height = 32


def _put(cell, figure: Figure, row: Row) -> None:
    """A figure's value with its format: a count, a rate as a fraction, or "—"."""
    value = row.value(figure)
    cell.border = BOX
    if figure.is_rate:
        if value is None:
            cell.value = EMPTY_RATE
            cell.alignment = Alignment(horizontal="right")
        else:
            cell.value = value
            cell.number_format = RATE_FORMAT
    else:
        cell.value = value
        cell.number_format = COUNT_FORMAT


def _summary(sheet: Worksheet, data: ReportData) -> None:
    columns = [data.own] if data.audience.units_are_provinces else [data.own, data.national]
    _title(sheet, data, _("概况"), 2 + len(columns))
    sheet.append([])
    _header(sheet, [_("指标"), *[row.name for row in columns], _("说明")])
    sheet.freeze_panes = "B5"
    for figure in data.figures:
        sheet.append([str(figure.label)])
        line = sheet.max_row
        sheet.cell(line, 1).border = BOX
        for index, row in enumerate(columns, start=2):
            _put(sheet.cell(line, index), figure, row)
        note = sheet.cell(line, 2 + len(columns), str(figure.definition))
        note.alignment = Alignment(wrap_text=True, vertical="top")
    for key, title in BREAKDOWNS.items():
        counts = data.own.breakdown.get(key) or {}
        if not counts:
            continue
        sheet.append([])
        sheet.append([str(title)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        labels = breakdown_labels(key, list(counts))
        for code, count in sorted(counts.items(), key=lambda item: -item[1]):
            sheet.append([labels[code], count])
            sheet.cell(sheet.max_row, 2).number_format = COUNT_FORMAT
    sheet.column_dimensions["A"].width = 24
    for index in range(2, 2 + len(columns)):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.column_dimensions[get_column_letter(2 + len(columns))].width = 70


def _units(sheet: Worksheet, data: ReportData, rows: list[Row], *, with_province: bool) -> None:
    label = _("机构") if with_province or not data.audience.units_are_provinces else _("省份")
    lead = [_("序号"), label, *([_("所在省份")] if with_province else [])]
    _title(sheet, data, _("按%(unit)s") % {"unit": label}, len(lead) + len(data.figures))
    _header(sheet, [*lead, *[str(f.label) for f in data.figures]])
    first = len(lead) + 1
    sheet.freeze_panes = f"{get_column_letter(first)}4"
    for number, row in enumerate(rows, start=1):
        sheet.append([number, printable(row.name), *([printable(row.province)] if with_province else [])])
        line = sheet.max_row
        for offset, figure in enumerate(data.figures):
            _put(sheet.cell(line, first + offset), figure, row)
    total_line = [_("合计"), printable(data.own.name), *([""] if with_province else [])]
    sheet.append(total_line)
    line = sheet.max_row
    for offset, figure in enumerate(data.figures):
        _put(sheet.cell(line, first + offset), figure, data.own)
    for cell in sheet[line]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = NAME_WIDTH
    if with_province:
        sheet.column_dimensions["C"].width = 14
    for offset in range(len(data.figures)):
        sheet.column_dimensions[get_column_letter(first + offset)].width = FIGURE_WIDTH
    sheet.auto_filter.ref = f"A3:{get_column_letter(first + len(data.figures) - 1)}{line - 1}"


def _trend(sheet: Worksheet, data: ReportData) -> None:
    figures = data.figures
    _title(sheet, data, _("季度趋势"), 2 + len(figures))
    _header(sheet, [_("季度"), _("口径"), *[str(f.label) for f in figures]])
    sheet.freeze_panes = "C4"
    for point in data.trend:
        for row in (point.own, point.national) if not data.audience.units_are_provinces else (point.national,):
            if row is None:
                continue
            sheet.append([str(point.quarter), printable(row.name)])
            line = sheet.max_row
            for offset, figure in enumerate(figures):
                _put(sheet.cell(line, 3 + offset), figure, row)
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = NAME_WIDTH
    for offset in range(len(figures)):
        sheet.column_dimensions[get_column_letter(3 + offset)].width = FIGURE_WIDTH


def _spot_checks(sheet: Worksheet, data: ReportData) -> None:
    """Each spot check of the quarter, its results per institution and its total."""
    headers = [_("抽查名称"), _("抽查单位"), _("状态"), _("机构"), _("抽取"), _("已核查"), _("一致率"), _("不一致"),
               _("数据错误"), _("需整改"), _("已整改")]
    _title(sheet, data, _("随机抽查结果"), len(headers))
    _header(sheet, headers)
    sheet.freeze_panes = "E4"
    for check in data.spot_checks:
        for result in [*check.results, check.total]:
            name = result.institution or _("合计")
            sheet.append([printable(check.title), printable(check.organiser), check.status, printable(name),
                          result.sampled, result.checked,
                          EMPTY_RATE if result.agree_rate is None else result.agree_rate / 100,
                          result.disagreed, result.data_errors, result.to_correct, result.corrected])
            line = sheet.max_row
            sheet.cell(line, 7).number_format = RATE_FORMAT
            for column in (5, 6, 8, 9, 10, 11):
                sheet.cell(line, column).number_format = COUNT_FORMAT
            if not result.institution:
                for cell in sheet[line]:
                    cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (28, 20, 10, NAME_WIDTH), strict=True):
        sheet.column_dimensions[letter].width = width
    for column in range(5, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 10


def _definitions(sheet: Worksheet, data: ReportData) -> None:
    _title(sheet, data, _("统计口径(版本 %(version)s)") % {"version": data.run.definition_version}, 3)
    _header(sheet, [_("术语或指标"), _("定义"), _("计算")])
    sheet.freeze_panes = "A4"
    for term, text in data.terms:
        sheet.append([str(term), str(text), ""])
    by_key = {f.key: f for f in data.figures}
    for figure in data.figures:
        formula = ""
        if figure.is_rate:
            formula = f"{by_key[figure.numerator].label} ÷ {by_key[figure.denominator].label}"
        sheet.append([str(figure.label), str(figure.definition), formula])
    sheet.append([])
    sheet.append([_("比率保留一位小数;分母为 0 时显示“—”,不显示为 0。")])
    for row in sheet.iter_rows(min_row=4, max_row=sheet.max_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 90
    sheet.column_dimensions["C"].width = 36
