"""The form a province or the platform starts a match cycle with."""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Patent

MAX_NUMBERS = 5000


class CycleForm(forms.Form):
    application_numbers = forms.CharField(
        label=gettext_lazy("指定专利（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("组织对接推广：每行一个申请号，只推送这些专利；不填则在全部转化资源库中匹配。"),
        max_length=MAX_NUMBERS * 24,
    )

    def clean_application_numbers(self) -> list[int]:
        numbers = [n for n in re.split(r"[\s,，;；]+", self.cleaned_data["application_numbers"].strip()) if n]
        numbers = list(dict.fromkeys(n.upper() for n in numbers))
        if len(numbers) > MAX_NUMBERS:
            raise forms.ValidationError(_("一次最多指定 %(n)s 件专利。") % {"n": MAX_NUMBERS})
        if not numbers:
            return []
        found = dict(Patent.objects.filter(application_number__in=numbers).values_list("application_number", "pk"))
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(_("未找到这些申请号：%(numbers)s") % {"numbers": "、".join(missing[:20])})
        return [found[n] for n in numbers]
