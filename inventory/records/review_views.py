"""The review queue (审核): reviewers approve or return in bulk, authors submit (rules in
inventory.records.review). Each row shows what changed in the assessment since its last review;
a record opens in a panel beside the queue (`review_record`, an htmx partial) and is approved or
returned from there (`review_record_action`)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.models import Department
from accounts.roles import Role
from inventory.choices import ReviewState
from inventory.library import listing
from inventory.models import InventoryRecord
from inventory.patents import sees_contacts
from inventory.records import display, history, review, versions_from
from inventory.records.assessment import ASSESSMENT_FIELDS
from inventory.records.formats import REQUIRED_FIELDS

PAGE_SIZE = 100
ACTIONS = ("approve", "return", "submit")
# How many changed fields a row lists before folding the rest away.
CHANGES_SHOWN = 3


def _filters(params) -> dict:
    state = params.get("state", "")
    department = params.get("department", "")
    return {
        "state": state if state in ReviewState.values else "",
        "department": int(department) if department.isdigit() else None,
    }


def _with_review(records: QuerySet) -> QuerySet:
    """The records with what a row shows: the patent, the department, when last reviewed."""
    return records.select_related("patent", "department_unit").annotate(
        last_reviewed=history.last_review(OuterRef("pk")))


def _rows(user, records: list[InventoryRecord]) -> list[dict]:
    """Each record with the assessment fields changed since its last review, as people read them:
    one query for the page's history, and one for each kind of reference code the changes name."""
    changed = history.since_last_review([record.pk for record in records], ASSESSMENT_FIELDS)
    references = display.reference_names(changed.values())
    contacts = sees_contacts(user, own=True)
    rows = []
    for record in records:
        changes = display.change_items(changed.get(record.pk, {}), contacts=contacts, references=references)
        rows.append({
            "record": record, "changes": changes[:CHANGES_SHOWN], "more_changes": changes[CHANGES_SHOWN:],
            "reviewed": record.last_reviewed is not None,
            "intents": display.value_text("intents", record.intents),
        })
    return rows


def _queue_context(request: HttpRequest, filters: dict) -> dict:
    user = request.user
    records = review.review_queue(user, state=filters["state"], department_id=filters["department"])
    after = request.GET.get("after", "")
    page = _with_review(records).order_by("pk")
    if after.isdigit():
        page = page.filter(pk__gt=int(after))
    rows = list(page[:PAGE_SIZE + 1])
    level = review.reviewer_level(user)
    state = filters["state"]
    query = {k: v for k, v in (("state", state), ("department", filters["department"])) if v}
    return {
        "rows": _rows(user, rows[:PAGE_SIZE]),
        "next_after": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "total": records.count(),
        "level": level,
        "filters": filters,
        "query": urlencode(query),
        "states": ReviewState.choices,
        "departments": Department.objects.visible_to(user).order_by("name"),
        # What the selection can be sent to: authors submit drafts and returned records; reviewers
        # approve or return what waits for them.
        "can_submit": state in review.SUBMITTABLE_STATES,
        "can_review": level is not None and state in ("", *review.PENDING_STATES),
        "review_levels": user.organization.review_levels,
        "can_set_levels": review.can_set_review_levels(user),
    }


@role_required(Role.INSTITUTION)
def review_queue(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    if review.reviewer_level(request.user) is None and not filters["state"]:
        # Department members review nothing: their page lists what they may submit.
        filters["state"] = ReviewState.DRAFT
    return render(request, "inventory/records/review_queue.html", _queue_context(request, filters))


@role_required(Role.INSTITUTION)
@require_POST
def review_action(request: HttpRequest) -> HttpResponse:
    """Approve, return or submit the selected records, or everything the filter selects (`all`)."""
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise PermissionDenied(_("未知的审核操作"))
    filters = _filters(request.POST)
    user = request.user
    if request.POST.get("all") == "1":
        records = review.review_queue(user, state=filters["state"], department_id=filters["department"])
    else:
        records = [pk for pk in request.POST.getlist("ids") if pk.isdigit()]
    if not records:
        messages.warning(request, _("请先勾选要处理的专利"))
    else:
        try:
            result = _act(request, action, records)
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _result_text(action, result))
    return _back(request, filters)


def _act(request: HttpRequest, action: str, records) -> review.ReviewResult:
    """Approve, return (with the posted reason) or submit the records, each at the version the
    page showed (`version_<id>`: one changed since is left as it is); ReviewError when refused as a whole."""
    user = request.user
    versions = versions_from(request.POST)
    if action == "approve":
        return review.approve(user, records, request=request, versions=versions)
    if action == "return":
        return review.return_(user, records, request.POST.get("reason", ""), request=request, versions=versions)
    return review.submit(user, records, request=request, versions=versions)


def _required_labels() -> str:
    return "、".join(str(InventoryRecord._meta.get_field(name).verbose_name) for name in REQUIRED_FIELDS)


def _result_text(action: str, result: review.ReviewResult) -> str:
    done = {"approve": _("已审核通过 %(done)d 件"), "return": _("已退回 %(done)d 件"),
            "submit": _("已提交审核 %(done)d 件")}[action] % {"done": result.done}
    if result.incomplete:
        done += _(";%(n)d 件必填项未填写完整(%(fields)s),不能提交审核") % {
            "n": result.incomplete, "fields": _required_labels()}
    if result.stale:
        done += _(";%(n)d 件在您打开页面后已被他人修改,未处理,请刷新后核对") % {"n": result.stale}
    if result.skipped > result.incomplete + result.stale:
        done += _(";%(skipped)d 件不在可处理范围内,未处理") % {
            "skipped": result.skipped - result.incomplete - result.stale}
    return done


def _moved_text(action: str, record: InventoryRecord) -> str:
    """What became of one record, for the panel and the queue's status line."""
    text = {"approve": _("%(number)s 已审核通过,现为“%(state)s”"), "return": _("%(number)s 已退回修改"),
            "submit": _("%(number)s 已提交审核,现为“%(state)s”")}[action]
    return text % {"number": record.patent.application_number, "state": record.get_review_state_display()}


def _refusal_text(result: review.ReviewResult) -> str:
    """Why one record was left as it was."""
    if result.incomplete:
        return _("必填项未填写完整(%(fields)s),不能提交审核") % {"fields": _required_labels()}
    if result.stale:
        return _("该专利在您打开后已被他人修改,未处理:下面是当前的内容,请核对后再审核")
    return _("该专利当前不在您可处理的范围内(可能已由他人处理),未处理")


def _back(request: HttpRequest, filters: dict) -> HttpResponse:
    """Back to `next` when it is this site's, else to the queue under the same filter."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    query = {k: v for k, v in (("state", filters["state"]), ("department", filters["department"])) if v}
    return redirect(reverse("inventory:review_queue") + ("?" + urlencode(query) if query else ""))


def _panel_context(request: HttpRequest, record: InventoryRecord, *, notice: str = "", error: str = "") -> dict:
    user = request.user
    contacts = sees_contacts(user, own=True)
    return {
        "record": record,
        "row": _rows(user, [record])[0],
        "groups": [{"key": key, "heading": heading, "items": display.group_items(record, names, contacts=contacts)}
                   for key, (heading, names) in display.GROUPS.items()],
        "missing": listing.missing(record),
        "actions": review.actions_on(user, record.pk),
        "notice": notice,
        "error": error,
        "reason_max": review.RETURN_REASON_MAX,
    }


def _scoped_record(request: HttpRequest, pk: int) -> InventoryRecord:
    """The record, if the user's review pages may show it (`review.review_scope`); 404 otherwise."""
    return get_object_or_404(_with_review(review.review_scope(request.user)), pk=pk)


@role_required(Role.INSTITUTION)
@require_GET
def review_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One record's assessment beside the queue (an htmx partial), or on a page of its own."""
    record = _scoped_record(request, pk)
    context = _panel_context(request, record)
    if request.headers.get("HX-Request"):
        return render(request, "inventory/records/review_panel.html", context)
    return render(request, "inventory/records/review_record.html", context)


@role_required(Role.INSTITUTION)
@require_POST
def review_record_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, return or submit one record from its panel. For htmx: the panel again, with the
    queue's row and status line swapped out of band, and a `pn-reviewed` event once it moved."""
    record = _scoped_record(request, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise PermissionDenied(_("未知的审核操作"))
    try:
        result = _act(request, action, [record.pk])
    except review.ReviewError as error:
        result, error_text = None, str(error)
    else:
        error_text = "" if result.done else _refusal_text(result)
    if not request.headers.get("HX-Request"):
        if error_text:
            messages.error(request, error_text)
        else:
            messages.success(request, _result_text(action, result))
        return _back(request, _filters(request.POST))
    record = _scoped_record(request, pk)
    notice = "" if error_text else _moved_text(action, record)
    context = _panel_context(request, record, notice=notice, error=error_text)
    # Once the record moved, its row (marked done) and the status line are swapped too (out of band).
    context["row"]["done"] = context["moved"] = not error_text
    response = render(request, "inventory/records/review_panel.html", context)
    if not error_text:
        response["HX-Trigger"] = json.dumps({"pn-reviewed": {"record": record.pk}})
    return response


@role_required(Role.INSTITUTION)
@require_POST
def review_levels(request: HttpRequest) -> HttpResponse:
    levels = request.POST.get("review_levels", "")
    try:
        changed = review.set_review_levels(request.user, int(levels) if levels.isdigit() else 0, request=request)
    except review.ReviewError as error:
        raise PermissionDenied(str(error)) from None
    if changed:
        messages.success(request, _("审核层级已更新"))
    return redirect("inventory:review_queue")
