"""Forms of the province feeds' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class EndpointForm(forms.Form):
    url = forms.CharField(label=_("推送地址"), max_length=500, required=False,
                          help_text=_("https:// 开头的公网地址,平台向此地址推送签名的批次"))
    enabled = forms.BooleanField(label=_("启用推送"), required=False)


class ContactsForm(forms.Form):
    purpose_needs_contacts = forms.BooleanField(label=_("用途需要联系人的电话和邮箱"), required=False)
