"""Pages of matchmaking events (对接活动 / 路演): the list with results, an event's page, the
organiser's forms (the event, its patents from the conversion resource library, its invitations,
its outcomes) and an enterprise's registration.

Events are read through `MatchEvent.objects.visible_to` and changed through the services, which
check `editable_by`; out of scope answers 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from inventory.models import Industry
from matching.events import services
from matching.events.forms import EventForm, OutcomeForm, RegistrationForm
from matching.events.models import EventEnterprise, EventPatent, MatchEvent
from matching.events.services import EventError

READERS = tuple(services.READER_ROLES)
ORGANIZERS = tuple(services.ORGANIZER_ROLES)
PAGE_SIZE = 20
PICKER_SIZE = 20
ENTERPRISES_SHOWN = 200


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18]


def _error_text(error: EventError) -> str:
    return "; ".join(error.errors.values())


@role_required(*READERS)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """The events in scope with their counts; the organiser's and the platform's results summed."""
    user = request.user
    events = MatchEvent.objects.visible_to(user)
    status = request.GET.get("status") if request.GET.get("status") in MatchEvent.Status.values else ""
    if status:
        events = events.filter(status=status)
    own = services.own_patents_condition(user)
    page = Paginator(services.with_counts(events.select_related("organizer"), own).order_by("-starts_at", "-pk"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    if role_of(user) == Role.ENTERPRISE:
        mine = dict(EventEnterprise.objects.filter(
            enterprise_id=user.organization_id, event__in=[e.pk for e in page.object_list]
        ).values_list("event_id", "registered_at"))
        for event in page.object_list:
            event.mine = "" if event.pk not in mine else "registered" if mine[event.pk] else "invited"
    return render(request, "matching/events/event_list.html", {
        "page_obj": page, "events": page.object_list, "status": status, "statuses": MatchEvent.Status.choices,
        "totals": services.totals(events, own) if role_of(user) != Role.ENTERPRISE else None,
        "can_create": services.may_organise(user), "now": timezone.now(),
        "is_institution": role_of(user) == Role.INSTITUTION,
    })


def _visible(request: HttpRequest, pk: int) -> MatchEvent:
    return get_object_or_404(MatchEvent.objects.visible_to(request.user).select_related("organizer"), pk=pk)


def _editable(request: HttpRequest, pk: int) -> MatchEvent:
    return get_object_or_404(MatchEvent.objects.editable_by(request.user).select_related("organizer"), pk=pk)


@role_required(*READERS)
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = _visible(request, pk)
    own = services.own_patents_condition(user)
    event = services.with_counts(MatchEvent.objects.visible_to(user).filter(pk=event.pk), own).select_related(
        "organizer").get()
    can_edit = MatchEvent.objects.editable_by(user).filter(pk=event.pk).exists()
    items = list(services.event_patents(user, event))
    rows = (EventEnterprise.objects.filter(event=event).select_related("enterprise", "enterprise__province")
            .order_by("registered_at", "pk"))
    enterprises = list(rows[:ENTERPRISES_SHOWN])
    shown = services.shown_enterprise_ids(user, {r.enterprise_id for r in enterprises}
                                          | {i.enterprise_id for i in items if i.enterprise_id})
    enterprises = [r for r in enterprises if r.enterprise_id in shown]
    conversions = services.conversions_for(user, [i.patent_id for i in items]) if can_edit else {}
    rows_out = [{"item": i, "conversions": conversions.get(i.patent_id, []),
                 "enterprise_shown": i.enterprise_id in shown} for i in items]
    registration = services.registration_of(user, event)
    return render(request, "matching/events/event_detail.html", {
        "event": event, "can_edit": can_edit, "rows": rows_out,
        "industries": Industry.objects.filter(code__in=event.industry_codes or []).order_by("code"),
        "enterprises": enterprises,
        "more_enterprises": rows.count() - ENTERPRISES_SHOWN if len(enterprises) == ENTERPRISES_SHOWN else 0,
        "registration": registration, "is_enterprise": role_of(user) == Role.ENTERPRISE,
        "registration_open": _open(event),
        "outcomes": EventPatent.Outcome.choices, "is_draft": event.status == MatchEvent.Status.DRAFT,
        "is_closed": event.status == MatchEvent.Status.CLOSED,
    })


def _open(event: MatchEvent) -> bool:
    return event.status == MatchEvent.Status.PUBLISHED and timezone.now() <= event.registration_deadline


def _form_values(form: EventForm) -> dict:
    return dict(form.cleaned_data)


@role_required(*ORGANIZERS)
def event_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            try:
                event = services.create_event(request.user, _form_values(form), request=request)
            except EventError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已创建活动;请从转化资源库选择路演专利并邀请企业"))
                return redirect("matching:event_detail", pk=event.pk)
    else:
        form = EventForm()
    return render(request, "matching/events/event_form.html", {"form": form, "event": None})


@role_required(*ORGANIZERS)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable(request, pk)
    if event.status != MatchEvent.Status.DRAFT:
        messages.error(request, _("活动已发布或已结束,不能再修改活动信息"))
        return redirect("matching:event_detail", pk=event.pk)
    initial = {name: getattr(event, name) for name in services.EDIT_FIELDS}
    initial["starts_at"] = timezone.localtime(event.starts_at)
    initial["registration_deadline"] = timezone.localtime(event.registration_deadline)
    if request.method == "POST":
        form = EventForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                services.update_event(request.user, event, _form_values(form), request=request)
            except EventError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已保存活动信息"))
                return redirect("matching:event_detail", pk=event.pk)
    else:
        form = EventForm(initial=initial)
    return render(request, "matching/events/event_form.html", {"form": form, "event": event})


def _act(request: HttpRequest, pk: int, call, done: str, *, to: str = "matching:event_detail") -> HttpResponse:
    event = _editable(request, pk)
    try:
        result = call(event)
    except EventError as error:
        messages.error(request, _error_text(error))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, done % {"n": result} if isinstance(result, int) else done)
    return redirect(to, pk=event.pk)


@role_required(*ORGANIZERS)
@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda e: services.publish_event(request.user, e, request=request),
                _("活动已发布,受邀企业和本地区企业可以报名"))


@role_required(*ORGANIZERS)
@require_POST
def event_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda e: services.close_event(request.user, e, request=request),
                _("活动已结束;仍可登记对接结果"))


@role_required(*ORGANIZERS)
@require_GET
def event_patents(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser picks patents from the conversion resource library (keyword, industry, and
    for a province its own institutions' patents)."""
    event = _editable(request, pk)
    own_province = bool(request.GET.get("own")) and role_of(request.user) == Role.PROVINCE
    q = (request.GET.get("q") or "").strip()[:100]
    industry = (request.GET.get("industry") or "").strip()
    records, error = services.library_choices(request.user, q=q, industry=industry, own_province=own_province)
    page = Paginator(records, PICKER_SIZE).get_page(request.GET.get("page"))
    present = set(EventPatent.objects.filter(event=event, patent_id__in=[r.patent_id for r in page.object_list])
                  .values_list("patent_id", flat=True))
    return render(request, "matching/events/event_patents.html", {
        "event": event, "page_obj": page, "records": page.object_list, "present": present, "q": q,
        "industry": industry, "error": error,
        "own_province": own_province, "is_province": role_of(request.user) == Role.PROVINCE,
        "industries": EventForm().fields["industry_codes"].choices,
    })


@role_required(*ORGANIZERS)
@require_POST
def event_patents_add(request: HttpRequest, pk: int) -> HttpResponse:
    ids = _ids(request.POST.getlist("patent"))
    return _act(request, pk, lambda e: services.add_patents(request.user, e, ids, request=request),
                _("已添加 %(n)d 件路演专利"))


@role_required(*ORGANIZERS)
@require_POST
def event_patent_remove(request: HttpRequest, pk: int) -> HttpResponse:
    ids = _ids([request.POST.get("patent", "")])
    if not ids:
        raise Http404
    return _act(request, pk, lambda e: services.remove_patent(request.user, e, ids[0], request=request),
                _("已移除该专利"))


@role_required(*ORGANIZERS)
@require_GET
def event_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite enterprises: all those whose profile matches, or some found by name / credit code."""
    event = _editable(request, pk)
    q = request.GET.get("q", "")
    found = services.search_enterprises(request.user, q)
    invited = set(EventEnterprise.objects.filter(event=event, enterprise_id__in=[o.pk for o in found])
                  .values_list("enterprise_id", flat=True))
    return render(request, "matching/events/event_invite.html", {
        "event": event, "q": q, "found": found, "invited": invited,
        "matches": services.profile_matches(request.user, event).count(),
    })


@role_required(*ORGANIZERS)
@require_POST
def event_invite_match(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda e: services.invite_by_profile(request.user, e, request=request),
                _("已按企业画像邀请 %(n)d 家企业"), to="matching:event_invite")


@role_required(*ORGANIZERS)
@require_POST
def event_invite_add(request: HttpRequest, pk: int) -> HttpResponse:
    ids = _ids(request.POST.getlist("enterprise"))
    return _act(request, pk, lambda e: services.invite_enterprises(request.user, e, ids, request=request),
                _("已邀请 %(n)d 家企业"), to="matching:event_invite")


@role_required(*ORGANIZERS)
@require_POST
def event_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable(request, pk)
    item_ids = _ids([request.POST.get("item", "")])
    item = get_object_or_404(EventPatent.objects.select_related("event"), pk=item_ids[0] if item_ids else 0,
                             event=event)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            services.record_outcome(request.user, item, form.cleaned_data, request=request)
        except EventError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已登记对接结果"))
    return redirect("matching:event_detail", pk=event.pk)


@role_required(Role.ENTERPRISE)
def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    """An enterprise registers for an event it is invited to or that is open to it."""
    event = _visible(request, pk)
    registration = services.registration_of(request.user, event)
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            try:
                _row, new = services.register(request.user, event, attendees=form.cleaned_data["attendees"],
                                              request=request)
            except EventError as error:
                form.add_service_errors(error.errors)
            except PermissionDenied:
                raise Http404 from None
            else:
                if new:
                    messages.success(request, _("报名成功"))
                else:
                    messages.info(request, _("本企业已报名该活动,无需重复报名"))
                return redirect("matching:event_detail", pk=event.pk)
    else:
        form = RegistrationForm(initial={"attendees": registration.attendees if registration and
                                         registration.attendees else 1})
    return render(request, "matching/events/event_register.html", {
        "event": event, "form": form, "registration": registration,
        "open": _open(event),
    })
