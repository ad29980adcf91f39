"""The form asking for a progress report: a quarter (one with statistics) and a format."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.reports.models import ReportKind


class ReportRequestForm(forms.Form):
    # Free text checked by the service (a quarter that exists, has ended and has a run): the page
    # offers the quarters with statistics, the API and a hand-made request may send anything.
    quarter = forms.CharField(label=_("季度"), max_length=20)
    kind = forms.ChoiceField(label=_("报告类型"), choices=ReportKind.choices)
