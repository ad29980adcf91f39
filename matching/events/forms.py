"""Forms of the events pages. The rules live in matching.events.services; the forms parse and
show their messages."""

from django import forms
from django.utils.translation import gettext_lazy

from ground.forms import BootstrapForm
from inventory.models import Industry
from matching.events.models import EventPatent, MatchEvent
from matching.events.services import MAX_ATTENDEES

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def industry_choices() -> list[tuple[str, str]]:
    return [(i.code, f"{i.code} {i.name}") for i in Industry.objects.order_by("code")]


class EventForm(BootstrapForm):
    title = forms.CharField(label=gettext_lazy("活动名称"), max_length=200)
    mode = forms.ChoiceField(label=gettext_lazy("形式"), choices=MatchEvent.Mode.choices)
    venue = forms.CharField(label=gettext_lazy("地点或链接"), max_length=300,
                            help_text=gettext_lazy("线下活动填写地点;线上活动填写参会链接(https://…)"))
    starts_at = forms.DateTimeField(label=gettext_lazy("活动时间"), widget=DATETIME,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    registration_deadline = forms.DateTimeField(
        label=gettext_lazy("报名截止"), widget=DATETIME, help_text=gettext_lazy("应早于活动开始时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    industry_codes = forms.MultipleChoiceField(label=gettext_lazy("所属产业"), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 8}))
    description = forms.CharField(label=gettext_lazy("活动介绍"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry_codes"].choices = industry_choices()


class RegistrationForm(BootstrapForm):
    attendees = forms.IntegerField(label=gettext_lazy("参会人数"), min_value=1, max_value=MAX_ATTENDEES, initial=1)


class OutcomeForm(BootstrapForm):
    outcome = forms.ChoiceField(label=gettext_lazy("对接结果"), choices=EventPatent.Outcome.choices, required=False)
    enterprise = forms.IntegerField(label=gettext_lazy("对接企业"), required=False, min_value=1)
    conversion = forms.IntegerField(label=gettext_lazy("转化记录"), required=False, min_value=1)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=500, required=False)
