"""Filters of the inventory API. Every choice that names an organisation is scoped: an id outside
the user's scope is refused (400), never silently dropped."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from ground.filters import BoundedFilterSet, IntegerFilter, YearFilter
from inventory.choices import (
    ImplementationStatus,
    InventoryStatus,
    LegalStatus,
    PatentType,
    Prospect,
    Screening,
    ValueGrade,
)
from inventory.models import ImportBatch, InventoryRecord, Patent
from inventory.patents import normalize_ipc_prefix


def _institutions(request):
    if request is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(request.user).filter(kind=Organization.Kind.INSTITUTION)


class PatentFilterSet(BoundedFilterSet):
    type = django_filters.ChoiceFilter(field_name="patent_type", choices=PatentType.choices, label=_("专利类型"))
    legal_status = django_filters.ChoiceFilter(choices=LegalStatus.choices, label=_("法律状态"))
    grant_year = YearFilter(field_name="grant_date", label=_("授权年份"))
    ipc = django_filters.CharFilter(method="filter_ipc", label=_("主分类号前缀,如 G06F 或 G06F 16"))
    inventory_status = django_filters.ChoiceFilter(
        field_name="inventory__status", choices=InventoryStatus.choices, label=_("盘点状态")
    )
    in_library = django_filters.BooleanFilter(field_name="inventory__in_library", label=_("已入库"))
    is_sleeping = django_filters.BooleanFilter(label=_("沉睡专利"))

    class Meta:
        model = Patent
        fields = ["type", "legal_status", "grant_year", "ipc", "inventory_status", "in_library", "is_sleeping"]

    def filter_ipc(self, queryset, name, value):
        return queryset.filter(main_ipc__startswith=normalize_ipc_prefix(value)) if value else queryset


class InventoryRecordFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=InventoryStatus.choices, label=_("盘点状态"))
    in_library = django_filters.BooleanFilter(label=_("已入库"))
    screening = django_filters.ChoiceFilter(choices=Screening.choices, label=_("是否入库"))
    implementation_status = django_filters.ChoiceFilter(choices=ImplementationStatus.choices, label=_("实施状态"))
    prospect = django_filters.ChoiceFilter(choices=Prospect.choices, label=_("产业化前景"))
    value_grade = django_filters.ChoiceFilter(choices=ValueGrade.choices, label=_("价值分级自评"))
    maturity = IntegerFilter(min_value=1, max_value=9, label=_("技术成熟度"))
    maturity_min = IntegerFilter(field_name="maturity", lookup_expr="gte", min_value=1, max_value=9,
                                 label=_("技术成熟度不低于"))
    institution = django_filters.ModelChoiceFilter(queryset=_institutions, label=_("盘点单位"))
    application_number = django_filters.CharFilter(field_name="patent__application_number", label=_("申请号"))

    class Meta:
        model = InventoryRecord
        fields = ["status", "in_library", "screening", "implementation_status", "prospect", "value_grade",
                  "maturity", "maturity_min", "institution", "application_number"]


class ImportBatchFilterSet(BoundedFilterSet):
    kind = django_filters.ChoiceFilter(choices=ImportBatch.Kind.choices, label=_("类型"))
    status = django_filters.ChoiceFilter(choices=ImportBatch.Status.choices, label=_("状态"))

    class Meta:
        model = ImportBatch
        fields = ["kind", "status"]
