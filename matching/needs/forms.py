"""Forms of the profile and needs pages. The rules live in matching.needs.services; the forms only
parse and show their messages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from accounts.models import Province
from ground.forms import BootstrapForm, SheetFileForm
from ground.sheets.cells import split_list
from inventory.classification.models import Industry
from matching.choices import BudgetBand, CooperationMode
from matching.needs import services

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def industry_choices() -> list[tuple[str, str]]:
    return [(i.code, f"{i.code} {i.name}") for i in Industry.objects.order_by("code")]


def province_choices() -> list[tuple[str, str]]:
    return list(Province.objects.order_by("code").values_list("code", "name"))


class ListField(forms.CharField):
    """A list typed in one box, separated by “;”“、” or “,”."""

    def prepare_value(self, value):
        return "; ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        return split_list(super().to_python(value) or "")


class IpcField(ListField):
    def to_python(self, value) -> list[str]:
        items = super().to_python(value)
        try:
            return services.ipc_prefixes(items)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ProfileForm(BootstrapForm):
    industry_codes = forms.MultipleChoiceField(label=gettext_lazy("关注产业"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 8}),
                                               help_text=gettext_lazy("战略性新兴产业分类,可多选"))
    ipc_prefixes = IpcField(label=gettext_lazy("技术领域(IPC)"), required=False, max_length=1000,
                            help_text=gettext_lazy("IPC 分类号或前缀,多个用“;”分隔,如 H01M; G06F 16/30"))
    province_codes = forms.MultipleChoiceField(label=gettext_lazy("优先地区"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 8}),
                                               help_text=gettext_lazy("优先推送这些省份高校院所的专利,可多选"))
    modes = forms.MultipleChoiceField(label=gettext_lazy("可接受的合作方式"), required=False,
                                      choices=CooperationMode.choices, widget=forms.CheckboxSelectMultiple)
    budget_band = forms.ChoiceField(label=gettext_lazy("预算区间"), required=False, choices=BudgetBand.choices)
    allow_direct_contact = forms.BooleanField(label=gettext_lazy("允许高校院所直接联系本企业"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry_codes"].choices = industry_choices()
        self.fields["province_codes"].choices = province_choices()
        self.fields["modes"].widget.attrs["class"] = "form-check-input"


class NeedForm(BootstrapForm):
    enterprise = forms.ModelChoiceField(label=gettext_lazy("企业"), queryset=None)
    title = forms.CharField(label=gettext_lazy("需求名称"), max_length=200)
    description = forms.CharField(label=gettext_lazy("需求描述"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=gettext_lazy("至少 20 个字:要解决的技术问题、应用场景和指标"))
    keywords = ListField(label=gettext_lazy("关键词"), required=False, max_length=1000,
                         help_text=gettext_lazy("多个用“;”“、”或“,”分隔"))
    industry_codes = forms.MultipleChoiceField(label=gettext_lazy("所属产业"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 6}))
    ipc_prefixes = IpcField(label=gettext_lazy("技术领域(IPC)"), required=False, max_length=1000,
                            help_text=gettext_lazy("IPC 分类号或前缀,多个用“;”分隔,如 H01M; G06F 16/30"))
    modes = forms.MultipleChoiceField(label=gettext_lazy("期望合作方式"), required=False,
                                      choices=CooperationMode.choices, widget=forms.CheckboxSelectMultiple)
    budget = forms.DecimalField(label=gettext_lazy("预算(万元)"), required=False, min_value=0, max_digits=14,
                                decimal_places=2)
    deadline = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=DATE)
    contact_name = forms.CharField(label=gettext_lazy("联系人"), required=False, max_length=64)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=32)
    allow_direct_contact = forms.BooleanField(label=gettext_lazy("允许高校院所直接联系"), required=False)

    def __init__(self, *args, user=None, fixed_enterprise=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry_codes"].choices = industry_choices()
        self.fields["modes"].widget.attrs["class"] = "form-check-input"
        if fixed_enterprise is not None:
            del self.fields["enterprise"]
        else:
            self.fields["enterprise"].queryset = services.enterprises_for(user).order_by("name")

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in services.NEED_FIELDS}


class NeedsUploadForm(SheetFileForm):
    file_label = gettext_lazy("企业技术需求文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 4 节“企业技术需求”;可先下载模板")

