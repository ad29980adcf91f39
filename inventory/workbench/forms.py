"""The per-patent page's in-place edit forms: the assessment fields in their groups
(inventory.records.display.GROUPS), each group a form built from the record's own model fields
(labels and choices from inventory.choices)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from inventory.choices import TECHNOLOGY_READINESS, Intent
from inventory.library import MIN_SCENARIO_CHARS, SCENARIO_HELP
from inventory.models import InventoryRecord
from inventory.records import GROUPS, INVENTOR_FIELDS

MATURITY_CHOICES = [("", "---------")] + [
    (str(level), format_lazy("{} {}", level, name)) for level, name in TECHNOLOGY_READINESS.items()
]
# static/js/forms.js counts the characters typed against the listing rule's minimum.
SCENARIO_ATTRS = {"rows": 3, "data-pn-min-chars": MIN_SCENARIO_CHARS}
YES_NO_CHOICES = [("", "---------"), ("true", _("是")), ("false", _("否"))]


def _field(name: str) -> forms.Field:
    model_field = InventoryRecord._meta.get_field(name)
    label = model_field.verbose_name
    if name == "intents":
        return forms.MultipleChoiceField(label=label, required=False, choices=Intent.choices,
                                         widget=forms.CheckboxSelectMultiple)
    if name == "maturity":
        return forms.TypedChoiceField(label=label, required=False, choices=MATURITY_CHOICES, coerce=int,
                                      empty_value=None)
    if name == "is_financially_funded":
        return forms.TypedChoiceField(label=label, required=False, choices=YES_NO_CHOICES,
                                      coerce=lambda v: v == "true", empty_value=None)
    if name == "scenarios":
        return forms.CharField(label=label, required=False, max_length=model_field.max_length,
                               help_text=SCENARIO_HELP, widget=forms.Textarea(attrs=SCENARIO_ATTRS))
    if name == "remarks":
        return forms.CharField(label=label, required=False, max_length=model_field.max_length,
                               widget=forms.Textarea(attrs={"rows": 3}))
    field = model_field.formfield(required=False)
    return field


class AssessmentGroupForm(forms.Form):
    """One group of assessment fields; `values()` gives what `update_assessment` takes, `version`
    (hidden) the record's version the form was read at. For an inventor (`inventor`), the staff's
    fields are shown but disabled: only the self-assessment fields (INVENTOR_FIELDS) can change."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, group: str, record: InventoryRecord, data=None, *, inventor: bool = False) -> None:
        self.group = group
        self._record, self._inventor = record, inventor
        self.heading, self.field_names = GROUPS[group]
        initial = {}
        for name in self.field_names:
            value = getattr(record, name)
            if name == "is_financially_funded":
                value = "" if value is None else ("true" if value else "false")
            initial[name] = value
        initial["version"] = record.version
        super().__init__(data=data, initial=initial, prefix=group)
        for name in self.field_names:
            self.fields[name] = _field(name)
            widget = self.fields[name].widget
            if not isinstance(widget, forms.CheckboxSelectMultiple):
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs.setdefault("class", f"{css} {css}-sm")
            if inventor and name not in INVENTOR_FIELDS:
                self.fields[name].disabled = True

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("version"):  # shown above the form: a hidden field's own error would not be
            raise forms.ValidationError(_("表单缺少版本号(可能已过期):请刷新页面后重新编辑"))
        return cleaned

    def with_version(self, version: int) -> "AssessmentGroupForm":
        """The same input, bound again at `version`: what the writer sees after a refusal, so that
        submitting it again (having read what changed) saves it over the current values."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        return type(self)(self.group, self._record, data=data, inventor=self._inventor)

    def values(self) -> dict[str, object]:
        cleaned = {}
        for name in self.field_names:
            value = self.cleaned_data.get(name)
            if name == "intents":
                value = list(value or [])
            elif value is None and name not in ("maturity", "is_financially_funded", "asking_price"):
                value = ""
            cleaned[name] = value
        return cleaned
