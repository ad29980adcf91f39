"""Pages of spot checks (随机抽查): the list and the creation form (platform, province offices),
a spot check's page (parameters, strata, results per institution, the sample, reviewers and the
request for corrections; ministries read it for their institutions), a reviewer's queue and the
finding form, and an institution's findings to correct.

Every object is read through visible_to / editable_by; every change goes through
reporting.spotchecks.services."""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from ground.privacy import mask_email, mask_phone
from reporting.spotchecks import services
from reporting.spotchecks.labels import stratum_key, stratum_label
from reporting.spotchecks.models import TO_CORRECT, Finding, SampledRecord, SpotCheck, SpotCheckStatus
from reporting.spotchecks.services import SpotCheckError, SpotCheckInput
from reporting.statistics.quarters import Quarter

PAGE_SIZE = 50
READERS = (Role.OPERATOR, Role.PROVINCE, Role.MINISTRY)
ORGANISERS = (Role.OPERATOR, Role.PROVINCE)
REVIEWERS = (Role.OPERATOR, Role.PROVINCE)


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


@role_required(*READERS)
def spotcheck_list(request: HttpRequest) -> HttpResponse:
    checks = (SpotCheck.objects.visible_to(request.user).select_related("organiser").order_by("-created_at", "-pk"))
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/spotchecks/list.html", {
        "page": page, "can_create": role_of(request.user) in ORGANISERS,
        "can_review": role_of(request.user) in REVIEWERS,
    })


@role_required(*ORGANISERS)
def spotcheck_create(request: HttpRequest) -> HttpResponse:
    institutions = services.eligible_institutions(request.user).select_related("province").order_by("province_id",
                                                                                                    "name")
    form = {"quarter": str(Quarter.containing(Quarter.last_ended().next().start)), "mode": "size",
            "sample_size": "20", "sample_rate": "", "seed": "", "title": "", "institutions": []}
    if request.method == "POST":
        post = request.POST
        form = {key: post.get(key, "").strip() for key in ("title", "quarter", "mode", "sample_size", "sample_rate",
                                                            "seed")}
        form["institutions"] = [pk for pk in (_int(v) for v in post.getlist("institutions")) if pk]
        bad_ids = [v for v in post.getlist("institutions") if _int(v) is None]
        size = _int(form["sample_size"]) if form["mode"] != "rate" else None
        try:
            if bad_ids:
                raise SpotCheckError(_("机构编号“%(value)s”无效") % {"value": bad_ids[0][:20]})
            if form["mode"] != "rate" and form["sample_size"] and size is None:
                raise SpotCheckError(_("抽取件数“%(value)s”不是正整数") % {"value": form["sample_size"][:20]})
            check = services.create_spot_check(request.user, SpotCheckInput(
                title=form["title"], quarter=form["quarter"], institution_ids=tuple(form["institutions"]),
                sample_size=size, sample_rate=form["sample_rate"] if form["mode"] == "rate" else None,
                seed=form["seed"]), request=request)
        except SpotCheckError as error:
            messages.error(request, error.message)
        else:
            if check.status == SpotCheckStatus.DRAWING:
                messages.success(request, _("已创建抽查,正在后台抽取样本"))
            else:
                messages.success(request, _("已创建抽查并抽取 %(n)d 条盘点记录") % {"n": check.sampled.count()})
            return redirect("reporting:spotcheck_detail", pk=check.pk)
    return render(request, "reporting/spotchecks/form.html", {
        "form": form, "institutions": institutions, "max_sample": services.MAX_SAMPLE,
    })


@role_required(*READERS)
def spotcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = SpotCheck.objects.visible_to(request.user).select_related("organiser", "created_by").filter(pk=pk).first()
    if check is None:
        raise Http404
    drawing = check.status in (SpotCheckStatus.DRAWING, SpotCheckStatus.DRAW_FAILED)
    if request.headers.get("HX-Request"):  # the drawing's progress, polled until it ends
        if check.status == SpotCheckStatus.DRAWING:
            return render(request, "reporting/spotchecks/_drawing.html", {"check": check})
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    records = SampledRecord.objects.visible_to(request.user).filter(spot_check=check)
    results = services.results_by_institution(check, records)
    institution = _int(request.GET.get("institution"))
    rows = records.select_related("record__patent", "institution", "reviewer").order_by("institution_id", "pk")
    if institution:
        rows = rows.filter(institution_id=institution)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    editable = SpotCheck.objects.editable_by(request.user).filter(pk=check.pk).exists()
    names = dict(check.institutions.values_list("pk", "name"))
    visible_institutions = {r.institution_id for r in results}
    strata = [{**s, "name": names.get(s["institution"], ""),
               "label": stratum_label(stratum_key(s["screening"], s["intents"]))}
              for s in check.strata if s["institution"] in visible_institutions]
    return render(request, "reporting/spotchecks/detail.html", {
        "check": check, "results": results, "page": page, "strata": strata, "editable": editable,
        "reviewing": check.status == SpotCheckStatus.REVIEWING, "drawing": drawing,
        "reviewers": services.reviewers_of(check) if editable else [],
        "institutions": sorted(names.items(), key=lambda item: item[1]) if editable else [],
        "institution": institution,
    })


def _organiser_action(request: HttpRequest, pk: int, act: Callable[[SpotCheck], str]) -> HttpResponse:
    """An organiser's change of one spot check it may edit (404 otherwise): `act` calls the service
    and returns the success message; a SpotCheckError is shown instead. Back to the check's page."""
    check = SpotCheck.objects.editable_by(request.user).filter(pk=pk).first()
    if check is None:
        raise Http404
    try:
        messages.success(request, act(check))
    except SpotCheckError as error:
        messages.error(request, error.message)
    return redirect("reporting:spotcheck_detail", pk=check.pk)


@require_POST
@role_required(*ORGANISERS)
def spotcheck_assign(request: HttpRequest, pk: int) -> HttpResponse:
    def assign(check: SpotCheck) -> str:
        reviewer = _int(request.POST.get("reviewer"))
        if reviewer is None:
            raise SpotCheckError(_("请选择核查人"))
        count = services.assign_reviewer(request.user, check, reviewer,
                                         institution_id=_int(request.POST.get("institution")), request=request)
        return _("已为 %(n)d 条抽查记录分配核查人") % {"n": count}

    return _organiser_action(request, pk, assign)


@require_POST
@role_required(*ORGANISERS)
def spotcheck_request_corrections(request: HttpRequest, pk: int) -> HttpResponse:
    def request_corrections(check: SpotCheck) -> str:
        count = services.request_corrections(request.user, check, request=request)
        return _("已要求 %(n)d 个机构整改") % {"n": count}

    return _organiser_action(request, pk, request_corrections)


@require_POST
@role_required(*ORGANISERS)
def spotcheck_retry_draw(request: HttpRequest, pk: int) -> HttpResponse:
    def retry(check: SpotCheck) -> str:
        services.retry_draw(request.user, check, request=request)
        return _("已重新开始抽取样本")

    return _organiser_action(request, pk, retry)


@role_required(*REVIEWERS)
def review_queue(request: HttpRequest) -> HttpResponse:
    """The sampled records assigned to the signed-in reviewer, those without a finding first."""
    rows = (SampledRecord.objects.editable_by(request.user)
            .select_related("spot_check", "record__patent", "institution").order_by("-spot_check_id", "reviewed_at",
                                                                                     "pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/spotchecks/review_queue.html", {"page": page})


@role_required(*READERS)
def sampled_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One sampled record: the institution's inventory answers as checked, the finding, the correction."""
    row = (SampledRecord.objects.visible_to(request.user)
           .select_related("spot_check__organiser", "record__patent", "institution", "reviewer").filter(pk=pk).first())
    if row is None:
        raise Http404
    can_review = SampledRecord.objects.editable_by(request.user).filter(pk=pk).exists()
    error_fields = services.error_field_choices()
    return render(request, "reporting/spotchecks/sampled.html", {
        "row": row, "record": row.record, "can_review": can_review, "findings": Finding.choices,
        "fields": _record_fields(row.record, unmasked=role_of(request.user) == Role.OPERATOR),
        "error_fields": error_fields, "error_field_label": dict(error_fields).get(row.error_field, ""),
    })


@require_POST
@role_required(*REVIEWERS)
def sampled_finding(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned reviewer's finding (404 for anyone else's record)."""
    try:
        services.record_finding(request.user, pk, request.POST.get("finding", ""),
                                reason=request.POST.get("reason", ""),
                                error_field=request.POST.get("error_field", ""), request=request)
    except SpotCheckError as error:
        messages.error(request, error.message)
        return redirect("reporting:spotcheck_sampled", pk=pk)
    messages.success(request, _("已保存核查结论"))
    return redirect("reporting:spotcheck_review_queue")


# Personal data (DATA-STANDARD.md, ARCHITECTURE.md): a province's reviewer checks that the contact
# is filled and well formed, not who it is; masked for everyone but the operator.
MASKED = {"contact_phone": mask_phone, "contact_email": mask_email}


def _record_fields(record, *, unmasked: bool) -> list[tuple[str, object]]:
    values = []
    for name in services.ERROR_FIELDS:
        field = record._meta.get_field(name)
        display = getattr(record, f"get_{name}_display", None)
        value = display() if display and getattr(record, name) else getattr(record, name)
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        if name in MASKED and not unmasked:
            value = MASKED[name](value)
        values.append((str(field.verbose_name), "" if value is None else value))
    return values


@role_required(Role.INSTITUTION)
def corrections(request: HttpRequest) -> HttpResponse:
    """An institution's findings to correct (不一致, 数据错误) of the spot checks that asked it; the
    organising office is named, the reviewer is not (reporting.spotchecks.services)."""
    rows = (SampledRecord.objects.visible_to(request.user)
            .select_related("spot_check__organiser", "record__patent").order_by("corrected_at", "-spot_check_id", "pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    fields = dict(services.error_field_choices())
    items = [{"row": r, "field": fields.get(r.error_field, "")} for r in page]
    return render(request, "reporting/spotchecks/corrections.html", {
        "page": page, "items": items, "to_correct": TO_CORRECT})


@require_POST
@role_required(Role.INSTITUTION)
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.correct(request.user, pk, request.POST.get("note", ""), request=request)
    except SpotCheckError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已标记为已整改"))
    return redirect("reporting:spotcheck_corrections")
