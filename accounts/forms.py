from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.lockout import captcha_required
from accounts.models import Organization, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续多次错误将锁定账号。"),
        "inactive": _("该账号已停用或所属机构尚未通过审核。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        # From LOGIN_CAPTCHA_AFTER failures of the username or of the address (accounts.lockout), the
        # form asks for the captcha too, and checks it before the password.
        posted = self.data.get("username") if self.is_bound else None
        if self.request is not None and captcha_required(self.request, posted):
            self._add_captcha()

    def _add_captcha(self) -> None:
        self.fields["captcha"] = CaptchaField(
            widget=CaptchaTextInput(attrs={"class": "form-control", "autocomplete": "off"}),
            label=_("图片验证码"), help_text=_("请输入图片中的字符,不区分大小写。"),
            error_messages={"invalid": _("验证码不正确,请重新输入。"), "required": _("请输入验证码。")},
        )

    def clean(self):
        if "captcha" in self.fields and "captcha" in self.errors:
            # A wrong captcha: the password is not even tried.
            return self.cleaned_data
        try:
            return super().clean()
        except forms.ValidationError:
            # The failure just counted may be the one from which the captcha is asked: the form shown
            # again carries it already.
            if "captcha" not in self.fields and captcha_required(self.request, self.cleaned_data.get("username")):
                self._add_captcha()
            raise

    def get_invalid_login_error(self):
        # Only someone who gave the right password learns why the account cannot log in.
        return self.refusal_after_correct_password() or super().get_invalid_login_error()

    def refusal_after_correct_password(self) -> forms.ValidationError | None:
        """Why a correctly authenticated user is refused (own account or organisation inactive), or None."""
        if getattr(self.request, "axes_locked_out", False):
            return None
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        user = User.objects.filter(username=username).select_related("organization").first()
        if user is None or not password or not user.check_password(password):
            return None
        org = user.organization
        if not user.is_active:
            return forms.ValidationError(self.error_messages["inactive"], code="inactive")
        if org is None or org.is_active:
            return None
        if org.status == Organization.Status.PENDING:
            message = gettext("“%(org)s”的注册申请正在等待所在省份知识产权局审核,审核通过后方可登录。")
        elif org.status == Organization.Status.REJECTED:
            message = gettext("“%(org)s”的注册申请已被所在省份知识产权局驳回,理由:%(reason)s。如有疑问请联系该局。")
        else:
            message = gettext("“%(org)s”已停用,暂不能登录。请联系平台运营。")
        return forms.ValidationError(
            message % {"org": org.name, "reason": org.review_note or "-"}, code=f"organization_{org.status}"
        )


class ForcedPasswordChangeForm(PasswordChangeForm):
    def clean_new_password1(self) -> str:
        new = self.cleaned_data.get("new_password1", "")
        if new and self.user.check_password(new):
            raise forms.ValidationError(_("新密码不能与当前密码相同。"))
        return new
