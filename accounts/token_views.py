"""API 令牌 pages (rules in accounts.tokens): a user's own tokens, and the security administrator's
list of every active token. A new token's secret is rendered once, in the response to its POST."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import tokens, two_factor
from accounts.decorators import role_required
from accounts.models import APIToken
from accounts.roles import Role
from ground.forms import BootstrapForm


class TokenForm(BootstrapForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=64,
                           help_text=gettext_lazy("例如调用接口的程序或用途"))
    scope = forms.ChoiceField(label=gettext_lazy("权限范围"), choices=APIToken.Scope.choices,
                              initial=APIToken.Scope.READ)
    days = forms.IntegerField(label=gettext_lazy("有效期(天)"), min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The longest expiry is checked by accounts.tokens.create; the browser is told it too.
        self.fields["days"].widget.attrs["max"] = settings.API_TOKEN_MAX_DAYS
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS


def _page(request: HttpRequest, form: TokenForm, created: tuple[APIToken, str] | None = None) -> HttpResponse:
    user = request.user
    response = render(request, "accounts/tokens.html", {
        "form": form,
        "tokens": APIToken.objects.visible_to(user).filter(user=user)[:100],
        "created": created,
        "blocked": user.two_factor_enabled and not two_factor.session_passed(request),
    })
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens and the form to create one."""
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    try:
        created = tokens.create(user=request.user, request=request,
                                second_factor_passed=two_factor.session_passed(request), **form.cleaned_data)
    except tokens.TokenError as error:
        form.add_error(None, str(error))
        return _page(request, form)
    return _page(request, TokenForm(), created=created)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(APIToken.objects.editable_by(request.user).filter(user=request.user), pk=pk)
    if tokens.revoke(actor=request.user, token=token, request=request):
        messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
    return redirect("accounts:tokens")


@role_required(Role.SECURITY_ADMIN)
def security_tokens(request: HttpRequest) -> HttpResponse:
    """The security administrator's list of every active token, with revoke."""
    active = APIToken.objects.visible_to(request.user).active().select_related("user", "user__organization")
    return render(request, "accounts/security_tokens.html", {"tokens": active[:500]})


@role_required(Role.SECURITY_ADMIN)
@require_POST
def security_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(APIToken.objects.editable_by(request.user), pk=pk)
    if tokens.revoke(actor=request.user, token=token, request=request):
        messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
    return redirect("accounts:security_tokens")
