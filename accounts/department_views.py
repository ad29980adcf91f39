"""Pages where an institution-level admin manages departments (rules in accounts.departments)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.departments import (
    can_manage_departments,
    create_department,
    department_list,
    rename_department,
    set_member_department,
)
from accounts.models import Department, User
from accounts.roles import Role


def _manager_only(request) -> None:
    if not can_manage_departments(request.user):
        raise PermissionDenied(_("只有学校(院所)管理员可以管理二级单位"))


def _errors(error: ValidationError) -> str:
    return ";".join(message for messages_ in error.message_dict.values() for message in messages_)


@role_required(Role.INSTITUTION)
def departments(request: HttpRequest) -> HttpResponse:
    """The list with counts (department admins see their own); the institution admin adds here."""
    if not request.user.is_org_admin:
        raise PermissionDenied(_("只有管理员可以查看二级单位"))
    if request.method == "POST":
        _manager_only(request)
        try:
            department = create_department(actor=request.user, name=request.POST.get("name", ""), request=request)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("已添加二级单位“%(name)s”") % {"name": department.name})
        return redirect("accounts:departments")
    return render(request, "accounts/department_list.html", {
        "departments": department_list(request.user), "can_manage": can_manage_departments(request.user),
        "organization": request.user.organization,
    })


@role_required(Role.INSTITUTION)
@require_POST
def department_rename(request: HttpRequest, pk: int) -> HttpResponse:
    _manager_only(request)
    department = get_object_or_404(Department.objects.editable_by(request.user), pk=pk)
    try:
        if rename_department(actor=request.user, department=department, name=request.POST.get("name", ""),
                             request=request):
            messages.success(request, _("已更名"))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("accounts:departments")


@role_required(Role.INSTITUTION)
@require_POST
def member_department(request: HttpRequest, pk: int) -> HttpResponse:
    _manager_only(request)
    member = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    chosen = request.POST.get("department", "")
    department = (get_object_or_404(Department.objects.editable_by(request.user), pk=int(chosen))
                  if chosen.isdigit() else None)
    if set_member_department(actor=request.user, member=member, department=department, request=request):
        messages.success(request, _("已调整“%(username)s”的二级单位") % {"username": member.username})
    return redirect("accounts:members")
