from django import forms
from django.utils.translation import gettext_lazy as _

from ground.forms import BootstrapForm
from notifications.models import OrganizationRobot


class RobotForm(BootstrapForm):
    """A group robot's fields as typed; the rules (the address check included) are in
    notifications.services.add_robot."""

    service = forms.ChoiceField(label=_("类型"), choices=OrganizationRobot.Service.choices)
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如:技术转移中心工作群"))
    url = forms.CharField(label=_("Webhook 地址"), max_length=1000,
                          help_text=_("在群设置 → 群机器人中复制的完整地址,以 https:// 开头"))
    secret = forms.CharField(label=_("加签密钥(钉钉)"), max_length=200, required=False,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=_("钉钉机器人“安全设置”选择“加签”后显示的 SEC 开头的密钥;企业微信留空"))


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("同时发送邮件通知"), required=False)
