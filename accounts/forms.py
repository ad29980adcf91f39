from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续多次错误将锁定账号。"),
        "inactive": _("该账号已停用或所属机构尚未通过审核。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")


class ForcedPasswordChangeForm(PasswordChangeForm):
    def clean_new_password1(self) -> str:
        new = self.cleaned_data.get("new_password1", "")
        if new and self.user.check_password(new):
            raise forms.ValidationError(_("新密码不能与当前密码相同。"))
        return new
