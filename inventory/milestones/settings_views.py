"""The platform edits the national milestones (DATA-STANDARD.md §7: data, not code)."""

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record
from accounts.decorators import role_required
from accounts.roles import Role
from ground.forms import bootstrap
from inventory.models import Milestone
from inventory.records import jsonable


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "applies_to", "deadline", "days_after_grant", "granted_until", "granted_after",
                  "target_percent", "is_active"]
        widgets = {name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for name in ("deadline", "granted_until", "granted_after")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self, small=True)

    def clean_target_percent(self) -> int:
        value = self.cleaned_data["target_percent"]
        if not 1 <= value <= 100:
            raise forms.ValidationError(gettext_lazy("目标比例须在 1–100 之间"))
        return value

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("deadline")) == bool(data.get("days_after_grant")):
            raise forms.ValidationError(gettext_lazy("截止日期与“授权后天数”须且只能填写一项"))
        return data


class MilestoneRows(forms.BaseModelFormSet):
    """One table row per milestone: the formset's own "删除" box is named like the other cells."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        bootstrap(form, small=True)


MilestoneFormSet = forms.modelformset_factory(Milestone, form=MilestoneForm, formset=MilestoneRows, extra=1,
                                             can_delete=True)


def _snapshot() -> list[dict]:
    return [{key: jsonable(value) for key, value in row.items()} for row in Milestone.objects.values()]


@role_required(Role.OPERATOR)
def milestone_settings(request: HttpRequest) -> HttpResponse:
    formset = MilestoneFormSet(request.POST or None, queryset=Milestone.objects.order_by("deadline", "id"))
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            before = _snapshot()
            formset.save()
            record("inventory.milestones_update", request=request, before={"milestones": before},
                   after={"milestones": _snapshot()})
        from django.contrib import messages

        messages.success(request, _("盘点里程碑已保存"))
        return redirect("inventory:milestone_settings")
    return render(request, "inventory/milestones/milestones_settings.html", {"formset": formset})
