"""Pages of the expert library: the library's search (platform and provinces), an expert's page,
a province's recommendations with the form and the sheet upload, the platform's review queue
(approve, reject with a reason) and the expert's own profile (我的专家信息).

Everything is read through `visible_to` and written through the services, which check the role
and `editable_by`; out of scope answers 404. Phones and e-mails pass through
evaluation.experts.privacy.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.models import Province
from accounts.roles import Role, role_of
from evaluation.choices import ExpertStatus
from evaluation.experts import importer as experts_import
from evaluation.experts import library, privacy, services
from evaluation.experts.exports import ExpertsTemplate
from evaluation.experts.forms import ExpertsUploadForm, ProfileForm, RecommendForm, RejectForm, UnavailabilityForm
from evaluation.experts.importer import EXPERTS
from evaluation.experts.models import Expert, Unavailability
from evaluation.experts.sheet_format import ExpertsFormat
from ground import imports
from ground.imports.pages import UploadPages, batch_action, batch_page, upload_page
from inventory.classification.models import Industry

PAGE_SIZE = 20
LIBRARY_READERS = (Role.OPERATOR, Role.PROVINCE)


def _rows(user, experts) -> list[dict]:
    """Each expert of a page with the contact the user may read and the on-time rate."""
    return [{"expert": e, **privacy.contact(user, e), "on_time_rate": library.on_time_rate(e)} for e in experts]


# --- the library -----------------------------------------------------------------------------------

@role_required(*LIBRARY_READERS)
@require_GET
def expert_library(request: HttpRequest) -> HttpResponse:
    query = library.LibraryQuery.from_params(request.GET)
    page = Paginator(library.search(request.user, query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/experts/library.html", {
        "page_obj": page, "rows": _rows(request.user, page.object_list), "query": query,
        "industry_options": Industry.objects.order_by("code"), "province_options": Province.objects.order_by("code")})


@role_required(*LIBRARY_READERS, Role.EXPERT)
@require_GET
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(library.annotate_load(Expert.objects.visible_to(request.user).select_related(
        "recommending_province", "employer", "decided_by")), pk=pk)
    can_decide = role_of(request.user) == Role.OPERATOR and expert.status == ExpertStatus.RECOMMENDED
    return render(request, "evaluation/experts/detail.html", {
        "expert": expert, **privacy.contact(request.user, expert), "on_time_rate": library.on_time_rate(expert),
        "can_decide": can_decide, "reject_form": RejectForm() if can_decide else None,
        "unavailabilities": expert.unavailabilities.all()})


# --- recommendations -------------------------------------------------------------------------------

@role_required(Role.PROVINCE)
@require_GET
def recommendation_list(request: HttpRequest) -> HttpResponse:
    """The province's own recommendations, every status, newest first."""
    experts = Expert.objects.editable_by(request.user).order_by("-created_at", "-pk")
    status = request.GET.get("status") if request.GET.get("status") in ExpertStatus.values else ""
    if status:
        experts = experts.filter(status=status)
    page = Paginator(experts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/experts/recommendations.html", {
        "page_obj": page, "rows": _rows(request.user, page.object_list), "status": status,
        "statuses": ExpertStatus.choices})


@role_required(Role.PROVINCE)
def expert_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RecommendForm(request.POST)
        if form.is_valid():
            try:
                expert = services.recommend(request.user, form.cleaned_data, request=request)
            except services.ExpertError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已推荐专家 %(name)s,等待平台审核") % {"name": expert.name})
                return redirect("evaluation:expert_recommendations")
    else:
        form = RecommendForm()
    return render(request, "evaluation/experts/recommend.html", {"form": form})


@role_required(Role.OPERATOR)
@require_GET
def expert_review(request: HttpRequest) -> HttpResponse:
    """The platform's queue: pending recommendations, oldest first."""
    pending = Expert.objects.visible_to(request.user).filter(status=ExpertStatus.RECOMMENDED).select_related(
        "recommending_province", "employer").order_by("created_at", "pk")
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/experts/review.html", {
        "page_obj": page, "rows": _rows(request.user, page.object_list), "reject_form": RejectForm()})


@role_required(Role.OPERATOR)
@require_POST
def expert_approve(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert.objects.editable_by(request.user), pk=pk)
    try:
        expert, password = services.approve(request.user, expert, request=request)
    except services.ExpertError as error:
        messages.error(request, "; ".join(error.errors.values()))
        return redirect("evaluation:expert_review")
    if password is None:
        messages.success(request, _("专家 %(name)s 已入库") % {"name": expert.name})
        return redirect("evaluation:expert_review")
    # Rendered straight into the POST response, never stored or redirected: shown exactly once.
    response = render(request, "accounts/one_time_password.html", {
        "account": expert.user, "one_time_password": password, "created": True,
        "created_title": _("专家已入库,账号已创建"), "back_url": reverse("evaluation:expert_review"),
        "back_label": _("返回待审核推荐")})
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.OPERATOR)
@require_POST
def expert_reject(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert.objects.editable_by(request.user), pk=pk)
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.reject(request.user, expert, reason, request=request)
    except services.ExpertError as error:
        messages.error(request, "; ".join(error.errors.values()))
        return redirect("evaluation:expert_detail", pk=pk)
    messages.success(request, _("已退回对 %(name)s 的推荐,推荐省份会收到理由") % {"name": expert.name})
    return redirect("evaluation:expert_review")


# --- the expert's own profile ----------------------------------------------------------------------

def _profile_page(request: HttpRequest, expert: Expert, form=None, period_form=None) -> HttpResponse:
    form = form or ProfileForm(initial={name: getattr(expert, name) for name in services.PROFILE_FIELDS})
    return render(request, "evaluation/experts/me.html", {
        "expert": expert, "form": form, "period_form": period_form or UnavailabilityForm(),
        "unavailabilities": Unavailability.objects.editable_by(request.user).order_by("starts_on", "pk"),
        **privacy.contact(request.user, expert)})


def _own_entry(request: HttpRequest) -> Expert:
    expert = services.own_entry(request.user)
    if expert is None:
        raise PermissionDenied(_("您还不是专家库中已入库的专家"))
    return expert


@role_required(Role.EXPERT)
def expert_me(request: HttpRequest) -> HttpResponse:
    expert = _own_entry(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_own_profile(request.user, form.cleaned_data, request=request)
            except services.ExpertError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已保存专家信息"))
                return redirect("evaluation:expert_me")
        return _profile_page(request, expert, form=form)
    return _profile_page(request, expert)


@role_required(Role.EXPERT)
@require_POST
def unavailability_add(request: HttpRequest) -> HttpResponse:
    expert = _own_entry(request)
    form = UnavailabilityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_unavailability(request.user, data["starts_on"], data["ends_on"], data["note"],
                                        request=request)
        except services.ExpertError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(request, _("已登记不可用时段"))
            return redirect("evaluation:expert_me")
    return _profile_page(request, expert, period_form=form)


@role_required(Role.EXPERT)
@require_POST
def unavailability_remove(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Unavailability.objects.editable_by(request.user), pk=pk)
    services.remove_unavailability(request.user, pk, request=request)
    messages.success(request, _("已删除不可用时段"))
    return redirect("evaluation:expert_me")


# --- the expert-recommendation sheet upload --------------------------------------------------------

UPLOAD_PAGES = UploadPages(
    title=gettext_lazy("上传专家推荐表"), batch_title=gettext_lazy("专家推荐表上传"),
    intro=gettext_lazy("每行一位专家,以手机号识别:再次上传本省推荐过的手机号会更新该专家,重复上传同一文件不会有任何改动。"),
    rule=gettext_lazy("上传后先校验并预览,确认后才写入;文件中有任何错误时整批不导入。导入的专家由平台审核后入库。"),
    element_id="pn-experts", back_url="evaluation:expert_recommendations", back_label=gettext_lazy("推荐专家"),
    template_url="evaluation:template_experts", upload_url="evaluation:expert_upload",
    detail_url="evaluation:expert_upload_detail", commit_url="evaluation:expert_upload_commit",
    cancel_url="evaluation:expert_upload_cancel", unchanged_label=gettext_lazy("未变化"), all_or_nothing=True,
)


@role_required(Role.PROVINCE)
def expert_upload(request: HttpRequest) -> HttpResponse:
    return upload_page(request, UPLOAD_PAGES, EXPERTS, ExpertsUploadForm, ExpertsFormat().columns,
                       experts_import.experts_batches().visible_to(request.user))


@role_required(Role.PROVINCE, Role.OPERATOR)
@require_GET
def expert_upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batches = experts_import.experts_batches()
    return batch_page(request, UPLOAD_PAGES, pk, batches.visible_to(request.user),
                      lambda batch: batches.editable_by(request.user).filter(pk=batch.pk).exists())


def _act(request: HttpRequest, pk: int, action: Callable, done: str) -> HttpResponse:
    editable = experts_import.experts_batches().editable_by(request.user)
    return batch_action(request, UPLOAD_PAGES, EXPERTS, pk, editable, action, done)


@role_required(Role.PROVINCE)
@require_POST
def expert_upload_commit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.request_commit, _("已导入专家推荐表,等待平台审核"))


@role_required(Role.PROVINCE)
@require_POST
def expert_upload_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.cancel, _("已取消该批次,没有写入任何数据"))


@role_required(Role.PROVINCE, Role.OPERATOR)
@require_GET
def expert_template(request: HttpRequest) -> HttpResponse:
    """The expert-recommendation sheet's blank template, with its instructions sheet and drop-downs."""
    return export_response(ExpertsTemplate, request)
