"""Pages of the quarterly statistics: the quarters and their runs, one run's figures in the
reader's scope (with what a correction changed, the sign-offs and the bulletin), and the list
behind any number. Rows are read through QuarterlyStat.visible_to; every change goes through
reporting.statistics.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import Role, role_of
from ground.tasks import QueueUnavailable
from reporting.statistics import services
from reporting.statistics.definitions import BY_KEY, FIGURES, VERSIONS
from reporting.statistics.exports import FigureList
from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, SignOff, StatRun
from reporting.statistics.presentation import figures_of, scope_name
from reporting.statistics.quarters import Quarter, QuarterError
from reporting.statistics.services import StatisticsError
from reporting.statistics.trace import trace, traceable

READERS = (Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION)
PAGE_SIZE = 50


@role_required(*READERS)
def run_list(request: HttpRequest) -> HttpResponse:
    runs = StatRun.objects.visible_to(request.user).order_by("-quarter", "-revision")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The operator reads every sign-off (how many offices signed); others their own.
    signed = dict(SignOff.objects.visible_to(request.user).filter(run__in=list(page)).values("run_id")
                  .annotate(n=Count("pk")).values_list("run_id", "n"))
    return render(request, "reporting/statistics/run_list.html", {
        "rows": [(run, signed.get(run.pk, 0)) for run in page], "page": page,
        "can_compute": role_of(request.user) == Role.OPERATOR,
        "last_ended": Quarter.last_ended(),
    })


@require_POST
@role_required(Role.OPERATOR)
def compute(request: HttpRequest) -> HttpResponse:
    try:
        quarter = services.request_computation(request.POST.get("quarter", ""), user=request.user,
                                               note=request.POST.get("note", ""))
    except QuarterError as error:
        messages.error(request, str(error))
        return redirect("reporting:stat_list")
    except QueueUnavailable:
        messages.error(request, _("任务队列暂时不可用,请稍后再试"))
        return redirect("reporting:stat_list")
    messages.success(request, _("已开始计算 %(quarter)s 的统计,完成后出现在列表中") % {"quarter": quarter.label()})
    return redirect("reporting:stat_list")


def _visible_run(request: HttpRequest, pk: int) -> StatRun:
    return get_object_or_404(StatRun.objects.visible_to(request.user), pk=pk)


@role_required(*READERS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    user, role = request.user, role_of(request.user)
    rows = QuarterlyStat.objects.visible_to(user).filter(run=run).select_related("province", "organization")
    national = rows.filter(scope=ScopeKind.NATIONAL).first()
    # The reader's own scope beside the nation (a province, a ministry, an institution's own row);
    # the platform reads every province and ministry in tables of their own.
    wide = rows.filter(scope__in=[ScopeKind.PROVINCE, ScopeKind.MINISTRY]).order_by("scope", "province_id",
                                                                                     "organization__name")
    institutions = rows.filter(scope=ScopeKind.INSTITUTION)
    province = request.GET.get("province", "")
    if province:
        institutions = institutions.filter(province_id=province)
    if role == Role.OPERATOR:
        own, by_scope = [], list(wide)
    elif role == Role.INSTITUTION:
        own, by_scope, institutions = list(institutions), [], rows.none()
    else:
        own, by_scope = list(wide), []
    summary = [stat for stat in [national, *own] if stat is not None]
    institution_page = Paginator(institutions.order_by("province_id", "organization__name"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    previous = (StatRun.objects.visible_to(user).filter(quarter=run.quarter, revision__lt=run.revision)
                .order_by("-revision").first())
    changes = services.differences(previous, run, user)[:200] if previous else []
    # The platform reads every office's sign-off; an office its own.
    signoffs = SignOff.objects.visible_to(user).filter(run=run).select_related("province", "organization")
    try:
        my_scope = services.signoff_scope(user)
    except PermissionDenied:
        my_scope = None
    already = my_scope is not None and signoffs.exists()
    terms, _figures = VERSIONS.get(run.definition_version, (None, FIGURES))
    return render(request, "reporting/statistics/run_detail.html", {
        "run": run, "quarter": Quarter.parse(run.quarter),
        "summary_names": [scope_name(stat) for stat in summary],
        "summary": list(zip(FIGURES, zip(*[figures_of(stat) for stat in summary], strict=True), strict=True))
        if summary else [],
        "provinces": [(stat, scope_name(stat), figures_of(stat)) for stat in by_scope if stat.scope == "province"],
        "ministries": [(stat, scope_name(stat), figures_of(stat)) for stat in by_scope if stat.scope == "ministry"],
        "institution_page": institution_page,
        "institutions": [(stat, scope_name(stat), figures_of(stat)) for stat in institution_page],
        "figures": [figure for figure in FIGURES], "terms": terms or (),
        "previous": previous, "changes": changes, "signoffs": signoffs,
        "can_sign": my_scope is not None and not already and run.status != RunStatus.SUPERSEDED,
        "can_publish": role == Role.OPERATOR and run.status == RunStatus.DRAFT,
        "bulletin": getattr(run, "bulletin", None) if run.status != RunStatus.DRAFT else None,
        "province_filter": province,
    })


@require_POST
@role_required(Role.PROVINCE, Role.MINISTRY)
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    named_ministry = request.POST.get("ministry", "")
    try:
        services.sign_off(run, user=request.user, note=request.POST.get("note", ""),
                          province=request.POST.get("province") or None,
                          ministry=int(named_ministry) if named_ministry.isdigit() else None)
    except StatisticsError as error:
        messages.error(request, str(error))
    except PermissionDenied:
        messages.error(request, _("只有省级知识产权局和部委的管理员可以签认本单位的统计数据"))
    else:
        messages.success(request, _("已签认 %(quarter)s 第 %(revision)d 版") % {"quarter": run.quarter,
                                                                              "revision": run.revision})
    return redirect("reporting:stat_run", pk=run.pk)


@require_POST
@role_required(Role.OPERATOR)
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = _visible_run(request, pk)
    try:
        bulletin = services.publish(run, user=request.user, title=request.POST.get("title", "").strip(),
                                    summary=request.POST.get("summary", "").strip())
    except StatisticsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已发布:%(title)s") % {"title": bulletin.title})
    return redirect("reporting:stat_run", pk=run.pk)


@role_required(*READERS)
def figure_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The list behind one count (?figure=, default the inventory scope) of one visible row."""
    stat = get_object_or_404(QuarterlyStat.objects.visible_to(request.user).select_related(
        "run", "province", "organization"), pk=pk)
    figure = request.GET.get("figure") or "in_scope"
    if not traceable(figure):
        raise Http404
    if request.GET.get("format") == "xlsx":
        return export_response(FigureList, request, pk=stat.pk, figure=figure)
    kind, rows = trace(stat, figure, request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/statistics/figure_list.html", {
        "stat": stat, "scope_name": scope_name(stat), "figure": BY_KEY[figure], "kind": kind, "page": page,
        "frozen_value": getattr(stat, figure), "quarter": Quarter.parse(stat.run.quarter),
    })
