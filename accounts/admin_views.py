"""Pages of the three platform administrators (三员分立); the rules live in accounts.administration.

Each page belongs to exactly one administrator role: anyone else, including the other two
administrators and the operator, gets 403. An account outside what the administrator may edit
(its own, for instance) is a 404.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import administration, two_person
from accounts.administration import AuditFilter
from accounts.audit_labels import action_choices, choice_label
from accounts.audit_objects import name_objects
from accounts.audit_rows import audit_rows
from accounts.decorators import role_required
from accounts.exports import AuditLog, export_response
from accounts.models import ApprovalRequest, User
from accounts.roles import Role, role_of
from ground.forms import BootstrapForm

PAGE_SIZE = 50


class AccountSearchForm(BootstrapForm):
    q = forms.CharField(label=gettext_lazy("用户名、姓名或机构"), required=False, max_length=128)


def _account_page(request: HttpRequest) -> tuple[AccountSearchForm, object]:
    form = AccountSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    paginator = Paginator(administration.search_accounts(request.user, query), PAGE_SIZE)
    return form, paginator.get_page(request.GET.get("page"))


# 系统管理员 ------------------------------------------------------------------------------------


class OperatorForm(BootstrapForm):
    username = forms.CharField(
        label=gettext_lazy("用户名"), max_length=150,
        validators=User._meta.get_field("username").validators,
        help_text=gettext_lazy("150 个字符以内,可用字母、数字和 @ . + - _"),
    )
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    phone = forms.CharField(label=gettext_lazy("手机"), max_length=32, required=False)
    email = forms.EmailField(label=gettext_lazy("邮箱"), required=False)


@role_required(Role.SYSTEM_ADMIN)
@require_GET
def user_admin(request: HttpRequest) -> HttpResponse:
    form, page = _account_page(request)
    rows = [(account, role_of(account)) for account in page]
    return render(request, "accounts/admin_users.html", {
        "search_form": form, "page_obj": page, "rows": rows, "create_form": OperatorForm(),
    })


def _show_password(request: HttpRequest, account: User, password: str, created: bool) -> HttpResponse:
    # Rendered straight into the POST response, never stored or redirected: shown exactly once.
    response = render(request, "accounts/one_time_password.html", {
        "account": account, "one_time_password": password, "created": created,
        "created_title": _("平台运营账号已创建"), "back_url": reverse("accounts:user_admin"),
        "back_label": _("返回账号管理"),
    })
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.SYSTEM_ADMIN)
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = OperatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account, password = administration.create_operator_account(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValueError as error:
            form.add_error("username", str(error))
        else:
            messages.info(request, _("平台运营职责须由另一名管理员批准后生效,批准前该账号不能使用任何功能。"))
            return _show_password(request, account, password, created=True)
    return render(request, "accounts/admin_user_form.html", {"form": form})


def _filed(request: HttpRequest, account: User) -> None:
    messages.info(request, _("涉及平台管理账号“%(username)s”或授予平台职责:申请已提交,须由另一名管理员批准后生效。")
                  % {"username": account.username})


def _set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    account = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    try:
        filed = administration.set_account_active(actor=request.user, user=account, active=active, request=request)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("accounts:user_admin")
    if filed is not None:
        _filed(request, account)
        return redirect("accounts:user_admin")
    if active:
        messages.success(request, _("账号“%(username)s”已启用。") % {"username": account.username})
    else:
        messages.success(request, _("账号“%(username)s”已停用。") % {"username": account.username})
    return redirect("accounts:user_admin")


@role_required(Role.SYSTEM_ADMIN)
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=False)


@role_required(Role.SYSTEM_ADMIN)
@require_POST
def user_activate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=True)


@role_required(Role.SYSTEM_ADMIN)
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    password = administration.reset_account_password(actor=request.user, user=account, request=request)
    if isinstance(password, ApprovalRequest):
        _filed(request, account)
        return redirect("accounts:user_admin")
    return _show_password(request, account, password, created=False)


# 安全管理员 ------------------------------------------------------------------------------------


class UnlockForm(BootstrapForm):
    username = forms.CharField(max_length=255)


class PermissionForm(BootstrapForm):
    is_org_admin = forms.BooleanField(label=gettext_lazy("机构管理员"), required=False)
    platform_role = forms.ChoiceField(
        label=gettext_lazy("平台职责"), required=False,
        choices=[("", gettext_lazy("无")), *User.PlatformRole.choices],
    )


@role_required(Role.SECURITY_ADMIN)
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    form, page = _account_page(request)
    return render(request, "accounts/security_home.html", {
        "lockouts": administration.lockouts(request.user),
        "address_lockouts": administration.address_lockouts(request.user),
        "policy": administration.security_policy(request.user),
        "search_form": form,
        "page_obj": page,
    })


@role_required(Role.SECURITY_ADMIN)
@require_POST
def security_unlock(request: HttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请指明要解锁的账号。"))
        return redirect("accounts:security")
    username = form.cleaned_data["username"]
    try:
        administration.unlock(actor=request.user, username=username, request=request)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("账号“%(username)s”已解锁。") % {"username": username})
    return redirect("accounts:security")


class AddressUnlockForm(BootstrapForm):
    ip_address = forms.GenericIPAddressField()


@role_required(Role.SECURITY_ADMIN)
@require_POST
def security_unlock_address(request: HttpRequest) -> HttpResponse:
    form = AddressUnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请指明要解除限制的地址。"))
        return redirect("accounts:security")
    ip_address = form.cleaned_data["ip_address"]
    try:
        administration.unlock_address(actor=request.user, ip_address=ip_address, request=request)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("地址 %(ip)s 的登录限制已解除。") % {"ip": ip_address})
    return redirect("accounts:security")


@role_required(Role.SECURITY_ADMIN)
@require_http_methods(["GET", "POST"])
def security_permissions(request: HttpRequest, pk: int) -> HttpResponse:
    # editable_by leaves out the security administrator's own account: 404 on itself.
    account = get_object_or_404(User.objects.editable_by(request.user).select_related("organization"), pk=pk)
    initial = {"is_org_admin": account.is_org_admin, "platform_role": account.platform_role}
    form = PermissionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = administration.change_permissions(actor=request.user, user=account, request=request,
                                                        **form.cleaned_data)
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            if isinstance(changed, ApprovalRequest):
                _filed(request, account)
            elif changed:
                messages.success(request, _("账号“%(username)s”的权限已修改。") % {"username": account.username})
            else:
                messages.info(request, _("权限没有变化。"))
            return redirect("accounts:security")
    return render(request, "accounts/security_permissions.html", {"account": account, "form": form})


# 双人审批 (系统管理员、安全管理员) ---------------------------------------------------------------


class RejectForm(BootstrapForm):
    note = forms.CharField(label=gettext_lazy("驳回理由"), required=False, max_length=500)


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/approvals.html", {
        "pending": two_person.pending(request.user), "decided": two_person.decided(request.user),
        "reject_form": RejectForm(),
    })


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@require_POST
def approval_approve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        filed, result = two_person.approve(actor=request.user, pk=pk, request=request)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("accounts:approvals")
    if filed.action == ApprovalRequest.Action.PASSWORD_RESET:
        # The approver, not the requester, receives the one-time password and hands it over.
        response = render(request, "accounts/one_time_password.html", {
            "account": filed.target, "one_time_password": result, "created": False,
            "back_url": reverse("accounts:approvals"), "back_label": _("返回双人审批"),
        })
        response["Cache-Control"] = "no-store"
        return response
    messages.success(request, _("已批准并执行:%(action)s“%(username)s”。")
                     % {"action": filed.get_action_display(), "username": filed.target.username})
    return redirect("accounts:approvals")


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@require_POST
def approval_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        filed = two_person.reject(actor=request.user, pk=pk, note=note, request=request)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已驳回:%(action)s“%(username)s”。")
                         % {"action": filed.get_action_display(), "username": filed.target.username})
    return redirect("accounts:approvals")


# 审计管理员 ------------------------------------------------------------------------------------


class AuditFilterForm(BootstrapForm):
    person = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("用户名或姓名"),
                                                           "type": "search"}))
    organization = forms.CharField(label=gettext_lazy("机构"), required=False, max_length=128,
                                   widget=forms.TextInput(attrs={"placeholder": gettext_lazy("机构名称"),
                                                                 "type": "search"}))
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False, choices=action_choices)
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    # One object's events ("accounts.user:5"), from the link beside an object's name.
    object = forms.RegexField(regex=r"^[a-z0-9_]+\.[a-z0-9_]+:[0-9A-Za-z_-]{1,64}$", required=False,
                              widget=forms.HiddenInput)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def filters(self) -> AuditFilter:
        return AuditFilter(**self.cleaned_data)

    def described(self, object_name: str = "") -> list[tuple[str, str]]:
        """The filters in use, as (label, value) in words: the action by its name, the object by its."""
        data, found = self.cleaned_data, []
        for name in ("person", "organization", "action", "date_from", "date_to"):
            value = data.get(name)
            if not value:
                continue
            if name == "action":
                value = choice_label(value)
            found.append((str(self.fields[name].label), str(value)))
        if data.get("object"):
            found.append((_("对象"), object_name or data["object"]))
        return found


_FILTER_FIELDS = ("person", "organization", "action", "date_from", "date_to", "object")


def _object_name(request: HttpRequest, form: AuditFilterForm) -> str:
    if not form.is_valid() or not form.cleaned_data.get("object"):
        return ""
    target_type, _sep, target_id = form.cleaned_data["object"].partition(":")
    return name_objects(request.user, [(target_type, target_id)])[(target_type, target_id)].text


@role_required(Role.AUDIT_ADMIN)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    events, next_cursor = [], None
    if form.is_valid():
        raw = request.GET.get("cursor", "")
        cursor = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63 else None
        events, next_cursor = administration.page_after(
            administration.audit_events(request.user, form.filters()), cursor, PAGE_SIZE
        )
    params = {k: request.GET[k] for k in _FILTER_FIELDS if request.GET.get(k)}
    others = {k: v for k, v in params.items() if k != "object"}
    rows = [
        (row, f"?{urlencode({**others, 'object': f'{row.event.target_type}:{row.event.target_id}'})}")
        for row in audit_rows(request.user, events)
    ]
    return render(request, "accounts/audit_log.html", {
        "form": form,
        "rows": rows,
        "object_name": _object_name(request, form),
        "without_object_url": f"?{urlencode(others)}",
        "is_first_page": not request.GET.get("cursor"),
        "first_url": f"?{urlencode(params)}",
        "next_url": f"?{urlencode({**params, 'cursor': next_cursor})}" if next_cursor else "",
        "export_url": f"{reverse('accounts:audit_export')}?{urlencode(params)}",
    })


@role_required(Role.AUDIT_ADMIN)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('accounts:audit_log')}?{request.GET.urlencode()}")
    response = export_response(AuditLog, request, filters=form.filters(),
                               described=form.described(_object_name(request, form)))
    response["Cache-Control"] = "no-store"
    return response
