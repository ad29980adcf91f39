"""From a number to its list: the patents, conversions, evaluations or pushes behind one figure of
one scope, with the same predicate the computation counted (reporting.statistics.predicates), in
the viewer's scope. A published figure is frozen while the data moves on: the list is today's data
under the quarter's definition, and the page says how many rows it finds beside the frozen number.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from evaluation.models import Evaluation
from inventory.models import Conversion, InventoryRecord, Patent
from matching.models import Push
from reporting.statistics.definitions import BY_KEY, COUNTS
from reporting.statistics.models import QuarterlyStat, ScopeKind
from reporting.statistics.predicates import (
    conversion_predicates,
    evaluation_predicates,
    push_predicates,
    record_predicates,
)
from reporting.statistics.quarters import Quarter


def _scope(stat: QuarterlyStat, owner: str) -> Q:
    """The stat's scope over a model whose `owner` field is the institution the rows belong to."""
    if stat.scope == ScopeKind.INSTITUTION:
        return Q(**{f"{owner}_id": stat.organization_id})
    if stat.scope == ScopeKind.PROVINCE:
        return Q(**{f"{owner}__province_id": stat.province_id, f"{owner}__kind": "institution"})
    if stat.scope == ScopeKind.MINISTRY:
        return Q(**{f"{owner}__supervisor_id": stat.organization_id, f"{owner}__kind": "institution"})
    return Q(**{f"{owner}__kind": "institution"})


def traceable(figure: str) -> bool:
    return figure in COUNTS


def trace(stat: QuarterlyStat, figure: str, user: User) -> tuple[str, QuerySet]:
    """(what the rows are: "patent" | "conversion" | "evaluation" | "push", the rows) behind
    `figure` of `stat`, limited to what `user` may read. Http404 for a figure that is not a count."""
    if not traceable(figure):
        raise Http404
    quarter = Quarter.parse(stat.run.quarter)
    kind = BY_KEY[figure].lists
    if kind == "patent":
        q = record_predicates(quarter)[figure] & _scope(stat, "institution")
        rows = (InventoryRecord.objects.filter(q)
                .filter(patent_id__in=Patent.objects.visible_to(user, "own").values("pk"))
                .select_related("patent", "institution").order_by("institution_id", "patent__application_number"))
        return kind, rows
    if kind == "conversion":
        q = conversion_predicates(quarter)[figure] & _scope(stat, "institution")
        return kind, (Conversion.objects.visible_to(user).filter(q).select_related("patent", "institution")
                      .order_by("registration_date", "product_filing_date", "pk"))
    if kind == "evaluation":
        q = evaluation_predicates(quarter)[figure] & _scope(stat, "owner")
        return kind, (Evaluation.objects.visible_to(user).filter(q).select_related("patent", "owner")
                      .order_by("submitted_at", "pk"))
    q = push_predicates(quarter)[figure] & _scope(stat, "institution")
    return kind, Push.objects.visible_to(user).filter(q).select_related("patent", "institution").order_by(
        "created_at", "pk")
