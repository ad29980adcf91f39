"""Pages where an organisation admin manages the accounts of their organisation (rules in accounts.members).

A one-time password is rendered once in the response to the POST that created it: it is never
put in the session, a message, a log or the database in clear text, and the page is not cached.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import two_factor
from accounts.departments import can_manage_departments
from accounts.member_forms import MemberForm
from accounts.members import (
    add_member,
    can_manage_members,
    deactivate_member,
    manageable_members,
    member_list,
    reactivate_member,
    reset_member_password,
)
from accounts.models import Department, User
from ground.reads import note_personal_read


def org_admin_required(view):
    """Signed-in organisation admins only: anyone else signed in gets 403."""
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_manage_members(request.user):
            raise PermissionDenied(_("只有机构管理员可以管理本机构的成员"))
        return view(request, *args, **kwargs)

    return wrapped


def _member(request, pk: int):
    # Only the other users of the admin's own organisation; anyone else is a 404, like a missing id.
    return get_object_or_404(manageable_members(request.user), pk=pk)


def _one_time_password_page(request, *, member, password: str, created: bool):
    # Rendered straight into the POST response, never stored or redirected: shown exactly once.
    response = render(request, "accounts/one_time_password.html", {
        "account": member, "one_time_password": password, "created": created,
        "created_title": _("成员已添加"), "back_url": reverse("accounts:members"), "back_label": _("返回成员列表"),
    })
    response["Cache-Control"] = "no-store"
    return response


@org_admin_required
def member_list_view(request):
    # The institution-level admin places accounts in departments from this list.
    departments = (Department.objects.editable_by(request.user).order_by("name")
                   if can_manage_departments(request.user) else None)
    members = list(member_list(request.user))
    note_personal_read(request, User._meta.label_lower, sum(1 for m in members if m.phone or m.email))
    return render(
        request,
        "accounts/members.html",
        {"members": members, "organization": request.user.organization,
         "departments": departments, "can_set_two_factor": two_factor.can_set_requirement(request.user)},
    )


@org_admin_required
@require_POST
def member_two_factor(request):
    """The organisation-level admin requires (or not) a second factor of every member."""
    required = request.POST.get("requires_two_factor") == "on"
    if two_factor.set_organization_requirement(actor=request.user, required=required, request=request):
        messages.success(request, _("已要求本机构成员使用两步验证。") if required
                         else _("已不再要求本机构成员使用两步验证。"))
    return redirect("accounts:members")


@org_admin_required
@never_cache
def member_add(request):
    form = MemberForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member, password = add_member(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
                request=request,
                department=data.get("department"),
                is_org_admin=data.get("kind") == "admin",
                is_inventor=data.get("kind") == "inventor",
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items() if hasattr(error, "error_dict") else [(None, error)]:
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _one_time_password_page(request, member=member, password=password, created=True)
    return render(request, "accounts/member_form.html", {"form": form})


@org_admin_required
@require_POST
def member_deactivate(request, pk: int):
    return _switch(request, pk, deactivate_member, _("已停用“%(username)s”,该账号不能再登录。"),
                   _("“%(username)s”已处于停用状态。"))


@org_admin_required
@require_POST
def member_reactivate(request, pk: int):
    return _switch(request, pk, reactivate_member, _("已启用“%(username)s”。"), _("“%(username)s”已处于启用状态。"))


def _switch(request, pk: int, service, done: str, already: str):
    """Deactivate or reactivate a member with `service`; the message says whether anything changed."""
    member = _member(request, pk)
    if service(actor=request.user, member=member, request=request):
        messages.success(request, done % {"username": member.username})
    else:
        messages.info(request, already % {"username": member.username})
    return redirect("accounts:members")


@org_admin_required
@require_POST
@never_cache
def member_reset_password(request, pk: int):
    member = _member(request, pk)
    password = reset_member_password(actor=request.user, member=member, request=request)
    return _one_time_password_page(request, member=member, password=password, created=False)
