"""Pages of the second factor (rules in accounts.two_factor): enrolment and leaving (两步验证),
the code step after the password, and the security administrator's reset.

Recovery codes are rendered once in the response to the POST that made them, never stored in
clear text or cached."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import two_factor
from accounts.decorators import role_required
from accounts.models import User
from accounts.roles import Role
from ground.forms import BootstrapForm


class CodeForm(BootstrapForm):
    code = forms.CharField(label=gettext_lazy("验证码"), max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def _recovery_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    response = render(request, "accounts/two_factor_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


def _enrol_page(request: HttpRequest, form: CodeForm, sms_sent: bool = False, error: str = "") -> HttpResponse:
    user = request.user
    context = {"form": form, "required": two_factor.is_required(user), "sms_sent": sms_sent, "error": error}
    if user.two_factor_enabled:
        context["has_sms"] = two_factor.has_sms(user)
    else:
        device = two_factor.pending_totp(user)
        context.update(secret=two_factor.secret_of(device), qr=two_factor.qr_data_uri(device))
    response = render(request, "accounts/two_factor.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _post(request: HttpRequest, form: CodeForm) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "start_sms":
            two_factor.start_sms(request.user)
            return _enrol_page(request, CodeForm(), sms_sent=True)
        if not form.is_valid():
            return _enrol_page(request, form, sms_sent=action == "confirm_sms")
        code = form.cleaned_data["code"]
        if action == "confirm_totp":
            return _recovery_page(request, two_factor.confirm_totp(request, code))
        if action == "confirm_sms":
            return _recovery_page(request, two_factor.confirm_sms(request, code))
        if action == "disable":
            two_factor.disable(request, code)
            messages.success(request, _("已关闭两步验证。"))
            return redirect("accounts:two_factor")
    except two_factor.TwoFactorError as error:
        return _enrol_page(request, CodeForm(), sms_sent=action == "confirm_sms", error=str(error))
    return redirect("accounts:two_factor")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """两步验证: enrol an authenticator (QR code) or SMS codes; leave, where it is optional."""
    if request.method == "POST":
        return _post(request, CodeForm(request.POST))
    return _enrol_page(request, CodeForm())


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step after the password: an authenticator, SMS or recovery code."""
    user = request.user
    if not user.two_factor_enabled or two_factor.session_passed(request):
        return redirect(_next_url(request))
    form, error = CodeForm(request.POST or None), ""
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form, error = CodeForm(), _("验证码不正确。")
    locked = two_factor.is_locked(user)
    if locked:
        error = _("验证码错误次数过多,两步验证已暂时锁定,请稍后再试或联系安全管理员。")
    return render(request, "accounts/two_factor_verify.html", {
        "form": form, "next": _next_url(request), "has_sms": two_factor.has_sms(user), "locked": locked,
        "error": error,
    })


@login_required
@require_POST
def two_factor_sms(request: HttpRequest) -> HttpResponse:
    """At the code step: send a code by SMS to a user enrolled with SMS codes."""
    if two_factor.send_sms_code(request.user):
        messages.info(request, _("验证码已发送到您登记的手机。"))
    return redirect("accounts:two_factor_verify")


@role_required(Role.SECURITY_ADMIN)
@require_POST
def security_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The security administrator resets a user's second factor (and so revokes their API tokens)."""
    account = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    if two_factor.reset(actor=request.user, user=account, request=request) is not None:
        messages.info(request, _("“%(username)s”是平台管理员账号:重置两步验证的申请已提交,"
                                 "须另一位管理员审批后生效。") % {"username": account.username})
    else:
        messages.success(request, _("已重置“%(username)s”的两步验证,并吊销了其 API 令牌。") % {
            "username": account.username})
    return redirect("accounts:security")
