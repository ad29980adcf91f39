"""Filters of the API whose values never reach the database unchecked: an integer is bounded, a
year lies within what a date can hold. A value out of range is refused (400) with a Chinese
message naming the parameter, never turned into a database error (500).

Every API filterset derives from `BoundedFilterSet`: the filters it generates for integer columns
and year lookups are these; declared ones use `IntegerFilter` and `YearFilter` directly.
"""

import datetime

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class BoundedIntegerField(forms.IntegerField):
    """An integer within [min_value, max_value], the signed 64-bit range unless narrower."""

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs) -> None:
        super().__init__(min_value=BIGINT_MIN if min_value is None else min_value,
                         max_value=BIGINT_MAX if max_value is None else max_value, **kwargs)


class YearField(BoundedIntegerField):
    default_error_messages = {
        "invalid": _("年份须为 1 至 9999 之间的整数"),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=datetime.MINYEAR, max_value=datetime.MAXYEAR, **kwargs)
        self.error_messages["min_value"] = self.error_messages["max_value"] = self.error_messages["invalid"]


class IntegerFilter(django_filters.NumberFilter):
    """An integer filter; `min_value` / `max_value` narrow the 64-bit range."""

    field_class = BoundedIntegerField


class YearFilter(django_filters.NumberFilter):
    """The year of a date or datetime column (lookup `year` unless given), from 1 to 9999."""

    field_class = YearField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("lookup_expr", "year")
        super().__init__(*args, **kwargs)


_INTEGER_COLUMNS = (
    models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField, models.BigIntegerField,
    models.SmallIntegerField, models.PositiveIntegerField, models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
_YEAR_LOOKUPS = {"year", "iso_year"}


class BoundedFilterSet(django_filters.FilterSet):
    """A FilterSet whose generated filters are bounded: integer columns get `IntegerFilter`, year
    lookups `YearFilter`."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        **{column: {"filter_class": IntegerFilter} for column in _INTEGER_COLUMNS},
    }

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if lookup_type in _YEAR_LOOKUPS:
            return YearFilter, {}
        return super().filter_for_lookup(field, lookup_type)
