"""Pages of typical cases and problems (典型案例与问题报送): the list (filterable by quarter and
province) for the platform, the ministries and the province offices, a province's form and its
draft's attachments, a report's page with the platform's 纳入通报, and the scoped, audited download
of an attachment (never a MEDIA URL).

Every object is read through visible_to / editable_by; every change goes through
reporting.cases.services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.models import Province
from accounts.roles import Role, role_of
from reporting.cases import services
from reporting.cases.exports import CaseAttachmentDownload
from reporting.cases.models import CaseKind, CaseReport, CaseStatus
from reporting.cases.services import CaseError, CaseInput
from reporting.statistics.quarters import Quarter

PAGE_SIZE = 30
READERS = (Role.OPERATOR, Role.MINISTRY, Role.PROVINCE)


@role_required(*READERS)
def case_list(request: HttpRequest) -> HttpResponse:
    cases = (CaseReport.objects.visible_to(request.user).select_related("organization__province")
             .order_by("-quarter", "organization__province__code", "kind", "-pk"))
    quarter = request.GET.get("quarter", "").strip()[:7]
    province = request.GET.get("province", "").strip()[:6]
    kind = request.GET.get("kind", "").strip()
    if quarter:
        cases = cases.filter(quarter=quarter.upper())
    if province:
        cases = cases.filter(organization__province__code=province)
    if kind in CaseKind.values:
        cases = cases.filter(kind=kind)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    quarters = (CaseReport.objects.visible_to(request.user).order_by("-quarter").values_list("quarter", flat=True)
                .distinct())
    return render(request, "reporting/cases/list.html", {
        "page": page, "quarters": list(quarters), "provinces": Province.objects.order_by("code"),
        "kinds": CaseKind.choices, "selected": {"quarter": quarter.upper(), "province": province, "kind": kind},
        "can_create": role_of(request.user) == Role.PROVINCE, "show_province": role_of(request.user) != Role.PROVINCE,
    })


def _form_values(request: HttpRequest) -> dict:
    return {key: request.POST.get(key, "") for key in ("quarter", "kind", "title", "text")}


@role_required(Role.PROVINCE)
def case_create(request: HttpRequest) -> HttpResponse:
    form = {"quarter": str(Quarter.containing(Quarter.last_ended().next().start)), "kind": CaseKind.CASE,
            "title": "", "text": ""}
    if request.method == "POST":
        form = _form_values(request)
        try:
            case = services.create_case(request.user, CaseInput(**form), request=request)
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存草稿,可以上传附件后报送"))
            return redirect("reporting:case_detail", pk=case.pk)
    return render(request, "reporting/cases/form.html", {"form": form, "kinds": CaseKind.choices, "case": None})


@role_required(Role.PROVINCE)
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = services.editable_case(request.user, pk)
    form = {"quarter": case.quarter, "kind": case.kind, "title": case.title, "text": case.text}
    if request.method == "POST":
        form = _form_values(request)
        try:
            services.update_case(request.user, pk, CaseInput(**form), request=request)
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存"))
            return redirect("reporting:case_detail", pk=pk)
    return render(request, "reporting/cases/form.html", {"form": form, "kinds": CaseKind.choices, "case": case})


@role_required(*READERS)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = CaseReport.objects.visible_to(request.user).select_related("organization__province").filter(pk=pk).first()
    if case is None:
        raise Http404
    return render(request, "reporting/cases/detail.html", {
        "case": case, "attachments": list(case.attachments.all()),
        "editable": CaseReport.objects.editable_by(request.user).filter(pk=pk).exists(),
        "can_mark": CaseReport.objects.editable_by(request.user, "mark").filter(pk=pk).exists(),
        "max_mb": services.max_attachment_bytes() // 1024 // 1024,
        "types": ", ".join(f".{ext}" for ext in services.SIGNATURES),
        "submitted": case.status == CaseStatus.SUBMITTED,
    })


@require_POST
@role_required(Role.PROVINCE)
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.submit_case(request.user, pk, request=request)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已报送"))
    return redirect("reporting:case_detail", pk=pk)


@require_POST
@role_required(Role.PROVINCE)
def case_attach(request: HttpRequest, pk: int) -> HttpResponse:
    services.editable_case(request.user, pk)  # 404 / 403 before the upload is read
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise CaseError(_("请选择要上传的附件"))
        services.add_attachment(request.user, pk, upload, request=request)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已上传附件"))
    return redirect("reporting:case_detail", pk=pk)


@require_POST
@role_required(Role.PROVINCE)
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    case = services.remove_attachment(request.user, pk, request=request)
    messages.success(request, _("已删除附件"))
    return redirect("reporting:case_detail", pk=case.pk)


@require_POST
@role_required(Role.OPERATOR)
def case_mark(request: HttpRequest, pk: int) -> HttpResponse:
    marked = request.POST.get("for_bulletin") == "1"
    services.mark_for_bulletin(request.user, pk, marked, request=request)
    messages.success(request, _("已纳入通报") if marked else _("已取消纳入通报"))
    return redirect("reporting:case_detail", pk=pk)


@role_required(*READERS)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment of a report the user reads, as a download; audited (accounts.exports)."""
    return export_response(CaseAttachmentDownload, request, pk=pk)
