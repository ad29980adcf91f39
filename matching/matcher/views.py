"""Pages of match cycles: the list with the start form, a cycle's progress (polled by htmx), and
the operator's page explaining the matcher's weights."""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from ground.tasks import QueueUnavailable
from matching.matcher import services, weights
from matching.matcher.forms import CycleForm
from matching.matcher.models import MatchCycle

ORGANIZERS = (Role.OPERATOR, Role.PROVINCE)
PAGE = 50
ACTIVE = (MatchCycle.Status.QUEUED, MatchCycle.Status.RUNNING)


@role_required(*ORGANIZERS)
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = MatchCycle.objects.visible_to(request.user).select_related("province", "organizer")
    before = request.GET.get("before", "")
    if before.isdigit():
        cycles = cycles.filter(pk__lt=int(before))
    page = list(cycles.order_by("-pk")[:PAGE + 1])
    return render(request, "matching/matcher/cycle_list.html", {
        "cycles": page[:PAGE], "next_before": page[PAGE - 1].pk if len(page) > PAGE else None,
        "form": CycleForm(), "is_province": role_of(request.user) == Role.PROVINCE,
    })


@role_required(*ORGANIZERS)
@require_POST
def cycle_start(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("matching:cycle_list")
    user = request.user
    province = user.organization.province if role_of(user) == Role.PROVINCE else None
    mine = MatchCycle.objects.editable_by(user).filter(status__in=ACTIVE).filter(
        Q(organizer=user.organization) if province else Q(kind=MatchCycle.Kind.PLATFORM))
    if mine.exists():
        messages.error(request, _("已有一个匹配批次正在进行，请等它完成后再发起。"))
        return redirect("matching:cycle_list")
    try:
        cycle = services.start_cycle(MatchCycle.Kind.PROVINCE if province else MatchCycle.Kind.PLATFORM, user,
                                     province=province, patent_ids=form.cleaned_data["application_numbers"],
                                     request=request)
    except services.CycleRefused as refused:
        messages.error(request, str(refused))
        return redirect("matching:cycle_list")
    except QueueUnavailable:
        messages.error(request, _("任务队列暂时不可用，批次已创建，请稍后在批次页面重试。"))
        return redirect("matching:cycle_list")
    messages.success(request, _("已发起匹配批次。"))
    return redirect("matching:cycle_detail", pk=cycle.pk)


def _context(request: HttpRequest, cycle: MatchCycle) -> dict:
    return {"cycle": cycle, "running": cycle.status in ACTIVE, **services.progress(cycle)}


@role_required(*ORGANIZERS)
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(MatchCycle.objects.visible_to(request.user).select_related("province"), pk=pk)
    return render(request, "matching/matcher/cycle_detail.html", _context(request, cycle))


@role_required(*ORGANIZERS)
@require_GET
def cycle_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The counters the detail page polls (htmx, every 2 s) while the cycle runs."""
    cycle = get_object_or_404(MatchCycle.objects.visible_to(request.user), pk=pk)
    return render(request, "matching/matcher/cycle_progress.html", _context(request, cycle))


@role_required(Role.OPERATOR)
@require_GET
def weights_page(request: HttpRequest) -> HttpResponse:
    current = weights.current()
    return render(request, "matching/matcher/weights.html", {
        "components": [(component, current[component.key]) for component in weights.COMPONENTS],
        "max_pushes": weights.max_pushes_per_cycle(), "min_score": weights.min_score(),
        "chunk_size": weights.chunk_size(),
    })
