"""The form an organisation admin adds a member with; the rules are in accounts.members."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.members import normalize_username
from accounts.models import Department
from accounts.registration import check_username_available, normalize_contact_phone
from accounts.registration_forms import name_errors
from accounts.roles import Role, role_of
from ground.forms import bootstrap


class MemberForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("字母、汉字、数字和 @ . + - _"))
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("手机"), max_length=32, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    # Institutions only (accounts.members._placement): the account's kind and department.
    kind = forms.ChoiceField(label=_("账号类型"), required=False, initial="member", choices=[
        ("member", _("成员")), ("admin", _("管理员(选择二级单位时为二级单位管理员)")), ("inventor", _("发明人"))])
    department = forms.ModelChoiceField(label=_("二级单位"), required=False, queryset=Department.objects.none(),
                                        empty_label=_("校级(不属于二级单位)"))

    def __init__(self, *args, actor=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if actor is None or role_of(actor) != Role.INSTITUTION:
            del self.fields["kind"], self.fields["department"]
        elif actor.department_id:
            # A department admin adds members and inventors to their own department.
            del self.fields["department"]
            self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != "admin"]
        else:
            self.fields["department"].queryset = Department.objects.editable_by(actor).order_by("name")
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
