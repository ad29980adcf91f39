"""Forms of enterprise self-registration and of the provincial review. The rules are in
accounts.registration; these forms only turn them into messages on the right field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import normalize_credit_code
from accounts.members import normalize_username
from accounts.models import Organization, Province
from accounts.registration import (
    ENTERPRISE_FLAGS,
    REVIEW_NOTE_MAX_LENGTH,
    check_credit_code_available,
    check_password_strength,
    check_username_available,
    normalize_contact_phone,
)
from ground.forms import bootstrap


def name_errors(form: forms.Form) -> None:
    """Give every field's generic errors a message naming the field (and the value, where there is one).

    "%(value)s" and "%(limit_value)d" are left in place for Django to fill from the error's params.
    """
    for field in form.fields.values():
        label = str(field.label)
        keep = {"value": "%(value)s", "limit_value": "%(limit_value)d", "show_value": "%(show_value)d"}
        field.error_messages.update(
            {
                "required": gettext("请填写%(field)s") % {"field": label},
                "max_length": gettext("%(field)s“%(value)s”过长:最多 %(limit_value)s 个字符")
                % {"field": label, **keep},
                "invalid": gettext("%(field)s“%(value)s”格式不正确") % {"field": label, **keep},
                "invalid_choice": gettext("%(field)s“%(value)s”不在可选范围内") % {"field": label, **keep},
            }
        )


class EnterpriseRegistrationForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=128)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=40, help_text=_("18 位,依据 GB 32100-2015 校验")
    )
    province = forms.ModelChoiceField(
        label=_("所在省份"), queryset=Province.objects.order_by("code"), empty_label=_("请选择")
    )
    is_ip_advantage = forms.BooleanField(label=_("知识产权优势示范企业"), required=False)
    is_specialized = forms.BooleanField(label=_("专精特新企业"), required=False)
    is_high_tech = forms.BooleanField(label=_("高新技术企业"), required=False)
    is_state_owned = forms.BooleanField(label=_("国有企业"), required=False)
    is_central_soe = forms.BooleanField(label=_("中央企业"), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=64)
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=32, help_text=_("手机号码,或带区号的固定电话(如 010-12345678)")
    )
    contact_email = forms.EmailField(label=_("联系邮箱"))
    username = forms.CharField(
        label=_("管理员用户名"), max_length=150, help_text=_("字母、汉字、数字和 @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    flag_fields = ENTERPRISE_FLAGS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_errors(self)
        bootstrap(self)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_credit_code(self) -> str:
        # normalize_credit_code says which check character was expected; then the code must be free.
        return check_credit_code_available(normalize_credit_code(self.cleaned_data["credit_code"]))

    def clean_contact_phone(self) -> str:
        return normalize_contact_phone(self.cleaned_data["contact_phone"])

    def clean_username(self) -> str:
        username = normalize_username(self.cleaned_data["username"])
        check_username_available(username)
        return username

    def clean(self) -> dict:
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", gettext("确认密码与密码不一致"))
        if password1 and "username" in data:
            try:
                check_password_strength(
                    password1,
                    username=data["username"],
                    email=data.get("contact_email", ""),
                    full_name=data.get("contact_name", ""),
                )
            except ValidationError as error:
                self.add_error("password1", error)
        return data

    def flags(self) -> dict[str, bool]:
        return {flag: bool(self.cleaned_data.get(flag)) for flag in ENTERPRISE_FLAGS}

    def flag_bound_fields(self):
        return [self[flag] for flag in ENTERPRISE_FLAGS]

    def other_bound_fields(self):
        return [field for field in self if field.name not in ENTERPRISE_FLAGS]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回理由"), max_length=REVIEW_NOTE_MAX_LENGTH, widget=forms.Textarea(
        attrs={"rows": 2}
    ))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_errors(self)
        bootstrap(self)


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Organization.Status.choices]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
