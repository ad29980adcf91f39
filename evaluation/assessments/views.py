"""Pages of evaluations: 我的评价 (an enterprise's and an expert's), starting an evaluation, the form
with its autosaved draft (htmx posts the form on every change to `evaluation_draft`), submission,
withdrawal and the evaluation page with its history. The rules are evaluation.assessments.services'."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from evaluation.assessments import services
from evaluation.assessments.models import LIVE, Evaluation
from evaluation.choices import EvaluationStatus, EvaluatorKind, NonConversionReason, Prospect
from evaluation.rounds.models import Assignment
from matching.choices import CooperationMode

EVALUATORS = (Role.ENTERPRISE, Role.EXPERT)
READERS = (Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE, Role.EXPERT)
PAGE_SIZE = 20


def post_values(post) -> dict:
    """The form's fields in the shape the services take."""
    return {
        "prospect": post.get("prospect", ""), "improvement_needs": post.get("improvement_needs", ""),
        "cooperation_modes": [m for m in post.getlist("cooperation_modes") if m != "none"],
        "reasons": post.getlist("reasons"), "reason_other": post.get("reason_other", ""),
        "scores": {key[6:]: value for key, value in post.items() if key.startswith("score_")},
        "comments": {key[8:]: value for key, value in post.items() if key.startswith("comment_")},
        "summary": post.get("summary", ""),
    }


@role_required(*EVALUATORS)
@require_GET
def my_evaluations(request: HttpRequest) -> HttpResponse:
    """我的评价: drafts, submitted and withdrawn evaluations of the user (an enterprise: its own),
    and what is waiting to be evaluated (pushed patents; accepted assignments)."""
    number = (request.GET.get("number") or "").strip()[:40]
    if number and role_of(request.user) == Role.ENTERPRISE:
        patent = services.library_patent(request.user, number)
        if patent is not None:
            return redirect("evaluation:patent_evaluate", pk=patent.pk)
        messages.error(request, _("未找到可评价的专利“%(n)s”:只能评价推送给本企业或专利转化资源库中的专利")
                       % {"n": number})
    evaluations = (Evaluation.objects.visible_to(request.user).select_related("patent", "round", "system")
                   .order_by("-updated_at", "-pk"))
    status = request.GET.get("status") if request.GET.get("status") in EvaluationStatus.values else ""
    if status:
        evaluations = evaluations.filter(status=status)
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/assessments/my_evaluations.html", {
        "page_obj": page, "status": status, "statuses": EvaluationStatus.choices, "number": number,
        "is_enterprise": role_of(request.user) == Role.ENTERPRISE,
        "pending_pushes": services.pending_pushes(request.user), "assignments": services.open_assignments(request.user),
    })


@role_required(Role.ENTERPRISE)
@require_GET
def patent_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """An enterprise's entry to evaluating a patent pushed to it or in the library."""
    patent = get_object_or_404(services.evaluable_patents(request.user), pk=pk)
    live = Evaluation.objects.visible_to(request.user).filter(LIVE, patent=patent, round__isnull=True).first()
    return render(request, "evaluation/assessments/patent_evaluate.html", {"patent": patent, "live": live})


@role_required(Role.ENTERPRISE)
@require_POST
def patent_evaluate_start(request: HttpRequest, pk: int) -> HttpResponse:
    patent = get_object_or_404(services.evaluable_patents(request.user), pk=pk)
    try:
        evaluation = services.start_enterprise_evaluation(request.user, patent, request=request)
    except services.EvaluationError as error:
        messages.error(request, str(error))
        return redirect("evaluation:patent_evaluate", pk=pk)
    return redirect("evaluation:evaluation_edit", pk=evaluation.pk)


@role_required(Role.EXPERT)
@require_POST
def assignment_evaluate_start(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(Assignment.objects.visible_to(request.user).select_related("expert", "patent",
                                                                                               "round"), pk=pk)
    live = services.live_evaluation_for_assignment(assignment)
    if live is not None and live.status == EvaluationStatus.DRAFT:
        return redirect("evaluation:evaluation_edit", pk=live.pk)
    try:
        evaluation = services.start_expert_evaluation(request.user, assignment, request=request)
    except services.EvaluationError as error:
        messages.error(request, str(error))
        return redirect("evaluation:my_evaluations")
    return redirect("evaluation:evaluation_edit", pk=evaluation.pk)


def _visible(request: HttpRequest, pk: int) -> Evaluation:
    return get_object_or_404(Evaluation.objects.visible_to(request.user).select_related(
        "patent", "enterprise", "expert", "round", "system", "owner"), pk=pk)


def _form_context(request: HttpRequest, evaluation: Evaluation, values: dict, errors: dict) -> dict:
    system = services.with_tree_of(evaluation)
    computation = services.compute(system, services.parsed_scores(values["scores"]))
    scores = {str(key): value for key, value in values["scores"].items()}
    sections = [{
        "dimension": d, "comment": values["comments"].get(d.code, ""), "comment_error": errors.get(f"comment_{d.code}"),
        "indicators": [{"indicator": i, "value": scores.get(str(i.pk), ""), "error": errors.get(f"score_{i.pk}")}
                       for i in d.indicators.all()],
    } for d in system.dimensions.all()]
    return {
        "sections": sections,
        "evaluation": evaluation, "values": values, "errors": errors, "computation": computation,
        "is_enterprise": evaluation.evaluator_kind == EvaluatorKind.ENTERPRISE,
        "prospects": Prospect.choices, "modes": CooperationMode.choices, "reasons": NonConversionReason.choices,
        "no_cooperation": not values["cooperation_modes"] and bool(values["reasons"]),
        "evaluator": services.evaluator_label(request.user, evaluation),
    }


@role_required(*EVALUATORS)
@require_GET
def evaluation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The form of a draft (the expert's indicator form, or the enterprise's)."""
    evaluation = get_object_or_404(Evaluation.objects.editable_by(request.user).select_related(
        "patent", "enterprise", "expert", "round", "system", "assignment"), pk=pk)
    if evaluation.status != EvaluationStatus.DRAFT:
        messages.info(request, _("评价已提交并锁定,不能再修改;如需修改请先撤回"))
        return redirect("evaluation:evaluation_detail", pk=pk)
    values = services.values_of(evaluation)
    return render(request, "evaluation/assessments/form.html", _form_context(request, evaluation, values, {}))


def _editable_or_403(request: HttpRequest, pk: int) -> Evaluation:
    return get_object_or_404(Evaluation.objects.editable_by(request.user).select_related("system"), pk=pk)


@role_required(*EVALUATORS)
@require_POST
def evaluation_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave (htmx, on every change): what is valid is kept; the answer is the draft's status and,
    out of band, the computed dimension scores and overall value."""
    evaluation = _editable_or_403(request, pk)
    try:
        evaluation, problems, computation = services.save_draft(request.user, evaluation, post_values(request.POST),
                                                                request=request)
    except services.EvaluationError as error:
        raise PermissionDenied(str(error)) from None
    return render(request, "evaluation/assessments/_draft_saved.html", {
        "evaluation": evaluation, "problems": problems, "computation": computation, "oob": True})


@role_required(*EVALUATORS)
@require_POST
def evaluation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what the form holds as the draft, then submit it: every problem is shown per field and
    nothing is submitted when anything is missing or wrong."""
    evaluation = _editable_or_403(request, pk)
    values = post_values(request.POST)
    try:
        evaluation, problems, _computation = services.save_draft(request.user, evaluation, values, request=request)
        if not problems:
            services.submit(request.user, evaluation, request=request)
    except services.EvaluationError as error:
        if error.locked:
            raise PermissionDenied(str(error)) from None
        problems = error.errors
    if problems:
        evaluation.refresh_from_db()
        context = _form_context(request, evaluation, values, problems)
        return render(request, "evaluation/assessments/form.html", context, status=400)
    messages.success(request, _("评价已提交"))
    return redirect("evaluation:evaluation_detail", pk=pk)


@role_required(*EVALUATORS)
@require_POST
def evaluation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _editable_or_403(request, pk)
    try:
        services.withdraw(request.user, evaluation, request.POST.get("reason", ""), request=request)
    except services.EvaluationError as error:
        if error.locked:
            raise PermissionDenied(str(error)) from None
        messages.error(request, str(error))
    else:
        messages.success(request, _("评价已撤回,可以重新开始一份评价"))
    return redirect("evaluation:evaluation_detail", pk=pk)


@role_required(*READERS)
@require_GET
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One evaluation: its values, the computation explained, and the evaluator's history of it."""
    evaluation = _visible(request, pk)
    history = list(services.history_of(request.user, evaluation).select_related("system"))
    editable = Evaluation.objects.editable_by(request.user).filter(pk=pk).exists()
    restart = None
    if editable and evaluation.status == EvaluationStatus.WITHDRAWN and not any(
            e.status != EvaluationStatus.WITHDRAWN for e in history):
        restart = evaluation
    return render(request, "evaluation/assessments/detail.html", {
        "evaluation": evaluation, "computation": services.computation_of(evaluation), "history": history,
        "editable": editable, "restart": restart, "evaluator": services.evaluator_label(request.user, evaluation),
        "values": services.values_of(evaluation), "reason_labels": dict(NonConversionReason.choices),
        "mode_labels": dict(CooperationMode.choices),
    })
