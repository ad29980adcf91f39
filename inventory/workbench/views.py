"""The workbench pages: the patent list with filters and bulk actions, the per-patent page and its
in-place edits (htmx partials). Thin: the query layer, the bulk service and
`inventory.records.assessment.update_assessment` do the work."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.models import Department
from accounts.roles import Role, role_of
from ground.reads import note_personal_read
from inventory.choices import Intent, InventoryStatus, PatentType, Prospect, ReviewState, Screening
from inventory.library import listing
from inventory.models import (
    Conversion,
    Industry,
    InventoryRecord,
    OpenLicenseDeclaration,
    Patent,
    PatentIndustry,
    PatentTechField,
    TechnologyField,
)
from inventory.patents import sees_contacts
from inventory.records import GROUPS, AssessmentError, StaleRecord, display, review, update_assessment, versions_from
from inventory.workbench import bulk, jobs
from inventory.workbench.forms import AssessmentGroupForm
from inventory.workbench.query import COUNT_CAP, FILTER_PARAMS, SORTS, exact_count, workbench_page

READERS = (Role.OPERATOR, Role.MINISTRY, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE, Role.INVENTOR)
# The roles whose workbench lists patents they answer for; an enterprise browses the library instead.
LISTERS = tuple(role for role in READERS if role != Role.ENTERPRISE)
# The roles whose figures (inventory.records.scope) the `scope` filter follows, and what it calls
# the patents they lead.
LEAD_LABELS = {
    Role.INSTITUTION: gettext_lazy("本单位盘点的专利(含失效)"),
    Role.MINISTRY: gettext_lazy("所属单位盘点的专利(含失效)"),
    Role.PROVINCE: gettext_lazy("本省单位盘点的专利(含失效)"),
    Role.OPERATOR: gettext_lazy("各单位盘点的专利(含失效)"),
}
SORT_LABELS = {
    "-grant_date": gettext_lazy("授权公告日(新→旧)"), "grant_date": gettext_lazy("授权公告日(旧→新)"),
    "application_number": gettext_lazy("申请号"), "title": gettext_lazy("专利名称"),
    "-maturity": gettext_lazy("技术成熟度(高→低)"), "maturity": gettext_lazy("技术成熟度(低→高)"),
    "-updated": gettext_lazy("最近更新"),
}


def _filter_options(user) -> dict:
    industries = list(Industry.objects.order_by("code").values_list("code", "name", "parent_id"))
    lead = LEAD_LABELS.get(role_of(user))
    return {
        "scopes": [("inventory", _("盘点范围(有效专利)")), ("lead", lead)] if lead else [],
        "statuses": InventoryStatus.choices, "reviews": ReviewState.choices, "types": PatentType.choices,
        "prospects": Prospect.choices, "screenings": Screening.choices, "intents": Intent.choices,
        "maturities": range(1, 10),
        "industries": [(code, name, parent is not None) for code, name, parent in industries],
        "fields": TechnologyField.objects.order_by("number").values_list("number", "name"),
        "departments": Department.objects.visible_to(user).values_list("pk", "name"),
        "sorts": [(key, str(label)) for key, label in SORT_LABELS.items()],
    }


@role_required(*READERS)
def patent_list(request: HttpRequest) -> HttpResponse:
    """The workbench list. An enterprise answers for no patents: it is sent to the resource library,
    with its keywords."""
    user = request.user
    if role_of(user) == Role.ENTERPRISE:
        q = request.GET.get("q", "").strip()
        return redirect(reverse("inventory:library") + (f"?{urlencode({'q': q})}" if q else ""))
    result = workbench_page(user, request.GET, cursor=request.GET.get("cursor") or None)
    record_ids = [row.inventory.pk for row in result.rows if hasattr(row, "inventory")]
    editable = set(InventoryRecord.objects.editable_by(user).filter(pk__in=record_ids).values_list("pk", flat=True))
    active = {name: request.GET.get(name, "") for name in FILTER_PARAMS}
    filter_query = urlencode({k: v for k, v in {**active, "sort": result.sort}.items() if v})
    for message in result.filters.errors.values():
        messages.warning(request, message)
    return render(request, "inventory/workbench/patent_list.html", {
        "page": result, "rows": [(row, getattr(row, "inventory", None)) for row in result.rows],
        "editable": editable, "active": active, "filter_query": filter_query,
        "filtered": any(active.values()), "count_cap": COUNT_CAP, "can_bulk": role_of(user) in bulk.BULK_ROLES,
        "bulk_actions": bulk.ACTIONS.items(), "sortable": {key for key in SORTS}, **_filter_options(user),
    })


@role_required(*LISTERS)
def patent_count(request: HttpRequest) -> HttpResponse:
    """The exact count of a filter, loaded by the list page when its own count stopped at the cap."""
    total = exact_count(request.user, request.GET)
    filtered = any(request.GET.get(name) for name in FILTER_PARAMS)
    return render(request, "inventory/workbench/workbench_count.html", {"total": total, "filtered": filtered})


@require_POST
@role_required(*bulk.BULK_ROLES)
def patent_bulk(request: HttpRequest) -> HttpResponse:
    """A bulk action from the list's action bar, on the ticked records or on the whole filter."""
    filter_query = request.POST.get("filter", "")
    params = QueryDict(filter_query)
    action = request.POST.get("action", "")
    value: object = request.POST.getlist("intents") if action in ("screen_in", "set_intent") else \
        request.POST.get("prospect") if action == "set_prospect" else None
    everything = request.POST.get("scope") == "filter"
    # Back to the same filter, re-encoded from the parsed parameters (never the raw text).
    query_string = params.urlencode()
    back = reverse("inventory:patent_list") + (f"?{query_string}" if query_string else "")
    filter_params = {k: params.get(k) for k in params}
    if everything:
        try:
            bulk.check_action(request.user, action, value or None)
        except bulk.BulkError as error:
            messages.error(request, str(error))
            return redirect(back)
        total = bulk.selection(request.user, params=filter_params).count()
        if total > jobs.ASYNC_THRESHOLD:
            job = jobs.start_job(actor=request.user, action=action, value=value or None, params=filter_params,
                                 total=total, back=back)
            return redirect("inventory:patent_bulk_job", job=job)
    try:
        result = bulk.apply_bulk_action(
            actor=request.user, action=action, value=value or None,
            ids=None if everything else request.POST.getlist("ids"),
            params=filter_params if everything else None, request=request,
            versions=None if everything else versions_from(request.POST),
        )
    except bulk.BulkError as error:
        messages.error(request, str(error))
    else:
        label = bulk.ACTIONS.get(action, action)
        messages.success(request, _("“%(action)s”:选中 %(selected)d 件,更新 %(changed)d 件。") % {
            "action": label, "selected": result.selected, "changed": result.changed})
        if result.stale:
            messages.warning(request, _(
                "%(count)d 件在您打开列表后已被他人修改,未更新,以免覆盖他人的修改:%(numbers)s。请刷新列表核对后再操作。"
            ) % {"count": len(result.stale), "numbers": "、".join(result.stale)})
        if result.refused:
            messages.warning(request, _(
                "%(refused)d 件未更新:入库须有“暂无”以外的转化意愿,意愿含“许可”须有许可方式,“放弃维持”的专利不能入库。"
            ) % {"refused": result.refused})
    return redirect(back)


@require_GET
@role_required(*bulk.BULK_ROLES)
def patent_bulk_job(request: HttpRequest, job: str) -> HttpResponse:
    """The progress of a large bulk action (polled by htmx); only its starter sees it."""
    state = jobs.job_state(job)
    if state is None or state.get("actor") != request.user.pk:
        raise Http404
    label = bulk.ACTIONS.get(state.get("action"), state.get("action"))
    total = state.get("total") or 0
    percent = int(100 * state.get("done", 0) / total) if total else 0
    context = {"job": job, "state": state, "label": label, "percent": percent,
               "running": state.get("state") in ("queued", "running")}
    template = "inventory/workbench/workbench_job_progress.html" if request.headers.get("HX-Request") else \
        "inventory/workbench/workbench_job.html"
    return render(request, template, context)


def _conversion_link(patent: Patent) -> str:
    """The conversion form with this patent filled in."""
    return f"{reverse('inventory:conversion_new')}?{urlencode({'patent': patent.pk})}"


def _groups(record: InventoryRecord, editing: str | None = None, *, contacts: bool = True,
            inventor: bool = False) -> list[dict]:
    """The record's field groups; `contacts`: whether the reader sees contacts unmasked;
    `inventor`: the edit form leaves the staff's fields disabled."""
    return [{"key": key, "heading": heading, "items": display.group_items(record, names, contacts=contacts),
             "form": AssessmentGroupForm(key, record, inventor=inventor) if key == editing else None}
            for key, (heading, names) in GROUPS.items()]


@require_GET
@role_required(*READERS)
def patent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    patent = get_object_or_404(Patent.objects.visible_to(user), pk=pk)
    owned = Patent.objects.visible_to(user, "own").filter(pk=pk).exists()
    if not owned:
        # A library viewer reads the library card, never the institution's working record.
        return redirect("inventory:library_detail", pk=pk)
    record = InventoryRecord.objects.visible_to(user).filter(patent=patent).select_related("institution").first()
    can_edit = record is not None and InventoryRecord.objects.editable_by(user).filter(pk=record.pk).exists()
    editing = request.GET.get("edit") if can_edit and request.GET.get("edit") in GROUPS else None
    contacts = sees_contacts(user, own=True)
    if record is not None and contacts and (record.contact_phone or record.contact_email):
        note_personal_read(request, InventoryRecord._meta.label_lower)
    return render(request, "inventory/workbench/workbench_detail.html", {
        "patent": patent, "record": record, "can_edit": can_edit, "owned": owned,
        "groups": _groups(record, editing, contacts=contacts,
                          inventor=review.is_inventor(user)) if record else [],
        "industries": PatentIndustry.objects.filter(patent=patent).select_related("industry").order_by("industry_id"),
        "fields": PatentTechField.objects.filter(patent=patent).select_related("field").order_by("field_id"),
        "history": display.history_items(record, user) if record and owned else None,
        "conversions": Conversion.objects.visible_to(user).filter(patent=patent),
        "open_licenses": OpenLicenseDeclaration.objects.visible_to(user).filter(patent=patent),
        "missing": listing.missing(record) if record and can_edit else [],
        "conversion_link": _conversion_link(patent) if can_edit else None,
        "patent_type": dict(PatentType.choices).get(patent.patent_type, patent.patent_type),
    })


def _editable_record(request: HttpRequest, pk: int) -> InventoryRecord:
    return get_object_or_404(InventoryRecord.objects.editable_by(request.user).select_related("patent"),
                             patent_id=pk)


def _group(request: HttpRequest) -> str:
    group = request.GET.get("group") or request.POST.get("group")
    if group not in GROUPS:
        raise Http404
    return group


@require_GET
@role_required(*READERS)
def patent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The edit form of one group (htmx partial), or with `view=1` the group shown again (cancel)."""
    record = _editable_record(request, pk)
    group = _group(request)
    editing = None if request.GET.get("view") else group
    item = next(g for g in _groups(record, editing, inventor=review.is_inventor(request.user))
                if g["key"] == group)
    return render(request, "inventory/workbench/workbench_group.html",
                  {"group": item, "record": record, "can_edit": True})


@require_POST
@role_required(*READERS)
def patent_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one group through `update_assessment`; the rules' messages are shown inline."""
    record = _editable_record(request, pk)
    group = _group(request)
    form = AssessmentGroupForm(group, record, data=request.POST, inventor=review.is_inventor(request.user))
    saved = False
    if form.is_valid():
        try:
            update_assessment(actor=request.user, record=record, values=form.values(), request=request,
                              version=form.cleaned_data["version"])
            saved = True
        except AssessmentError as error:
            for name, message in error.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except StaleRecord as error:
            # Their input stays in the form, now at the current version: saving again is a choice
            # made having read what changed.
            form = form.with_version(error.record.version)
            form.is_valid()
            form.add_error(None, error.lines)
    if saved and not request.headers.get("HX-Request"):
        return redirect("inventory:patent_detail", pk=pk)
    record.refresh_from_db()
    heading = GROUPS[group][0]
    item = {"key": group, "heading": heading, "items": display.group_items(record, GROUPS[group][1]),
            "form": None if saved else form}
    # 200 even with errors: htmx swaps only successful answers, and the form must come back.
    response = render(request, "inventory/workbench/workbench_group.html",
                      {"group": item, "record": record, "can_edit": True, "saved": saved})
    if saved:
        response["HX-Trigger"] = "assessment-saved"
    return response


@require_GET
@role_required(*READERS)
def patent_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The history section (htmx partial, reloaded after an in-place edit)."""
    patent = get_object_or_404(Patent.objects.visible_to(request.user, "own").filter(
        pk__in=Patent.objects.visible_to(request.user).values("pk")), pk=pk)
    record = get_object_or_404(InventoryRecord.objects.visible_to(request.user), patent=patent)
    return render(request, "inventory/workbench/workbench_history.html",
                  {"history": display.history_items(record, request.user), "patent": patent})

