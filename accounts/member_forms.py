"""The form an organisation admin adds a member with; the rules are in accounts.members."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .members import normalize_username
from .registration import check_username_available, normalize_contact_phone
from .registration_forms import bootstrap, name_errors


class MemberForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("字母、汉字、数字和 @ . + - _"))
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("手机"), max_length=32, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_errors(self)
        bootstrap(self)

    def clean_username(self) -> str:
        username = normalize_username(self.cleaned_data["username"])
        check_username_available(username)
        return username

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_contact_phone(phone, label=_("手机"), mobile_only=True) if phone else ""
