"""Pages of enterprise profiles and technology needs: the profile with its suggestions, an
enterprise's (or a province's) needs and their form, the needs board, a need's page with the
institution's offer, and the needs sheet upload (upload → preview → confirm).

Everything is read through `visible_to` and written through the services, which check
`editable_by`; out of scope answers 404.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.exports import export_response
from accounts.models import Province
from accounts.roles import Role, role_of
from ground import imports
from ground.imports.pages import UploadPages, batch_action, batch_page, upload_page
from inventory.classification.models import Industry
from matching.needs import board as needs_board
from matching.needs import importer as needs_import
from matching.needs import offers, services, suggestions
from matching.needs.exports import NeedsTemplate
from matching.needs.forms import NeedForm, NeedsUploadForm, ProfileForm
from matching.needs.importer import NEEDS
from matching.needs.models import EnterpriseProfile, ProfileSuggestion, TechnologyNeed
from matching.needs.sheet_format import NeedsFormat
from matching.pushes.models import Push

PAGE_SIZE = 20
NEED_EDITORS = (Role.ENTERPRISE, Role.PROVINCE)
BOARD_READERS = (Role.INSTITUTION, Role.PROVINCE, Role.OPERATOR, Role.ENTERPRISE)


def _labels() -> dict:
    return {"industries": dict(Industry.objects.values_list("code", "name")),
            "provinces": dict(Province.objects.values_list("code", "name"))}


# --- profiles --------------------------------------------------------------------------------------

def _profile_page(request: HttpRequest, profile: EnterpriseProfile, form=None) -> HttpResponse:
    editable = services.may_edit_profile(request.user, profile.enterprise)
    if editable and form is None:
        form = ProfileForm(initial={name: getattr(profile, name) for name in services.PROFILE_FIELDS})
    pending = suggestions.pending_suggestions(request.user, profile) if role_of(request.user) == Role.ENTERPRISE else []
    return render(request, "matching/needs/profile.html", {
        "profile": profile, "enterprise": profile.enterprise, "form": form if editable else None,
        "suggestions": pending, "can_decide": editable, **_labels(),
    })


@role_required(Role.ENTERPRISE)
def profile_mine(request: HttpRequest) -> HttpResponse:
    """The enterprise's own profile: its admin edits it, its members read it."""
    enterprise = request.user.organization
    profile = services.profile_of(enterprise)
    if request.method == "POST":
        if not services.may_edit_profile(request.user, enterprise):
            raise PermissionDenied
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(request.user, enterprise, form.cleaned_data, request=request)
            except services.ProfileError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已保存企业画像"))
                return redirect("matching:profile_mine")
        return _profile_page(request, profile, form)
    return _profile_page(request, profile)


@role_required(Role.PROVINCE, Role.OPERATOR)
@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    """The profiles of the enterprises in scope (a province: its enterprises'), read only."""
    profiles = EnterpriseProfile.objects.visible_to(request.user).select_related("enterprise").order_by("-updated_at",
                                                                                                       "-pk")
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "matching/needs/profile_list.html", {"page_obj": page, **_labels()})


@role_required(Role.PROVINCE, Role.OPERATOR, Role.ENTERPRISE)
@require_GET
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(EnterpriseProfile.objects.visible_to(request.user).select_related("enterprise"), pk=pk)
    return _profile_page(request, profile)


def _decide(request: HttpRequest, pk: int, decide: Callable, done: str) -> HttpResponse:
    suggestion = get_object_or_404(ProfileSuggestion.objects.editable_by(request.user), pk=pk)
    decide(request.user, suggestion, request=request)
    messages.success(request, done)
    return redirect("matching:profile_mine")


@role_required(Role.ENTERPRISE)
@require_POST
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, suggestions.accept_suggestion, _("已加入企业画像"))


@role_required(Role.ENTERPRISE)
@require_POST
def suggestion_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, suggestions.ignore_suggestion, _("已忽略该建议,不会再提示"))


# --- needs -----------------------------------------------------------------------------------------

@role_required(*NEED_EDITORS, Role.OPERATOR)
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    """The needs in scope, open and closed: an enterprise's own, a province's enterprises'."""
    needs = TechnologyNeed.objects.visible_to(request.user).select_related("enterprise")
    status = request.GET.get("status") if request.GET.get("status") in TechnologyNeed.Status.values else ""
    if status:
        needs = needs.filter(status=status)
    page = Paginator(needs.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    editable = set(TechnologyNeed.objects.editable_by(request.user).filter(
        pk__in=[n.pk for n in page.object_list]).values_list("pk", flat=True))
    return render(request, "matching/needs/need_list.html", {
        "page_obj": page, "status": status, "statuses": TechnologyNeed.Status.choices, "editable_ids": editable,
        "can_create": role_of(request.user) in NEED_EDITORS,
    })


@role_required(*NEED_EDITORS)
def need_new(request: HttpRequest) -> HttpResponse:
    own = request.user.organization if role_of(request.user) == Role.ENTERPRISE else None
    if request.method == "POST":
        form = NeedForm(request.POST, user=request.user, fixed_enterprise=own)
        if form.is_valid():
            enterprise = own or form.cleaned_data["enterprise"]
            try:
                need = services.create_need(request.user, enterprise, form.values(), request=request)
            except services.NeedError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已发布技术需求"))
                return redirect("matching:need_detail", pk=need.pk)
    else:
        form = NeedForm(user=request.user, fixed_enterprise=own)
    return render(request, "matching/needs/need_form.html", {"form": form, "need": None})


@role_required(*NEED_EDITORS, Role.OPERATOR)
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(TechnologyNeed.objects.editable_by(request.user).select_related("enterprise"), pk=pk)
    initial = {name: getattr(need, name) for name in services.NEED_FIELDS}
    if request.method == "POST":
        form = NeedForm(request.POST, fixed_enterprise=need.enterprise, initial=initial)
        if form.is_valid():
            try:
                services.update_need(request.user, need, form.values(), request=request)
            except services.NeedError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("已保存技术需求"))
                return redirect("matching:need_detail", pk=need.pk)
    else:
        form = NeedForm(fixed_enterprise=need.enterprise, initial=initial)
    return render(request, "matching/needs/need_form.html", {"form": form, "need": need})


def _set_status(request: HttpRequest, pk: int, status: str, done: str) -> HttpResponse:
    need = get_object_or_404(TechnologyNeed.objects.editable_by(request.user), pk=pk)
    try:
        services.set_need_status(request.user, need, status, request=request)
    except services.NeedError as error:
        messages.error(request, "; ".join(error.errors.values()))
    else:
        messages.success(request, done)
    return redirect("matching:need_detail", pk=pk)


@role_required(*NEED_EDITORS, Role.OPERATOR)
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_status(request, pk, TechnologyNeed.Status.CLOSED, _("已关闭该需求,需求大厅不再展示"))


@role_required(*NEED_EDITORS, Role.OPERATOR)
@require_POST
def need_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_status(request, pk, TechnologyNeed.Status.OPEN, _("已重新开放该需求"))


def _offer_context(user, need: TechnologyNeed) -> dict:
    if role_of(user) != Role.INSTITUTION or not services.is_open(need):
        return {"can_offer": False}
    patents = list(offers.offerable_patents(user).order_by("-pk").values("pk", "application_number", "title")[:200])
    pushed = offers.already_pushed(need, [p["pk"] for p in patents])
    return {"can_offer": True, "offerable": patents, "pushed_ids": pushed,
            "can_submit": any(p["pk"] not in pushed for p in patents)}


@role_required(*BOARD_READERS)
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(TechnologyNeed.objects.visible_to(request.user).select_related("enterprise__province"),
                             pk=pk)
    offered = []
    if role_of(request.user) != Role.INSTITUTION:
        offered = list(Push.objects.visible_to(request.user).filter(need=need).select_related("patent", "institution")
                       .order_by("-created_at")[:100])
    return render(request, "matching/needs/need_detail.html", {
        "need": need, "show_contact": services.shows_contact(request.user, need),
        "editable": TechnologyNeed.objects.editable_by(request.user).filter(pk=pk).exists(),
        "is_open": services.is_open(need), "offered": offered, **_offer_context(request.user, need), **_labels(),
    })


@role_required(Role.INSTITUTION)
@require_POST
def need_offer(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(TechnologyNeed.objects.visible_to(request.user), pk=pk)
    chosen = [int(value) for value in request.POST.getlist("patents") if value.isdigit() and len(value) < 12]
    try:
        pushes = offers.offer_patents(request.user, need, chosen, request=request)
    except offers.OfferError as error:
        for problem in error.problems:
            messages.error(request, problem)
    else:
        messages.success(request, _("已向该企业推荐 %(n)d 件专利") % {"n": len(pushes)})
    return redirect("matching:need_detail", pk=pk)


@role_required(*BOARD_READERS)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The needs board: the open needs in scope, searched and filtered."""
    query = needs_board.BoardQuery.from_params(request.GET)
    needs = needs_board.board(request.user, query)
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = {n.pk for n in page.object_list if services.shows_contact(request.user, n)}
    return render(request, "matching/needs/board.html", {
        "page_obj": page, "query": query, "contact_ids": shown, "industry_options": Industry.objects.order_by("code"),
        "province_options": Province.objects.order_by("code"), **_labels(),
    })


# --- the needs sheet upload ------------------------------------------------------------------------

UPLOAD_PAGES = UploadPages(
    title=gettext_lazy("上传企业技术需求"), batch_title=gettext_lazy("企业技术需求上传"),
    intro=gettext_lazy("每行一条需求,以统一社会信用代码和需求名称识别:再次上传会更新同名需求,重复上传同一文件不会有任何改动。"),
    rule=gettext_lazy("上传后先校验并预览,确认后才写入;文件中有任何错误时整批不导入。"),
    element_id="pn-needs", back_url="matching:need_list", back_label=gettext_lazy("技术需求"),
    template_url="matching:template_needs", upload_url="matching:need_upload",
    detail_url="matching:need_upload_detail", commit_url="matching:need_upload_commit",
    cancel_url="matching:need_upload_cancel", unchanged_label=gettext_lazy("未变化"), all_or_nothing=True,
)


@role_required(*NEED_EDITORS)
def need_upload(request: HttpRequest) -> HttpResponse:
    return upload_page(request, UPLOAD_PAGES, NEEDS, NeedsUploadForm, NeedsFormat().columns,
                       needs_import.needs_batches().visible_to(request.user))


@role_required(*NEED_EDITORS, Role.OPERATOR)
@require_GET
def need_upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batches = needs_import.needs_batches()
    return batch_page(request, UPLOAD_PAGES, pk, batches.visible_to(request.user),
                      lambda batch: batches.editable_by(request.user).filter(pk=batch.pk).exists())


def _act(request: HttpRequest, pk: int, action: Callable, done: str) -> HttpResponse:
    editable = needs_import.needs_batches().editable_by(request.user)
    return batch_action(request, UPLOAD_PAGES, NEEDS, pk, editable, action, done)


@role_required(*NEED_EDITORS)
@require_POST
def need_upload_commit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.request_commit, _("已导入企业技术需求"))


@role_required(*NEED_EDITORS)
@require_POST
def need_upload_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, imports.cancel, _("已取消该批次,没有写入任何数据"))


@role_required(*NEED_EDITORS, Role.OPERATOR)
@require_GET
def need_template(request: HttpRequest) -> HttpResponse:
    """The needs sheet's blank template, with its instructions sheet and drop-downs."""
    return export_response(NeedsTemplate, request)

