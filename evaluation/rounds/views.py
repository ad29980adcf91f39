"""Pages of expert evaluation's rounds: an enterprise's requests, a province's rounds with their
progress and draws, an expert's assignments (评价任务) with the declaration that opens a patent.

Every object is read through visible_to / editable_by (services.editable_round,
services.editable_assignment); every change goes through evaluation.rounds.services."""

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from evaluation.choices import AssignmentStatus, RoundStatus
from evaluation.rounds import draw as drawing
from evaluation.rounds import services
from evaluation.rounds.models import Assignment, Draw, EvaluationRound, ExpertRequest, RoundPatent
from evaluation.rounds.services import RoundError
from inventory.models import Patent
from inventory.patents import InvalidPatentNumber, normalize_application_number
from matching.choices import PushStatus
from matching.models import Push

PAGE_SIZE = 30
# The assignment list's filter of the open ones (待声明 and 评价中), which the home card counts.
OPEN_FILTER = "open"
ANONYMOUS_ENTERPRISE = gettext_lazy("某企业")


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def enterprise_label(user, request_row: ExpertRequest) -> str:
    """The requesting enterprise's name as `user` reads it: the enterprise itself, the operator and
    the province the enterprise belongs to; "某企业" to a province reading a request about one of
    its institutions' patents made by another province's enterprise."""
    role = role_of(user)
    if role == Role.OPERATOR or (role == Role.ENTERPRISE and request_row.enterprise_id == user.organization_id):
        return request_row.enterprise.name
    if role == Role.PROVINCE and request_row.enterprise.province_id == user.organization.province_id:
        return request_row.enterprise.name
    return str(ANONYMOUS_ENTERPRISE)


# Requests -----------------------------------------------------------------------------------------


@role_required(Role.ENTERPRISE, Role.PROVINCE, Role.OPERATOR)
def request_list(request: HttpRequest) -> HttpResponse:
    """An enterprise's requests and what it may still ask about (its pushes); a province's
    requests of its enterprises and about its institutions' patents."""
    rows = (ExpertRequest.objects.visible_to(request.user).select_related("enterprise", "patent", "push")
            .order_by("-created_at", "-pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    taken = dict(RoundPatent.objects.filter(request__in=[r.pk for r in page]).values_list("request_id", "round__title"))
    items = [{"row": r, "enterprise": enterprise_label(request.user, r), "round": taken.get(r.pk)} for r in page]
    pushes = []
    if role_of(request.user) == Role.ENTERPRISE:
        asked = ExpertRequest.objects.editable_by(request.user).values("patent_id")
        pushes = list(Push.objects.visible_to(request.user).exclude(patent_id__in=asked)
                      .exclude(status=PushStatus.DISMISSED).select_related("patent").order_by("-created_at")[:20])
    return render(request, "evaluation/rounds/requests.html", {
        "page": page, "items": items, "pushes": pushes, "is_enterprise": role_of(request.user) == Role.ENTERPRISE,
        "max_note": services.MAX_REASON,
    })


@require_POST
@role_required(Role.ENTERPRISE)
def request_create(request: HttpRequest) -> HttpResponse:
    """申请专家评价: of a push (push_id) or of a library patent by its application number."""
    push = None
    push_id = _int(request.POST.get("push_id"))
    if push_id is not None:
        push = Push.objects.visible_to(request.user).filter(pk=push_id).select_related("patent").first()
        if push is None:
            raise Http404
        patent = push.patent
    else:
        try:
            number = normalize_application_number(request.POST.get("application_number", ""))
        except InvalidPatentNumber as error:
            messages.error(request, str(error))
            return redirect("evaluation:request_list")
        # Looked up in the enterprise's scope (the library): a patent outside it reads as absent.
        patent = Patent.objects.visible_to(request.user).filter(application_number=number).first()
        if patent is None:
            messages.error(request, _("专利转化资源库中没有申请号为 %(n)s 的专利") % {"n": number})
            return redirect("evaluation:request_list")
    try:
        services.request_expert_evaluation(request.user, patent, push=push, note=request.POST.get("note", ""),
                                           request=request)
    except RoundError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已提交专家评价申请,省级知识产权局将组织评价"))
    return redirect("evaluation:request_list")


# Rounds -------------------------------------------------------------------------------------------


@role_required(Role.PROVINCE, Role.OPERATOR)
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds the user runs (the operator: all), newest first, each with its progress."""
    rounds = EvaluationRound.objects.visible_to(request.user).select_related("organiser")
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"round": r, "progress": r.progress} for r in services.attach_progress(list(page))]
    waiting = services.open_requests(request.user).count() if role_of(request.user) == Role.PROVINCE else 0
    return render(request, "evaluation/rounds/round_list.html", {
        "page": page, "items": items, "waiting": waiting, "can_create": role_of(request.user) == Role.PROVINCE,
    })


def _round_input(post) -> services.RoundInput:
    due_on = None
    try:
        due_on = dt.date.fromisoformat(post.get("due_on", "").strip())
    except ValueError:
        due_on = None
    numbers = tuple(n for n in post.get("application_numbers", "").replace(",", "\n").replace("、", "\n").split()
                    if n.strip())
    requests = tuple(v for v in (_int(x) for x in post.getlist("request_ids")) if v is not None)
    return services.RoundInput(title=post.get("title", ""), due_on=due_on,
                               experts_per_patent=_int(post.get("experts_per_patent")),
                               application_numbers=numbers, request_ids=requests)


@role_required(Role.PROVINCE)
def round_create(request: HttpRequest) -> HttpResponse:
    """组织评价: title, due date, experts per patent, and the patents (application numbers of the
    province's institutions' patents, and its enterprises' open requests)."""
    requests = list(services.open_requests(request.user)[:200])
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            made = services.create_round(request.user, _round_input(request.POST), request=request)
        except RoundError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已创建评价轮次,请抽取评价专家"))
            return redirect("evaluation:round_detail", pk=made.pk)
    chosen = set(request.POST.getlist("request_ids")) if request.method == "POST" else set()
    return render(request, "evaluation/rounds/round_form.html", {
        "form": form, "requests": [{"row": r, "enterprise": enterprise_label(request.user, r),
                                    "checked": str(r.pk) in chosen} for r in requests],
        "min_experts": services.MIN_EXPERTS, "max_experts": services.MAX_EXPERTS,
        "default_due": dt.date.today() + dt.timedelta(days=30),
    })


@role_required(Role.PROVINCE, Role.OPERATOR)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One round: its progress, its patents with their assignments, and the draws' records."""
    found = EvaluationRound.objects.visible_to(request.user).filter(pk=pk).select_related("organiser").first()
    if found is None:
        raise Http404
    services.attach_progress([found])
    patents = list(RoundPatent.objects.filter(round=found).select_related("patent", "request__enterprise")
                   .order_by("patent_id")[:500])
    assignments: dict[int, list[Assignment]] = {}
    for a in (Assignment.objects.visible_to(request.user).filter(round=found,
                                                                 patent_id__in=[p.patent_id for p in patents])
              .select_related("expert").order_by("created_at", "pk")):
        assignments.setdefault(a.patent_id, []).append(a)
    draws = {d.patent_id: d for d in Draw.objects.visible_to(request.user)
             .filter(round=found, patent_id__in=[p.patent_id for p in patents])
             .order_by("created_at", "pk")}
    rows = [{"rp": p, "assignments": assignments.get(p.patent_id, []), "draw": draws.get(p.patent_id),
             "enterprise": enterprise_label(request.user, p.request) if p.request_id else ""} for p in patents]
    return render(request, "evaluation/rounds/round_detail.html", {
        "round": found, "progress": found.progress, "rows": rows,
        "can_draw": role_of(request.user) == Role.PROVINCE and found.status == RoundStatus.DRAFT,
        "can_reassign": role_of(request.user) == Role.PROVINCE and found.status == RoundStatus.OPEN,
        "open_statuses": services.OPEN, "reason_labels": drawing.LABELS, "today": dt.date.today(),
    })


@require_POST
@role_required(Role.PROVINCE)
def round_draw(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.editable_round(request.user, pk)
    try:
        made = services.draw_round(request.user, found, request=request)
    except RoundError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已随机抽取专家,生成 %(n)d 项评价任务") % {"n": made})
    return redirect("evaluation:round_detail", pk=found.pk)


@require_POST
@role_required(Role.PROVINCE)
def assignment_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = services.editable_assignment(request.user, pk)
    expert_id = _int(request.POST.get("expert_id"))
    try:
        made = services.reassign(request.user, assignment, request.POST.get("reason", ""), expert_id=expert_id,
                                 request=request)
    except RoundError as error:
        messages.error(request, error.message)
    else:
        if made is None:
            messages.warning(request, _("已收回该任务,但没有其他合格专家可以替换"))
        else:
            messages.success(request, _("已重新分配评价任务"))
    return redirect("evaluation:round_detail", pk=assignment.round_id)


# Assignments ----------------------------------------------------------------------------------------


@role_required(Role.EXPERT)
def assignment_list(request: HttpRequest) -> HttpResponse:
    """评价任务: the expert's assignments, open first by due date. A patent's title shows only once
    the expert has declared no conflict."""
    rows = services.expert_assignments(request.user).select_related("patent")
    status = request.GET.get("status", "")
    if status == OPEN_FILTER:
        rows = rows.filter(status__in=services.OPEN)
    elif status in AssignmentStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = dt.date.today()
    items = [{"a": a, "open": services.patent_open(a), "overdue": a.status in services.OPEN and a.due_on < today}
             for a in page]
    return render(request, "evaluation/rounds/assignment_list.html", {
        "page": page, "items": items, "statuses": [(OPEN_FILTER, _("在办")), *AssignmentStatus.choices],
        "status": status,
    })


@role_required(Role.EXPERT)
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One assignment. Before the declaration: the round, its organiser, the due date and the
    declaration form, nothing of the patent. After: the patent's bibliographic data."""
    assignment = (services.expert_assignments(request.user).filter(pk=pk).select_related("patent").first())
    if assignment is None:
        raise Http404
    return render(request, "evaluation/rounds/assignment_detail.html", {
        "a": assignment, "open": services.patent_open(assignment),
        "can_declare": assignment.status == AssignmentStatus.ASSIGNED,
        "can_recuse": assignment.status in services.OPEN, "max_reason": services.MAX_REASON,
    })


def _expert_action(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    assignment = services.editable_assignment(request.user, pk)
    try:
        result = call(assignment)
    except RoundError as error:
        messages.error(request, error.message)
    else:
        if isinstance(result, Assignment) and result.pk == assignment.pk and result.status == AssignmentStatus.RECUSED:
            messages.warning(request, result.closed_reason + _(";已自动回避,系统将另行抽取专家。"))
        else:
            messages.success(request, done)
    return redirect("evaluation:assignment_detail", pk=assignment.pk)


@require_POST
@role_required(Role.EXPERT)
def assignment_declare(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("confirm") != "1":
        messages.error(request, _("请勾选确认无利益冲突的声明"))
        return redirect("evaluation:assignment_detail", pk=services.editable_assignment(request.user, pk).pk)
    return _expert_action(request, pk, lambda a: services.declare(request.user, a, request=request),
                          _("已声明无利益冲突,可以查看专利并开始评价"))


@require_POST
@role_required(Role.EXPERT)
def assignment_recuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _expert_action(request, pk, lambda a: services.recuse(request.user, a, request.POST.get("reason", ""),
                                                                 request=request),
                          _("已申请回避,系统将另行抽取专家"))


@require_POST
@role_required(Role.EXPERT)
def assignment_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _expert_action(request, pk, lambda a: services.decline(request.user, a, request.POST.get("reason", ""),
                                                                  request=request),
                          _("已谢绝该评价任务"))
