"""Pages of pushes: the enterprise's inbox, a push with its answers, the institution's responses
(per patent, names only where the enterprise allowed direct contact) and the territory's responses
for a province, a ministry or the operator. Every push is read through `Push.objects.visible_to`
and answered through the services (matching.pushes.services), which look it up with `editable_by`."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from inventory.models import Industry
from inventory.patents.models import Patent
from matching.choices import DismissReason, PushStatus
from matching.pushes import services
from matching.pushes.models import Push
from matching.pushes.services import PushError

INSTITUTION_PAGE_SIZE = 30
MAX_PAGE = 200
TERRITORY_ROLES = (Role.PROVINCE, Role.MINISTRY, Role.OPERATOR)


@role_required(Role.ENTERPRISE)
def push_inbox(request: HttpRequest) -> HttpResponse:
    """The enterprise's pushes, newest first, by keyset pages, with their library cards."""
    filters = services.parse_inbox_filters(request.GET)
    pushes, next_cursor = services.inbox_page(request.user, filters)
    records = services.library_records(request.user, pushes)
    rows = []
    for push in pushes:
        record = records.get(push.patent_id)
        card = services.library_card(request.user, record) if record is not None else None
        rows.append({"push": push, "card": card})
    counts = services.status_counts(Push.objects.visible_to(request.user))
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "matching/pushes/inbox.html", {
        "rows": rows, "filters": filters, "counts": counts, "statuses": PushStatus.choices,
        "next_cursor": next_cursor, "base_query": query.urlencode(),
    })


@role_required(Role.ENTERPRISE)
def push_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One push: why it was pushed, the library card, and the answers; opening it marks it viewed."""
    push = Push.objects.visible_to(request.user).filter(pk=pk).select_related("patent", "institution").first()
    if push is None:
        raise Http404
    services.mark_viewed(request.user, push)
    record = services.library_records(request.user, [push]).get(push.patent_id)
    return render(request, "matching/pushes/detail.html", {
        "push": push, "card": services.library_card(request.user, record) if record else None,
        "answered": push.status in services.ANSWERED, "reasons": DismissReason.choices,
        "max_note": services.MAX_NOTE_CHARS,
    })


def _answered(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    push = services.editable_push(request.user, pk)
    try:
        call(push)
    except PushError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("matching:push_detail", pk=push.pk)


@require_POST
@role_required(Role.ENTERPRISE)
def push_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _answered(request, pk, lambda push: services.dismiss(
        request.user, push, request.POST.get("reason", ""), request.POST.get("note", ""), request=request),
        _("已标记为不感兴趣"))


@require_POST
@role_required(Role.ENTERPRISE)
def push_interest(request: HttpRequest, pk: int) -> HttpResponse:
    return _answered(request, pk, lambda push: services.express_interest(request.user, push, request=request),
                     _("已表达合作意向,专利权人将收到通知"))


@require_POST
@role_required(Role.ENTERPRISE)
def push_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    return _answered(request, pk, lambda push: services.request_evaluation(request.user, push, request=request),
                     _("已申请评价"))


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


@role_required(Role.INSTITUTION, Role.OPERATOR)
def patent_responses(request: HttpRequest) -> HttpResponse:
    """The institution's pushed patents with their push, view, interest and dismissal counts:
    one grouped query per page (bounded pages, no total count)."""
    number = _page_number(request)
    start = (number - 1) * INSTITUTION_PAGE_SIZE
    rows = list(services.patent_responses(request.user)[start:start + INSTITUTION_PAGE_SIZE + 1])
    more = len(rows) > INSTITUTION_PAGE_SIZE
    return render(request, "matching/pushes/responses.html", {
        "rows": rows[:INSTITUTION_PAGE_SIZE], "number": number, "has_next": more and number < MAX_PAGE,
        "has_previous": number > 1,
    })


@role_required(Role.INSTITUTION, Role.OPERATOR)
def patent_response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Who received one of the institution's patents and how they answered: counts per status, and
    each enterprise by name only where it allowed direct contact (with its contact on interest)."""
    patent = Patent.objects.visible_to(request.user, "own").filter(pk=pk).first()
    if patent is None:
        raise Http404
    pushes = list(services.responses_of_patent(request.user, patent.pk)[:500])
    rows = [{"push": push, "name": services.enterprise_label(request.user, push),
             "contact": services.enterprise_contact(request.user, push)} for push in pushes]
    counts = services.status_counts(Push.objects.visible_to(request.user).filter(patent_id=patent.pk))
    return render(request, "matching/pushes/patent_responses.html", {
        "patent": patent, "rows": rows, "counts": counts, "statuses": PushStatus.choices,
    })


@role_required(*TERRITORY_ROLES)
def territory_responses(request: HttpRequest) -> HttpResponse:
    """Pushes, views, interests and dismissal reasons in the user's territory, by industry sector and
    by institution: ECharts bars with the tables beneath."""
    data = {key: [dict(row) for row in rows] if isinstance(rows, list) else rows
            for key, rows in services.territory_breakdown(request.user).items()}
    sector_names = dict(Industry.objects.filter(parent__isnull=True).values_list("code", "name"))
    reasons = dict(DismissReason.choices)
    for row in data["sectors"]:
        row["name"] = sector_names.get(row["sector"]) or _("未分类")
    for row in data["reasons"]:
        row["name"] = str(reasons.get(row["dismiss_reason"], row["dismiss_reason"] or _("未说明")))
    chart = {
        "sectors": {"names": [r["name"] for r in data["sectors"]],
                    **{key: [r[key] for r in data["sectors"]] for key in ("pushes", "views", "interests",
                                                                          "dismissals")}},
        "reasons": [{"name": r["name"], "value": r["n"]} for r in data["reasons"]],
    }
    return render(request, "matching/pushes/territory.html", {**data, "chart": chart})
