"""Forms of the feedback pages. The rules live in evaluation.feedback.services; the forms only parse."""

from django import forms
from django.utils.translation import gettext_lazy

from evaluation.choices import FeedbackAction
from evaluation.feedback.services import NOTE_MAX
from ground.forms import BootstrapForm, SheetFileForm


class AnswerForm(BootstrapForm):
    action = forms.ChoiceField(label=gettext_lazy("答复方式"), choices=FeedbackAction.choices)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=gettext_lazy("计划改进时必填:改进的内容和时间;提议联合研发时会一并通知企业"))


class FeedbackUploadForm(SheetFileForm):
    file_label = gettext_lazy("评价反馈文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 4 节“评价反馈”;可先下载模板")
