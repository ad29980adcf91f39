"""The figures of one quarter for every scope, in set-based SQL.

Every figure is additive over institutions (a patent, its conversions, evaluations and pushes
belong to exactly one institution: its first institution patentee), so the database counts per
institution in one grouped query per source table (records, conversions, evaluations, pushes,
and the library's breakdowns), and the provinces, ministries and the nation are sums of their
institutions' rows. No query runs per institution or per patent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q

from accounts.models import Organization, Province
from evaluation.models import Evaluation
from inventory.models import Conversion, InventoryRecord
from matching.models import Push
from reporting.statistics.predicates import (
    conversion_predicates,
    evaluation_predicates,
    push_predicates,
    record_predicates,
)
from reporting.statistics.quarters import Quarter

COUNT_FIELDS = (
    "in_scope", "inventoried", "in_library", "transfers", "licences", "open_licences", "valid", "implemented",
    "self_reported", "industrialised", "product_filings", "sleeping", "enterprise_evaluations",
    "expert_evaluations", "pushes", "pushes_viewed", "pushes_interested",
)
NO_VALUE = "none"  # the breakdowns' key for a record without the value (no intent, no industry, no maturity)


@dataclass
class Figures:
    """The counts and breakdowns of one scope; added together to roll scopes up."""

    counts: Counter = field(default_factory=Counter)
    breakdown: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, other: Figures) -> None:
        self.counts.update(other.counts)
        for name, counter in other.breakdown.items():
            self.breakdown[name].update(counter)

    def row(self) -> dict:
        values = {name: int(self.counts.get(name, 0)) for name in COUNT_FIELDS}
        values["breakdown"] = {name: dict(sorted(counter.items())) for name, counter in sorted(self.breakdown.items())
                               if counter}
        return values


def _grouped(queryset, key: str, predicates: dict[str, Q]) -> Iterable[dict]:
    return queryset.values(key).order_by().annotate(**{name: Count("pk", filter=q) for name, q in predicates.items()})


def by_institution(quarter: Quarter) -> dict[int, Figures]:
    """Each institution's figures for the quarter (institutions without any data are absent)."""
    figures: dict[int, Figures] = defaultdict(Figures)

    def collect(rows: Iterable[dict], key: str) -> None:
        for row in rows:
            owner = row.pop(key)
            if owner is not None:
                figures[owner].counts.update({name: value for name, value in row.items() if value})

    records = record_predicates(quarter)
    valid = records["valid"]
    record_counts = {name: q for name, q in records.items() if name not in ("in_scope", "valid")}
    rows = InventoryRecord.objects.filter(valid).values("institution_id").order_by().annotate(
        valid=Count("pk"), **{name: Count("pk", filter=q) for name, q in record_counts.items()})
    for row in rows:
        row["in_scope"] = row["valid"]
    collect(rows, "institution_id")

    conversions = conversion_predicates(quarter)
    relevant = conversions["transfers"] | conversions["licences"] | conversions["product_filings"]
    collect(_grouped(Conversion.objects.filter(relevant), "institution_id", conversions), "institution_id")

    evaluations = evaluation_predicates(quarter)
    submitted = evaluations["enterprise_evaluations"] | evaluations["expert_evaluations"]
    collect(_grouped(Evaluation.objects.filter(submitted), "owner_id", evaluations), "owner_id")

    pushes = push_predicates(quarter)
    collect(_grouped(Push.objects.filter(pushes["pushes"]), "institution_id", pushes), "institution_id")

    _library_breakdowns(records["in_library"], figures)
    reasons = (Evaluation.objects.filter(submitted).exclude(reasons=[]).values("owner_id", "reasons")
               .order_by().annotate(n=Count("pk")))
    for row in reasons:
        for reason in row["reasons"] or []:
            figures[row["owner_id"]].breakdown["reasons"][str(reason)] += row["n"]
    return figures


def _library_breakdowns(in_library: Q, figures: dict[int, Figures]) -> None:
    """The library by intent, industry sector (first level of §5's codes) and maturity, in one
    grouped scan of the library's records: grouped on the stored lists, whose distinct combinations
    are few, then split per value here."""
    rows = (InventoryRecord.objects.filter(in_library).values("institution_id", "intents", "industry_codes", "maturity")
            .order_by().annotate(n=Count("pk")))
    for row in rows:
        breakdown, n = figures[row["institution_id"]].breakdown, row["n"]
        for intent in row["intents"] or [NO_VALUE]:
            breakdown["library_by_intent"][str(intent)] += n
        for sector in {str(code).split(".")[0] for code in row["industry_codes"] or []} or {NO_VALUE}:
            breakdown["library_by_industry"][sector] += n
        maturity = row["maturity"]
        breakdown["library_by_maturity"][str(maturity) if maturity is not None else NO_VALUE] += n


@dataclass(frozen=True)
class ScopeRow:
    scope: str
    province_id: str | None
    organization_id: int | None
    ministry_id: int | None
    values: dict


def every_scope(quarter: Quarter) -> list[ScopeRow]:
    """One row per institution, ministry, province (all of them, zeros included) and the nation."""
    per_institution = by_institution(quarter)
    institutions = Organization.objects.filter(kind=Organization.Kind.INSTITUTION).values_list(
        "pk", "province_id", "supervisor_id", "supervisor__kind")
    ministries = {pk: Figures() for pk in Organization.objects.filter(kind=Organization.Kind.MINISTRY)
                  .values_list("pk", flat=True)}
    provinces = {code: Figures() for code in Province.objects.values_list("code", flat=True)}
    nation = Figures()
    rows = []
    for pk, province, supervisor, supervisor_kind in institutions:
        own = per_institution.get(pk, Figures())
        ministry = supervisor if supervisor_kind == Organization.Kind.MINISTRY else None
        rows.append(ScopeRow("institution", province, pk, ministry, own.row()))
        nation.add(own)
        if province in provinces:
            provinces[province].add(own)
        if ministry in ministries:
            ministries[ministry].add(own)
    rows += [ScopeRow("ministry", None, pk, None, figures.row()) for pk, figures in ministries.items()]
    rows += [ScopeRow("province", code, None, None, figures.row()) for code, figures in provinces.items()]
    rows.append(ScopeRow("national", None, None, None, nation.row()))
    return rows
