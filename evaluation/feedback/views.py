"""Pages of the feedback loop: an institution's evaluated patents with their summaries, one patent's
evaluations with the institution's answers, the answers an enterprise received, the reasons patents
do not convert for a ministry, a province or the platform (chart, table, .xlsx), and the
evaluation-feedback sheet's download and upload (upload → preview → confirm).

Everything is read through `Evaluation.objects.visible_to(user).submitted()` (services) and written
through the services; out of scope answers 404.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import Role, role_of
from evaluation.choices import FeedbackAction
from evaluation.feedback import importer as feedback_import
from evaluation.feedback import services
from evaluation.feedback.exports import FeedbackExport, FeedbackTemplate, ReasonsExport
from evaluation.feedback.forms import AnswerForm, FeedbackUploadForm
from evaluation.feedback.importer import FEEDBACK, UPLOADERS
from evaluation.feedback.models import FeedbackAnswer
from evaluation.feedback.sheet_format import FeedbackFormat
from ground import imports
from ground.imports.pages import UploadPages, batch_action, batch_page, upload_page
from inventory.classification.models import Industry
from inventory.patents.models import Patent

PAGE_SIZE = 20
READERS = (Role.INSTITUTION, Role.PROVINCE, Role.MINISTRY, Role.OPERATOR)
REASON_READERS = (Role.PROVINCE, Role.MINISTRY, Role.OPERATOR)
EXPORTERS = (*READERS, Role.ENTERPRISE)


@role_required(*READERS)
@require_GET
def feedback_list(request: HttpRequest) -> HttpResponse:
    """The evaluated patents in scope (an institution: its own), each with its summary."""
    dimensions = services.dimension_labels()
    evaluations = services.feedback_evaluations(request.user)
    page = Paginator(services.patent_summaries(evaluations, dimensions), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/feedback/list.html", {
        "page_obj": page, "summaries": services.describe(list(page.object_list), evaluations, dimensions),
        "can_upload": role_of(request.user) in UPLOADERS,
        "sees_reasons": role_of(request.user) in REASON_READERS,
    })


@role_required(*READERS)
@require_GET
def feedback_patent(request: HttpRequest, pk: int) -> HttpResponse:
    """One patent's submitted evaluations in scope, with its summary and the answers; the owning
    institution answers each."""
    patent = get_object_or_404(Patent.objects.visible_to(request.user), pk=pk)
    evaluations = services.patent_evaluations(request.user, patent.pk)
    disclosure = services.Disclosure.for_enterprises(request.user, [e.enterprise_id for e in evaluations])
    can_answer = role_of(request.user) == Role.INSTITUTION
    names = {**dict(services.DEFAULT_DIMENSIONS), **dict(services.dimension_labels())}
    rows = [{"evaluation": e, "evaluator": disclosure.evaluator(e), "contact": disclosure.contact(e),
             "answers": list(e.answers.all()),
             "dimensions": [(names.get(code, code), value) for code, value in (e.dimension_scores or {}).items()]}
            for e in evaluations]
    return render(request, "evaluation/feedback/patent.html", {
        "patent": patent, "summary": services.patent_summary(request.user, patent.pk) if evaluations else None,
        "rows": rows, "can_answer": can_answer, "form": AnswerForm() if can_answer else None,
        "actions": FeedbackAction,
    })


@role_required(Role.INSTITUTION)
@require_POST
def feedback_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The institution's answer to one evaluation of its patent (services.answer refuses the rest)."""
    form = AnswerForm(request.POST)
    patent_id = (services.feedback_evaluations(request.user).filter(pk=pk).values_list("patent_id", flat=True)
                 .first())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.answer(request.user, pk, form.cleaned_data["action"], form.cleaned_data["note"], request=request)
        except services.FeedbackError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已记录答复"))
    if patent_id is None:
        return redirect("evaluation:feedback_list")
    return redirect("evaluation:feedback_patent", pk=patent_id)


@role_required(Role.ENTERPRISE, *READERS)
@require_GET
def feedback_answers(request: HttpRequest) -> HttpResponse:
    """The institutions' answers to the evaluations in scope (an enterprise: to its own)."""
    answers = (FeedbackAnswer.objects.visible_to(request.user)
               .select_related("evaluation__patent", "evaluation__owner").order_by("-created_at", "-pk"))
    page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/feedback/answers.html", {"page_obj": page})


# --- why patents do not convert ---------------------------------------------------------------------

@role_required(*REASON_READERS)
@require_GET
def feedback_reasons(request: HttpRequest) -> HttpResponse:
    """Why patents in scope do not convert: coded reasons and prospects by industry sector and by
    institution, as ECharts bars with the tables a click away."""
    data = services.reason_breakdown(request.user)
    columns = services.reason_columns()
    names = dict(Industry.objects.filter(parent__isnull=True).values_list("code", "name"))
    for row in data["sectors"]:
        row["name"] = names.get(row["sector"]) or _("未分类")
    for row in (*data["sectors"], *data["institutions"]):
        row["cells"] = [row[key] for key, _label in columns]
    reason_keys = [key for key, _label in columns if key.startswith("reason_")]
    prospect_keys = [key for key, _label in columns if key.startswith("prospect_")]
    labels = dict(columns)
    chart = {
        "sectors": [row["name"] for row in data["sectors"]],
        "reasons": [{"name": labels[key], "data": [row[key] for row in data["sectors"]]} for key in reason_keys],
        "prospects": [{"name": labels[key], "data": [row[key] for row in data["sectors"]]} for key in prospect_keys],
    }
    return render(request, "evaluation/feedback/reasons.html", {
        **data, "columns": columns, "chart": chart,
        "total_cells": [data["totals"][key] for key, _label in columns],
    })


@role_required(*REASON_READERS)
@require_GET
def feedback_reasons_export(request: HttpRequest) -> HttpResponse:
    return export_response(ReasonsExport, request)


@role_required(*EXPORTERS)
@require_GET
def feedback_export(request: HttpRequest) -> HttpResponse:
    """The submitted evaluations in scope, in the evaluation-feedback format (DATA-STANDARD.md §4)."""
    return export_response(FeedbackExport, request)


@role_required(*UPLOADERS, Role.OPERATOR)
@require_GET
def feedback_template(request: HttpRequest) -> HttpResponse:
    return export_response(FeedbackTemplate, request)


# --- the evaluation-feedback sheet upload -----------------------------------------------------------

UPLOAD_PAGES = UploadPages(
    title=gettext_lazy("上传评价反馈"), batch_title=gettext_lazy("评价反馈上传"),
    intro=gettext_lazy("每行一条评价,以申请号、评价主体类型、评价主体和评价日期识别:再次上传会更新该评价,"
                       "重复上传同一文件不会有任何改动。只能反馈您范围内的专利。"),
    rule=gettext_lazy("上传后先校验并预览,确认后才写入;文件中有任何错误时整批不导入。"),
    element_id="pn-feedback", back_url="evaluation:feedback_answers", back_label=gettext_lazy("机构答复"),
    template_url="evaluation:feedback_template", upload_url="evaluation:feedback_upload",
    detail_url="evaluation:feedback_upload_detail", commit_url="evaluation:feedback_upload_commit",
    cancel_url="evaluation:feedback_upload_cancel", unchanged_label=gettext_lazy("未变化"), all_or_nothing=True,
)


@role_required(*UPLOADERS)
def feedback_upload(request: HttpRequest) -> HttpResponse:
    return upload_page(request, UPLOAD_PAGES, FEEDBACK, FeedbackUploadForm, FeedbackFormat().columns,
                       feedback_import.feedback_batches().visible_to(request.user))


@role_required(*UPLOADERS, Role.OPERATOR)
@require_GET
def feedback_upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batches = feedback_import.feedback_batches()
    return batch_page(request, UPLOAD_PAGES, pk, batches.visible_to(request.user),
                      lambda batch: batches.editable_by(request.user).filter(pk=batch.pk).exists())


def _act(request: HttpRequest, pk: int, action: Callable, done: str) -> HttpResponse:
    editable = feedback_import.feedback_batches().editable_by(request.user)
    return batch_action(request, UPLOAD_PAGES, FEEDBACK, pk, editable, action, done)


@role_required(*UPLOADERS)
@require_POST
def feedback_upload_commit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.request_commit, _("已导入评价反馈"))


@role_required(*UPLOADERS)
@require_POST
def feedback_upload_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.cancel, _("已取消该批次,没有写入任何数据"))
