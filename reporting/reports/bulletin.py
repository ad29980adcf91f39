"""The progress bulletin (进展通报) as an editable .docx, drafted from the quarter's figures the way
such bulletins circulate: the title, the headline figures in one paragraph, the ranking table, the
institutions behind their milestones, typical cases, and the definitions used.

The typical cases come from reporting/cases (`cases_for_bulletin(quarter)`, another area): the
drafting function takes them as a parameter, so this module does not depend on that area.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ground.sheets.report import printable
from reporting.reports.data import ReportData
from reporting.reports.pdf import shown

FONT = "Noto Sans CJK SC"
RANKING_COLUMNS = ("in_scope", "inventoried", "coverage", "in_library", "transfers", "licences",
                   "implementation_rate")
# The longest ranking a bulletin prints (the .xlsx lists every unit).
RANKED = 50

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Laggard:
    """An institution behind a milestone already due, as the bulletin names it."""

    name: str
    inventoried: int
    total: int
    percent: float
    required: int | None  # the highest target already due, in percent


@dataclass(frozen=True)
class BulletinCase:
    """One typical case as the bulletin prints it (reporting/cases supplies them)."""

    title: str
    source: str  # who reported it: a province or an institution
    summary: str


def chinese_date(day: datetime.date) -> str:
    """2025年12月31日, as Chinese documents write dates."""
    return _("%(year)d年%(month)d月%(day)d日") % {"year": day.year, "month": day.month, "day": day.day}


def _font(run, size: float | None = None, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.name = FONT
    run.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = colour


def _paragraph(document, text: str, *, size: float = 11, bold: bool = False, centre: bool = False,
               colour: RGBColor | None = None):
    paragraph = document.add_paragraph()
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(printable(text)), size, bold, colour)
    return paragraph


def headline(data: ReportData) -> str:
    """The headline figures as one paragraph, with the nation's rates beside the scope's."""
    own, nation = data.own, data.national
    f = data.figure
    values = {
        "end": chinese_date(data.quarter.end), "name": data.audience.name,
        "in_scope": shown(own, f("in_scope")), "inventoried": shown(own, f("inventoried")),
        "coverage": shown(own, f("coverage")), "library": shown(own, f("in_library")),
        "transfers": shown(own, f("transfers")), "licences": shown(own, f("licences")),
        "open": shown(own, f("open_licences")), "filings": shown(own, f("product_filings")),
        "implementation": shown(own, f("implementation_rate")),
        "industrialisation": shown(own, f("industrialisation_rate")),
        "self_reported": shown(own, f("self_reported")), "sleeping": shown(own, f("sleeping")),
    }
    text = _("截至%(end)s,%(name)s盘点范围内专利 %(in_scope)s 件,已盘点 %(inventoried)s 件,盘点覆盖率 "
             "%(coverage)s;转化资源库入库专利 %(library)s 件。本季度转让登记 %(transfers)s 件,许可备案 "
             "%(licences)s 件(其中开放许可 %(open)s 件),专利产品备案 %(filings)s 件。专利实施率 "
             "%(implementation)s,专利产业化率 %(industrialisation)s;另有机构自报已实施但无转化记录的专利 "
             "%(self_reported)s 件,单列,未计入实施率。沉睡专利 %(sleeping)s 件。") % values
    if data.audience.units_are_provinces:
        return text
    return text + _("全国同期盘点覆盖率 %(coverage)s,专利实施率 %(implementation)s,专利产业化率 "
                    "%(industrialisation)s。") % {
        "coverage": shown(nation, f("coverage")), "implementation": shown(nation, f("implementation_rate")),
        "industrialisation": shown(nation, f("industrialisation_rate"))}


def progress_day(data: ReportData) -> datetime.date:
    """The day whose inventory progress the bulletin reports: its quarter's end, or today while the
    quarter runs (the milestones' progress as it stood then, inventory.milestones)."""
    return min(data.quarter.end, timezone.localdate())


def write_bulletin(data: ReportData, target: IO[bytes], *, behind: Sequence[Laggard] = (),
                   cases: Sequence[BulletinCase] = (), progress: Progress | None = None) -> dict:
    """Draft the bulletin into `target`. `behind`: the institutions behind their milestones on
    `progress_day(data)` (services.behind_milestones); `cases`: the typical cases marked for the bulletin."""
    progress = progress or (lambda percent, message: None)
    document = Document()
    _a4(document)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.font.size = Pt(11)
    title = _("关于%(quarter)s%(name)s高校和科研机构存量专利盘活工作进展情况的通报") % {
        "quarter": data.quarter.label(), "name": data.audience.name}
    if data.is_draft:
        _paragraph(document, _("【%(mark)s】") % {"mark": data.draft_mark}, size=12, bold=True, centre=True,
                   colour=RGBColor(0xC0, 0x00, 0x00))
    _paragraph(document, title, size=18, bold=True, centre=True)
    _paragraph(document, data.run_line, size=9, centre=True, colour=RGBColor(0x59, 0x59, 0x59))

    _paragraph(document, _("一、总体进展"), size=14, bold=True)
    _paragraph(document, headline(data))
    progress(30, _("已写总体进展"))

    _paragraph(document, _("二、各%(unit)s盘点进展排名") % {"unit": data.audience.unit_label}, size=14, bold=True)
    _ranking(document, data)
    progress(55, _("已写排名"))

    _paragraph(document, _("三、进度滞后的机构"), size=14, bold=True)
    if behind:
        _paragraph(document, _("截至%(today)s,以下机构未达到已到期的盘点里程碑要求,请督促加快进度:")
                   % {"today": chinese_date(progress_day(data))})
        for item in behind:
            _paragraph(document, _("%(name)s:已盘点 %(done)s / %(total)s 件(%(percent).1f%%),应达到 %(target)s。") % {
                "name": item.name, "done": f"{item.inventoried:,}", "total": f"{item.total:,}",
                "percent": item.percent, "target": f"{item.required}%" if item.required is not None else _("到期要求")})
    else:
        _paragraph(document, _("本范围内没有进度滞后于里程碑的机构。"))
    progress(70, _("已写滞后机构"))

    _spot_checks(document, data)

    _paragraph(document, _("五、典型案例"), size=14, bold=True)
    if cases:
        for number, case in enumerate(cases, start=1):
            _paragraph(document, f"{number}. {case.title}({case.source})", bold=True)
            _paragraph(document, case.summary)
    else:
        _paragraph(document, _("(本季度暂无标记为通报的典型案例,可在此补充。)"), colour=RGBColor(0x80, 0x80, 0x80))

    _paragraph(document, _("六、统计口径(版本 %(version)s)") % {"version": data.run.definition_version},
               size=14, bold=True)
    for term, text in data.terms:
        paragraph = document.add_paragraph()
        _font(paragraph.add_run(printable(f"{term}:")), 10, bold=True)
        _font(paragraph.add_run(printable(str(text))), 10)
    for figure in data.figures:
        paragraph = document.add_paragraph()
        _font(paragraph.add_run(printable(f"{figure.label}:")), 10, bold=True)
        _font(paragraph.add_run(printable(str(figure.definition))), 10)
    _paragraph(document, _("比率保留一位小数;分母为 0 时显示“—”。"), size=10)
    closing = _paragraph(document, f"{data.audience.organization.name}\n{chinese_date(timezone.localdate())}")
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    progress(85, _("正在保存"))
    document.save(target)
    return {"behind": len(behind), "cases": len(cases), "ranked": min(len(data.units), RANKED)}


def _spot_checks(document, data: ReportData) -> None:
    """四、随机抽查情况: each spot check of the quarter summed up, and the institutions it asks to correct."""
    _paragraph(document, _("四、随机抽查情况"), size=14, bold=True)
    if not data.spot_checks:
        _paragraph(document, _("本季度本范围内没有已抽取的随机抽查。"), colour=RGBColor(0x80, 0x80, 0x80))
        return
    for number, check in enumerate(data.spot_checks, start=1):
        total = check.total
        rate = _("一致率 %(rate).1f%%") % {"rate": total.agree_rate} if total.agree_rate is not None \
            else _("尚无核查结论")
        _paragraph(document, _("%(number)d. %(title)s(%(organiser)s,%(status)s):抽取 %(sampled)s 条,已核查 "
                               "%(checked)s 条,%(rate)s;需整改 %(to_correct)s 条,已整改 %(corrected)s 条。") % {
            "number": number, "title": check.title, "organiser": check.organiser, "status": check.status,
            "sampled": f"{total.sampled:,}", "checked": f"{total.checked:,}", "rate": rate,
            "to_correct": f"{total.to_correct:,}", "corrected": f"{total.corrected:,}"})
        to_correct = [r for r in check.results if r.to_correct]
        if to_correct:
            _paragraph(document, _("需整改的机构:%(names)s。") % {"names": "、".join(
                _("%(name)s %(n)d 条") % {"name": r.institution, "n": r.to_correct} for r in to_correct)}, size=10)


def _a4(document) -> None:
    """A4 with the margins of official documents (GB/T 9704: 37 mm top, 35 bottom, 28 left, 26 right);
    python-docx's blank template is US Letter."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _ranking(document, data: ReportData) -> None:
    figures = [data.figure(key) for key in RANKING_COLUMNS]
    rows = data.ranking("coverage")[:RANKED]
    table = document.add_table(rows=1, cols=2 + len(figures))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, [_("序号"), data.audience.unit_label, *[str(f.label) for f in figures]],
                          strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(printable(text)), 9, bold=True)
    for number, row in enumerate(rows, start=1):
        cells = table.add_row().cells
        for cell, text in zip(cells, [str(number), row.name, *[shown(row, f) for f in figures]], strict=True):
            _font(cell.paragraphs[0].add_run(printable(text)), 9)
    # 15.6 cm between the margins: the number, the name, then the figures alike.
    widths = [Cm(1.1), Cm(3.9), *[Cm(10.6 / len(figures))] * len(figures)]
    for table_row in table.rows:
        for cell, width in zip(table_row.cells, widths, strict=True):
            cell.width = width
    if len(data.units) > RANKED:
        _paragraph(document, _("(仅列前 %(n)d 位,完整排名见统计报表。)") % {"n": RANKED}, size=9)
    if not rows:
        _paragraph(document, _("暂无数据"))
