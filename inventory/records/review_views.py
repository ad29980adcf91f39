"""The review queue (审核): reviewers approve or return in bulk, authors submit (rules in inventory.records.review)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Department
from accounts.roles import Role
from inventory.choices import ReviewState
from inventory.models import InventoryRecord
from inventory.records import review
from inventory.records.formats import REQUIRED_FIELDS

PAGE_SIZE = 100
ACTIONS = ("approve", "return", "submit")


def _filters(params) -> dict:
    state = params.get("state", "")
    department = params.get("department", "")
    return {
        "state": state if state in ReviewState.values else "",
        "department": int(department) if department.isdigit() else None,
    }


def _queue_context(request: HttpRequest, filters: dict) -> dict:
    user = request.user
    records = review.review_queue(user, state=filters["state"], department_id=filters["department"])
    after = request.GET.get("after", "")
    page = records.select_related("patent", "department_unit").order_by("pk")
    if after.isdigit():
        page = page.filter(pk__gt=int(after))
    rows = list(page[:PAGE_SIZE + 1])
    level = review.reviewer_level(user)
    state = filters["state"]
    query = {k: v for k, v in (("state", state), ("department", filters["department"])) if v}
    return {
        "rows": rows[:PAGE_SIZE],
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
            if action == "approve":
                result = review.approve(user, records, request=request)
            elif action == "return":
                result = review.return_(user, records, request.POST.get("reason", ""), request=request)
            else:
                result = review.submit(user, records, request=request)
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            done = {"approve": _("已审核通过 %(done)d 件"), "return": _("已退回 %(done)d 件"),
                    "submit": _("已提交审核 %(done)d 件")}[action] % {"done": result.done}
            if result.incomplete:
                required = "、".join(str(InventoryRecord._meta.get_field(name).verbose_name)
                                     for name in REQUIRED_FIELDS)
                done += _(";%(n)d 件必填项未填写完整(%(fields)s),不能提交审核") % {
                    "n": result.incomplete, "fields": required}
            if result.skipped > result.incomplete:
                done += _(";%(skipped)d 件不在可处理范围内,未处理") % {"skipped": result.skipped - result.incomplete}
            messages.success(request, done)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    query = {k: v for k, v in (("state", filters["state"]), ("department", filters["department"])) if v}
    return redirect(reverse("inventory:review_queue") + ("?" + urlencode(query) if query else ""))


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
