"""Each figure of DATA-STANDARD.md §8 as one predicate, used alike by the computation (a filtered
count per scope, reporting.statistics.compute) and by the trace from a number to its list
(reporting.statistics.trace): the list behind a figure is, by construction, what was counted.

Dates are local calendar days (Asia/Shanghai); a timestamp is "by D" when it falls before the
start of the day after D.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from evaluation.choices import EvaluationStatus, EvaluatorKind
from inventory.choices import ConversionKind, ImplementationStatus, InventoryStatus, LicenseType
from inventory.models import Conversion
from inventory.records import in_scope
from matching.choices import PushStatus
from reporting.statistics.quarters import Quarter

DECLARED_IMPLEMENTED = [status for status in ImplementationStatus.values if status != ImplementationStatus.NONE]
# Kinds that implement a patent from their effective date on, whatever their term.
IMPLEMENTING_KINDS = [ConversionKind.SELF, ConversionKind.TRANSFER, ConversionKind.EQUITY]


def day_after(day: datetime.date) -> datetime.datetime:
    """The first instant of the day after `day`, in the site's time zone: "by D" is "before this"."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def in_quarter(field: str, quarter: Quarter, *, moment: bool) -> Q:
    """`field` falls in the quarter: a date from its first day to D, or a timestamp in those days."""
    if moment:
        start = timezone.make_aware(datetime.datetime.combine(quarter.start, datetime.time()))
        return Q(**{f"{field}__gte": start, f"{field}__lt": day_after(quarter.end)})
    return Q(**{f"{field}__gte": quarter.start, f"{field}__lte": quarter.end})


def five_years_before(day: datetime.date) -> datetime.date:
    """The same day and month five years earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 5)
    except ValueError:
        return day.replace(year=day.year - 5, day=28)


def implementing(end: datetime.date) -> QuerySet[Conversion]:
    """Conversions that make their patent implemented at D."""
    effective = Q(effective_date__lte=end)
    licence_running = Q(kind=ConversionKind.LICENSE) & (Q(license_end_date__isnull=True)
                                                       | Q(license_end_date__gte=end))
    return Conversion.objects.filter(effective & (Q(kind__in=IMPLEMENTING_KINDS) | licence_running
                                                  | Q(industrialised=True)))


def industrialising(end: datetime.date) -> QuerySet[Conversion]:
    return Conversion.objects.filter(industrialised=True, effective_date__lte=end)


def record_predicates(quarter: Quarter) -> dict[str, Q]:
    """Predicates over InventoryRecord (one record per patent, `institution` its scope) at D."""
    end = quarter.end
    valid = in_scope(end)
    implemented = Q(patent_id__in=implementing(end).values("patent_id"))
    funded = ~Q(patent__funding_project_number="") | Q(is_financially_funded=True)
    return {
        "in_scope": valid,
        "valid": valid,
        "inventoried": valid & Q(status=InventoryStatus.INVENTORIED)
        & (Q(inventoried_at__lt=day_after(end)) | Q(inventoried_at__isnull=True)),
        "in_library": valid & Q(in_library=True),
        "implemented": valid & implemented,
        "self_reported": valid & Q(implementation_status__in=DECLARED_IMPLEMENTED) & ~implemented,
        "industrialised": valid & Q(patent_id__in=industrialising(end).values("patent_id")),
        "sleeping": valid & funded & Q(patent__grant_date__lte=five_years_before(end)) & ~implemented,
    }


def conversion_predicates(quarter: Quarter) -> dict[str, Q]:
    """Predicates over Conversion (`institution` its scope) for the quarter's filings."""
    registered = in_quarter("registration_date", quarter, moment=False)
    return {
        "transfers": registered & Q(kind=ConversionKind.TRANSFER),
        "licences": registered & Q(kind=ConversionKind.LICENSE),
        "open_licences": registered & Q(kind=ConversionKind.LICENSE, license_type=LicenseType.OPEN),
        "product_filings": in_quarter("product_filing_date", quarter, moment=False),
    }


def evaluation_predicates(quarter: Quarter) -> dict[str, Q]:
    """Predicates over Evaluation (`owner` its scope): submitted in the quarter and not withdrawn."""
    submitted = Q(status=EvaluationStatus.SUBMITTED) & in_quarter("submitted_at", quarter, moment=True)
    return {
        "enterprise_evaluations": submitted & Q(evaluator_kind=EvaluatorKind.ENTERPRISE),
        "expert_evaluations": submitted & Q(evaluator_kind=EvaluatorKind.EXPERT),
    }


def push_predicates(quarter: Quarter) -> dict[str, Q]:
    """Predicates over Push (`institution` its scope): made in the quarter, viewed or answered with
    interest by D."""
    made = in_quarter("created_at", quarter, moment=True)
    by_end = day_after(quarter.end)
    return {
        "pushes": made,
        "pushes_viewed": made & Q(viewed_at__lt=by_end),
        "pushes_interested": made & Q(status=PushStatus.INTERESTED, answered_at__lt=by_end),
    }
