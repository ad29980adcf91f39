"""Forms of the expert library's pages. The rules live in evaluation.experts.services; the forms
only parse and show their messages."""

from django import forms
from django.utils.translation import gettext_lazy

from ground.forms import BootstrapForm, SheetFileForm
from matching.needs.forms import DATE, IpcField, industry_choices

IPC_HELP = gettext_lazy("IPC 分类号或前缀,多个用“;”分隔,如 G06V; G06T 7")
INDUSTRY_HELP = gettext_lazy("战略性新兴产业分类,可多选;所属产业和专业领域至少填一项")


class RecommendForm(BootstrapForm):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    employer_name = forms.CharField(label=gettext_lazy("工作单位"), max_length=200)
    employer_credit_code = forms.CharField(
        label=gettext_lazy("工作单位统一社会信用代码"), required=False, max_length=40,
        help_text=gettext_lazy("可不填;填写时平台据此识别工作单位(利益冲突按单位判断)"))
    title = forms.CharField(label=gettext_lazy("职称"), required=False, max_length=64)
    industry_codes = forms.MultipleChoiceField(label=gettext_lazy("所属产业"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 8}), help_text=INDUSTRY_HELP)
    ipc_prefixes = IpcField(label=gettext_lazy("专业领域(IPC)"), required=False, max_length=1000, help_text=IPC_HELP)
    phone = forms.CharField(label=gettext_lazy("手机"), max_length=32,
                            help_text=gettext_lazy("11 位手机号;专家以手机号识别,入库后作为登录用户名"))
    email = forms.CharField(label=gettext_lazy("邮箱"), required=False, max_length=254)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry_codes"].choices = industry_choices()


class RejectForm(BootstrapForm):
    reason = forms.CharField(label=gettext_lazy("不通过的理由"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AffiliationsField(forms.CharField):
    """One organisation a line: its name, then optionally “,” and its credit code."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{item['name']},{item['credit_code']}" if item.get("credit_code") else item["name"]
                             for item in value)
        return value

    def to_python(self, value) -> list[dict[str, str]]:
        items = []
        for line in (super().to_python(value) or "").splitlines():
            line = line.replace(",", ",").strip()
            if not line:
                continue
            name, _comma, code = line.rpartition(",") if "," in line else (line, "", "")
            items.append({"name": name.strip(), "credit_code": code.strip()})
        return items


class ProfileForm(BootstrapForm):
    industry_codes = forms.MultipleChoiceField(label=gettext_lazy("所属产业"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 8}), help_text=INDUSTRY_HELP)
    ipc_prefixes = IpcField(label=gettext_lazy("专业领域(IPC)"), required=False, max_length=1000, help_text=IPC_HELP)
    affiliations = AffiliationsField(
        label=gettext_lazy("其他任职单位"), required=False, max_length=5000,
        help_text=gettext_lazy("每行一个单位:单位名称,统一社会信用代码(代码可不填)"))
    declared_conflicts = forms.CharField(
        label=gettext_lazy("已知利益冲突"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("如近五年的合作单位、亲属任职的企业等;分配评价任务前会提醒您回避"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry_codes"].choices = industry_choices()


class UnavailabilityForm(BootstrapForm):
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)


class ExpertsUploadForm(SheetFileForm):
    file_label = gettext_lazy("专家推荐文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 4 节“专家推荐”;可先下载模板")
