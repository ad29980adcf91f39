"""The dashboard as a PDF: an HTML page (reporting/reports/pdf.html) with the charts of charts.py
as PNG images and the figures' tables, laid out by WeasyPrint with the Noto CJK fonts."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML

from reporting.reports import charts
from reporting.reports.data import ReportData
from reporting.statistics.definitions import format_rate

STYLESHEET = Path(__file__).with_name("pdf.css")
# The figures a table of units shows (the .xlsx has them all).
UNIT_COLUMNS = ("in_scope", "inventoried", "coverage", "in_library", "transfers", "licences", "product_filings",
                "implementation_rate", "industrialisation_rate", "self_reported")
HEADLINE = ("coverage", "in_library", "transfers", "licences", "implementation_rate", "industrialisation_rate")

Progress = Callable[[int, str], None]


def _image(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def shown(row, figure) -> str:
    """A figure as printed: a count with thousands separators, a rate as 12.3% or "—"."""
    if figure.is_rate:
        return format_rate(row.percent(figure))
    return f"{row.value(figure):,}"


def write_pdf(data: ReportData, target: IO[bytes], progress: Progress | None = None) -> dict:
    progress = progress or (lambda percent, message: None)
    images = {}
    for percent, (name, draw) in enumerate([("ranking", charts.coverage_ranking),
                                            ("library", charts.library_composition),
                                            ("conversions", charts.conversions), ("trends", charts.trends)]):
        images[name] = _image(draw(data))
        progress(10 + 15 * (percent + 1), _("已绘制图表 %(n)d/4") % {"n": percent + 1})
    columns = [data.figure(key) for key in UNIT_COLUMNS]
    comparison = [data.own] if data.audience.units_are_provinces else [data.own, data.national]
    html = render_to_string("reporting/reports/pdf.html", {
        "data": data, "images": images, "generated": timezone.localtime(),
        "headline": [{"label": data.figure(k).label, "own": shown(data.own, data.figure(k)),
                      "national": shown(data.national, data.figure(k))} for k in HEADLINE],
        "comparison_names": [row.name for row in comparison],
        "summary": [{"label": f.label, "values": [shown(row, f) for row in comparison]} for f in data.figures],
        "columns": columns,
        "units": [{"name": row.name, "values": [shown(row, f) for f in columns]}
                  for row in data.ranking("coverage")],
        "own_values": [shown(data.own, f) for f in columns],
    })
    progress(80, _("正在排版 PDF"))
    document = HTML(string=html).render(stylesheets=[CSS(filename=str(STYLESHEET))])
    document.write_pdf(target)
    return {"pages": len(document.pages)}
