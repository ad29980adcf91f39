"""Pages of enterprise self-registration and of the provincial review (thin: rules in accounts.registration)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Organization
from accounts.registration import approve_enterprise, pending_enterprises, register_enterprise, reject_enterprise
from accounts.registration_forms import EnterpriseRegistrationForm, RejectForm, ReviewFilterForm
from accounts.roles import Role

_SESSION_KEY = "accounts.registered_enterprise"


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_not_required
@sensitive_post_parameters("password1", "password2")
@never_cache
def register(request):
    """Public: an enterprise registers itself and its admin account; the provincial office approves it."""
    if request.user.is_authenticated:
        return redirect("home")
    form = EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization, user = register_enterprise(
                name=data["name"],
                credit_code=data["credit_code"],
                province=data["province"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                username=data["username"],
                password=data["password1"],
                flags=form.flags(),
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            request.session[_SESSION_KEY] = {
                "name": organization.name,
                "province": organization.province.name,
                "username": user.username,
            }
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


@login_not_required
@never_cache
def register_done(request):
    return render(request, "accounts/register_done.html", {"registered": request.session.pop(_SESSION_KEY, None)})


# Only provincial IP offices review the enterprises that registered in their province.
reviewer_required = role_required(Role.PROVINCE, message=gettext_lazy("只有省级知识产权局可以审核企业注册"))


def _review_url(request) -> str:
    """Back to the review list with the filter and page the reviewer was on."""
    params = {}
    status = request.POST.get("status", "")
    if status in Organization.Status.values:
        params["status"] = status
    page = request.POST.get("page", "")
    if page.isdigit():
        params["page"] = page
    url = reverse("accounts:enterprise_review")
    return f"{url}?{urlencode(params)}" if params else url


@reviewer_required
def enterprise_review(request):
    """The enterprises located in the reviewer's province, pending ones first."""
    filter_form = ReviewFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    enterprises = (
        Organization.objects.editable_by(request.user)
        .select_related("province")
        .annotate(
            pending_first=Case(
                When(status=Organization.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("pending_first", "-created_at", "-id")
    )
    if status:
        enterprises = enterprises.filter(status=status)
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/enterprise_review.html",
        {
            "filter_form": filter_form,
            "status": status,
            "page_obj": page,
            "enterprises": page.object_list,
            "reject_form": RejectForm(),
            "pending_count": pending_enterprises(request.user).count(),
        },
    )


@reviewer_required
@require_POST
def enterprise_approve(request, pk: int):
    organization = get_object_or_404(Organization.objects.editable_by(request.user), pk=pk)
    try:
        changed = approve_enterprise(actor=request.user, organization=organization, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed:
            messages.success(
                request, _("已通过“%(name)s”的注册,该企业的用户现在可以登录。") % {"name": organization.name}
            )
        else:
            messages.info(request, _("“%(name)s”已经通过审核,无需重复操作。") % {"name": organization.name})
    return redirect(_review_url(request))


@reviewer_required
@require_POST
def enterprise_reject(request, pk: int):
    organization = get_object_or_404(Organization.objects.editable_by(request.user), pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("未能驳回“%(name)s”:%(errors)s")
            % {"name": organization.name, "errors": " ".join(e for errs in form.errors.values() for e in errs)},
        )
        return redirect(_review_url(request))
    try:
        changed = reject_enterprise(
            actor=request.user, organization=organization, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed:
            messages.success(request, _("已驳回“%(name)s”的注册。") % {"name": organization.name})
        else:
            messages.info(request, _("“%(name)s”已经被驳回,无需重复操作。") % {"name": organization.name})
    return redirect(_review_url(request))
