"""Pages of conversions (转化实施): the list with totals by kind, the conversion form, open-licence
declarations, and the standard-format upload (upload → preview → confirm).

Everything is read through `Conversion.objects.visible_to` / `OpenLicenseDeclaration.objects.visible_to`
and written through the services, which check `editable_by`; out of scope answers 404. Institutions
record; the platform operator, ministries and provinces read.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.roles import Role, role_of
from ground import imports
from ground.imports.pages import UploadPages, batch_action, batch_page, upload_page
from inventory.choices import ConversionKind
from inventory.conversions import importer as conversion_import
from inventory.conversions.exports import ConversionTemplate
from inventory.conversions.forms import ConversionForm, ConversionUploadForm, OpenLicenceForm
from inventory.conversions.importer import CONVERSIONS
from inventory.conversions.open_licences import OpenLicenceError, declare_open_licence, withdraw_open_licence
from inventory.conversions.services import ConversionError, delete_conversion, record_conversion, update_conversion
from inventory.conversions.services import warnings as conversion_warnings
from inventory.conversions.sheet_format import ConversionFormat
from inventory.models import Conversion, OpenLicenseDeclaration, Patent

READERS = (Role.INSTITUTION, Role.OPERATOR, Role.MINISTRY, Role.PROVINCE)
PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@role_required(*READERS)
@require_GET
def conversion_list(request: HttpRequest) -> HttpResponse:
    """The conversions in scope, filtered by kind and year, with counts and amounts by kind."""
    user = request.user
    conversions = Conversion.objects.visible_to(user)
    kind = request.GET.get("kind") if request.GET.get("kind") in ConversionKind.values else ""
    year = _int(request.GET.get("year"))
    if kind:
        conversions = conversions.filter(kind=kind)
    if year:
        conversions = conversions.filter(effective_date__year=year)
    by_kind = {row["kind"]: row for row in conversions.order_by().values("kind").annotate(
        count=Count("id"), amount=Sum("amount"))}
    totals = {value: {"label": label, "count": by_kind.get(value, {}).get("count", 0),
                      "amount": by_kind.get(value, {}).get("amount") or 0}
              for value, label in ConversionKind.choices}
    years = (Conversion.objects.visible_to(user).exclude(effective_date=None).order_by()
             .annotate(year=ExtractYear("effective_date")).values_list("year", flat=True).distinct())
    page = Paginator(conversions.select_related("patent").order_by("-effective_date", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    chart = {"labels": [str(t["label"]) for t in totals.values()], "counts": [t["count"] for t in totals.values()],
             "amounts": [float(t["amount"]) for t in totals.values()]}
    # The owner side's declarations, withdrawn ones included (other institutions' standing ones
    # show on their library cards, not here).
    open_licences = list(OpenLicenseDeclaration.objects.visible_to(user)
                         .filter(patent__in=Patent.objects.visible_to(user, "own").values("pk"))
                         .select_related("patent").order_by("-declared_at")[:100])
    return render(request, "inventory/conversions/conversions_list.html", {
        "page_obj": page, "conversions": page.object_list, "totals": totals, "chart": chart,
        "kind": kind, "year": year, "years": sorted(set(years), reverse=True), "kinds": ConversionKind.choices,
        "can_record": role_of(request.user) == Role.INSTITUTION, "open_licences": open_licences,
        "withdrawable_ids": set(OpenLicenseDeclaration.objects.editable_by(user).filter(
            pk__in=[d.pk for d in open_licences], withdrawn_at=None).values_list("pk", flat=True)),
        "editable_ids": set(Conversion.objects.editable_by(user).filter(
            pk__in=[c.pk for c in page.object_list]).values_list("pk", flat=True)),
    })


def _preselected(request: HttpRequest):
    """The patent named by ?patent=<id>, among those the user records for (404 otherwise)."""
    patent_id = _int(request.GET.get("patent"))
    if patent_id is None:
        return None
    return get_object_or_404(Patent.objects.editable_by(request.user, "record_conversion"), pk=patent_id)


@role_required(Role.INSTITUTION)
def conversion_new(request: HttpRequest) -> HttpResponse:
    patent = _preselected(request) if request.method == "GET" else None
    if request.method == "POST":
        form = ConversionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                record_conversion(request.user, form.cleaned_data["patent_number"], form.values(), request=request)
            except ConversionError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已登记转化记录;该专利的实施状态已同步更新"))
                for warning in conversion_warnings(form.values()):
                    messages.warning(request, warning)
                return redirect("inventory:conversion_list")
    else:
        initial = {"patent_number": patent.application_number} if patent else {}
        form = ConversionForm(user=request.user, initial=initial)
    return render(request, "inventory/conversions/conversions_form.html",
                  {"form": form, "patent": patent, "conversion": None})


@role_required(Role.INSTITUTION)
def conversion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    conversion = get_object_or_404(Conversion.objects.editable_by(request.user).select_related("patent"), pk=pk)
    fields = {name: getattr(conversion, name) for name in ConversionForm.base_fields if name != "patent_number"}
    if request.method == "POST":
        form = ConversionForm(request.POST, user=request.user, fixed_patent=conversion.patent, initial=fields)
        if form.is_valid():
            try:
                update_conversion(request.user, conversion, form.values(), request=request)
            except ConversionError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已保存转化记录"))
                for warning in conversion_warnings(form.values()):
                    messages.warning(request, warning)
                return redirect("inventory:conversion_list")
    else:
        form = ConversionForm(user=request.user, fixed_patent=conversion.patent, initial=fields)
    return render(request, "inventory/conversions/conversions_form.html",
                  {"form": form, "patent": conversion.patent, "conversion": conversion})


@role_required(Role.INSTITUTION)
@require_POST
def conversion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    conversion = get_object_or_404(Conversion.objects.editable_by(request.user), pk=pk)
    delete_conversion(request.user, conversion, request=request)
    messages.info(request, _("已删除该转化记录;实施状态未自动回退,请在盘点记录中核对"))
    return redirect("inventory:conversion_list")


@role_required(Role.INSTITUTION)
def open_licence_new(request: HttpRequest) -> HttpResponse:
    patent = _preselected(request) if request.method == "GET" else None
    if request.method == "POST":
        form = OpenLicenceForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                _declaration, warnings = declare_open_licence(
                    request.user, form.cleaned_data["patent_number"], form.values(), request=request)
            except OpenLicenceError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已登记开放许可声明"))
                for warning in warnings:
                    messages.warning(request, warning)
                return redirect("inventory:conversion_list")
    else:
        initial = {"patent_number": patent.application_number} if patent else {}
        form = OpenLicenceForm(user=request.user, initial=initial)
    return render(request, "inventory/conversions/conversions_open_licence.html", {"form": form, "patent": patent})


@role_required(Role.INSTITUTION)
@require_POST
def open_licence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_object_or_404(OpenLicenseDeclaration.objects.editable_by(request.user), pk=pk)
    try:
        withdraw_open_licence(request.user, declaration, request=request)
    except OpenLicenceError as error:
        messages.error(request, "; ".join(error.errors.values()))
    else:
        messages.success(request, _("已撤回开放许可声明;此前已获得的许可不受影响"))
    return redirect("inventory:conversion_list")


# --- the standard-format upload -------------------------------------------------------------------------

UPLOAD_PAGES = UploadPages(
    title=gettext_lazy("上传转化实施情况"), batch_title=gettext_lazy("转化实施情况上传"),
    intro=gettext_lazy("每行一个转化事件。重复上传同一文件不会重复登记:已登记的相同事件计为“未变化”。"),
    rule=gettext_lazy("上传后先校验并预览,确认后才写入;有错误的行不导入。"),
    element_id="pn-conversion", back_url="inventory:conversion_list", back_label=gettext_lazy("转化实施"),
    template_url="inventory:template_conversions", upload_url="inventory:conversion_upload",
    detail_url="inventory:conversion_upload_detail", commit_url="inventory:conversion_upload_commit",
    cancel_url="inventory:conversion_upload_cancel", unchanged_label=gettext_lazy("未变化(已登记)"),
    counts_updates=False,
)


@role_required(Role.INSTITUTION)
def conversion_upload(request: HttpRequest) -> HttpResponse:
    return upload_page(request, UPLOAD_PAGES, CONVERSIONS, ConversionUploadForm, ConversionFormat().columns,
                       conversion_import.conversion_batches().visible_to(request.user))


@role_required(*READERS)
@require_GET
def conversion_upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batches = conversion_import.conversion_batches()
    return batch_page(request, UPLOAD_PAGES, pk, batches.visible_to(request.user),
                      lambda batch: batches.editable_by(request.user).filter(pk=batch.pk).exists())


def _act(request: HttpRequest, pk: int, action: Callable, done: str) -> HttpResponse:
    editable = conversion_import.conversion_batches().editable_by(request.user)
    return batch_action(request, UPLOAD_PAGES, CONVERSIONS, pk, editable, action, done)


@role_required(Role.INSTITUTION)
@require_POST
def conversion_upload_commit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.request_commit, _("已导入转化记录"))


@role_required(Role.INSTITUTION)
@require_POST
def conversion_upload_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.cancel, _("已取消该批次,没有写入任何数据"))


@role_required(Role.INSTITUTION, Role.OPERATOR)
@require_GET
def conversion_template(request: HttpRequest) -> HttpResponse:
    """The conversion format's blank template, with its instructions sheet and drop-downs."""
    return export_response(ConversionTemplate, request)
