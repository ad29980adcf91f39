"""Forms of the conversions pages: a conversion, an open-licence declaration, an upload. The rules
live in inventory.conversions.services and inventory.conversions.open_licences; the forms only parse
and show their messages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ground.forms import BootstrapForm, SheetFileForm
from inventory.choices import ConversionKind, LicenseType, PaymentMode
from inventory.conversions.open_licences import OPEN_PAYMENT_MODES
from inventory.models import Patent
from inventory.patents import InvalidPatentNumber, normalize_application_number

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
BLANK = [("", "---------")]


class PatentChoiceMixin:
    """The patent, by its application number, among those the user records conversions for."""

    user = None

    def clean_patent_number(self) -> Patent:
        raw = self.cleaned_data["patent_number"]
        try:
            number = normalize_application_number(raw)
        except InvalidPatentNumber as error:
            raise ValidationError(str(error)) from None
        patent = Patent.objects.editable_by(self.user, "record_conversion").filter(application_number=number).first()
        if patent is None:
            raise ValidationError(_("“%(value)s”不是本单位作为第一权利人、在存量专利基础库中的专利") % {"value": raw})
        return patent


class ConversionForm(PatentChoiceMixin, BootstrapForm):
    patent_number = forms.CharField(label=gettext_lazy("申请号"), max_length=40,
                                    help_text=gettext_lazy("本单位作为第一权利人的专利,如 CN202310123456.6"))
    kind = forms.ChoiceField(label=gettext_lazy("转化方式"), choices=ConversionKind.choices)
    license_type = forms.ChoiceField(label=gettext_lazy("许可方式"), choices=BLANK + LicenseType.choices,
                                     required=False, help_text=gettext_lazy("转化方式为“许可”时必填"))
    counterparty = forms.CharField(label=gettext_lazy("受让方或被许可方"), max_length=200, required=False)
    counterparty_credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18, required=False)
    amount = forms.DecimalField(label=gettext_lazy("合同金额(万元)"), max_digits=14, decimal_places=2,
                                required=False)
    payment_mode = forms.ChoiceField(label=gettext_lazy("支付方式"), choices=BLANK + PaymentMode.choices,
                                     required=False)
    effective_date = forms.DateField(label=gettext_lazy("合同生效日"), required=False, widget=DATE)
    registration_number = forms.CharField(label=gettext_lazy("登记或备案号"), max_length=64, required=False,
                                          help_text=gettext_lazy("转让登记号或许可合同备案号"))
    registration_date = forms.DateField(label=gettext_lazy("登记或备案日"), required=False, widget=DATE)
    license_end_date = forms.DateField(label=gettext_lazy("许可期限至"), required=False, widget=DATE)
    industrialised = forms.BooleanField(label=gettext_lazy("已产业化(批量生产、产品已上市)"), required=False)
    product_filing_number = forms.CharField(label=gettext_lazy("专利产品备案号"), max_length=64, required=False)
    product_filing_date = forms.DateField(label=gettext_lazy("专利产品备案日"), required=False, widget=DATE)

    def __init__(self, *args, user=None, fixed_patent: Patent | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if fixed_patent is not None:
            # Editing: the patent of a recorded conversion does not change.
            self.fields["patent_number"].disabled = True
            self.fields["patent_number"].initial = fixed_patent.application_number

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "patent_number"}


class OpenLicenceForm(PatentChoiceMixin, BootstrapForm):
    patent_number = forms.CharField(label=gettext_lazy("申请号"), max_length=40)
    fee_standard = forms.CharField(label=gettext_lazy("许可使用费标准"), max_length=500,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=gettext_lazy("如 一次性支付 10 万元;或 入门费 5 万元加净销售额的 3%"))
    payment_mode = forms.ChoiceField(label=gettext_lazy("支付方式"), choices=BLANK + [
        (value, label) for value, label in PaymentMode.choices if value in OPEN_PAYMENT_MODES])
    term_start = forms.DateField(label=gettext_lazy("许可期限起"), widget=DATE)
    term_end = forms.DateField(label=gettext_lazy("许可期限止"), widget=DATE,
                               help_text=gettext_lazy("至少一年,且不超过专利权期限届满日"))
    evaluation_report_number = forms.CharField(label=gettext_lazy("专利权评价报告编号"), max_length=64,
                                               required=False,
                                               help_text=gettext_lazy("实用新型和外观设计专利必填"))

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "patent_number"}


class ConversionUploadForm(SheetFileForm):
    file_label = gettext_lazy("转化实施情况文件")
    file_help = gettext_lazy("Excel(.xlsx)或 CSV 文件,格式见数据标准第 4 节“转化实施情况”;可先下载模板")
