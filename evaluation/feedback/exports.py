"""This area's exports (accounts.exports, each with its audit event): the evaluation-feedback
sheet's blank template, the evaluations in the user's scope in that format, and the table of why
patents do not convert."""

from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.exports import WrittenExport
from evaluation.feedback import services
from evaluation.feedback.sheet_format import KINDS, MODES, NO_COOPERATION, PROSPECTS, VALUE_COLUMNS, FeedbackFormat
from ground.privacy import mask_text
from ground.sheets.report import printable
from ground.sheets.template import write_template
from inventory.classification.models import Industry

CHUNK = 2000
KIND_TEXT = {value: text for text, value in KINDS.items()}
PROSPECT_TEXT = {value: text for text, value in PROSPECTS.items()}
# The first spelling of each mode is the standard's (受让, 许可, 联合研发, 作价入股).
MODE_TEXT = {value: text for text, value in reversed(list(MODES.items()))}


class FeedbackTemplate(WrittenExport):
    """The evaluation-feedback sheet's blank template (DATA-STANDARD.md §4), with its instructions
    sheet and drop-downs."""

    action = "export.evaluation_feedback_template"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        write_template(target, FeedbackFormat(), notes=[
            _("每行一条评价;申请号、评价主体类型、评价主体(企业按统一社会信用代码,专家按姓名)和评价日期相同的行视为同一评价。"),
            _("再次上传同一评价会更新它;重复上传同一文件不会有任何改动。"),
            _("省级知识产权局可上传对本省高校和科研机构专利的评价;企业可上传本企业对推送给本企业的专利或国家转化资源库中专利的评价。"),
            _("法律价值、技术价值、经济价值为 0–100 的分值;综合得分按当前评价指标体系的维度权重计算。"),
            _("文件中有任何错误时整批不导入,请按预览中的行号和列名修正后重新上传。"),
        ])
        return {}

    def filename(self, obj: None, **options: Any) -> str:
        return "评价反馈模板.xlsx"


def _header(sheet, texts: list[str]) -> list:
    cells = []
    for text in texts:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


class FeedbackExport(WrittenExport):
    """The submitted evaluations in the user's scope in the evaluation-feedback format, streamed
    (write-only workbook, evaluations read in chunks): evaluators named as the user may read them
    (services.Disclosure), phones and e-mails inside the texts masked."""

    action = "export.evaluation_feedback"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        evaluations = services.feedback_evaluations(actor)
        disclosure = services.Disclosure.for_evaluations(actor, evaluations)
        codes = services.dimension_weights().codes
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(FeedbackFormat.title))
        sheet.append(_header(sheet, [column.header for column in FeedbackFormat().columns]))
        rows = 0
        for evaluation in (evaluations.select_related("patent", "enterprise", "expert")
                           .order_by("pk").iterator(chunk_size=CHUNK)):
            scores = evaluation.dimension_scores or {}
            modes = "、".join(MODE_TEXT.get(mode, mode) for mode in evaluation.cooperation_modes or [])
            day = evaluation.evaluated_on or (timezone.localdate(evaluation.submitted_at)
                                              if evaluation.submitted_at else None)
            sheet.append([None if value == "" else printable(value) for value in (
                evaluation.patent.application_number,
                KIND_TEXT.get(evaluation.evaluator_kind, ""),
                disclosure.evaluator(evaluation),
                disclosure.credit_code(evaluation),
                PROSPECT_TEXT.get(evaluation.prospect, ""),
                mask_text(evaluation.improvement_needs),
                modes or NO_COOPERATION,
                *(scores.get(codes[header]) for header, _key in VALUE_COLUMNS),
                mask_text(evaluation.summary),
                day,
            )])
            rows += 1
        workbook.save(target)
        return {"rows": rows}

    def filename(self, obj: None, **options: Any) -> str:
        return f"评价反馈-{timezone.localdate():%Y%m%d}.xlsx"


class ReasonsExport(WrittenExport):
    """Why patents do not convert in the user's scope: the prospects and coded reasons of the
    submitted evaluations by industry sector and by institution (services.reason_breakdown)."""

    action = "export.evaluation_reasons"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        data = services.reason_breakdown(actor)
        columns = services.reason_columns()
        names = dict(Industry.objects.filter(parent__isnull=True).values_list("code", "name"))
        workbook = Workbook(write_only=True)
        for title, first, rows, label in (
                (_("按产业"), _("产业"), data["sectors"], lambda r: names.get(r["sector"]) or _("未分类")),
                (_("按单位"), _("单位"), data["institutions"], lambda r: r["owner__name"])):
            sheet = workbook.create_sheet(title)
            sheet.append(_header(sheet, [first, *(text for _key, text in columns)]))
            for row in rows:
                sheet.append([printable(label(row)), *(row[key] for key, _text in columns)])
        sheet = workbook.create_sheet(_("合计"))
        sheet.append(_header(sheet, [text for _key, text in columns]))
        sheet.append([data["totals"][key] for key, _text in columns])
        workbook.save(target)
        return {"rows": len(data["sectors"]) + len(data["institutions"])}

    def filename(self, obj: None, **options: Any) -> str:
        return f"专利未转化原因-{timezone.localdate():%Y%m%d}.xlsx"
