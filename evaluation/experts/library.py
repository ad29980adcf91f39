"""The library's search (专家库检索): the approved experts a user may see, searched by name or
employer, industry, IPC prefix, recommending province and availability today, each annotated with
their past load and on-time rate in the same query (no query per expert).

Load is the count of the expert's assignments, every status. The on-time rate is the share of the
assignments that were due (submitted, or past their due date without being recused or declined)
which were submitted on or before their due date; None when none was due yet (shown "—").
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from evaluation.choices import AssignmentStatus
from evaluation.experts.models import Expert, ExpertQuerySet, Unavailability
from matching.needs.services import ipc_prefix

MAX_QUERY = 50


@dataclass(frozen=True)
class LibraryQuery:
    text: str = ""
    industry: str = ""
    ipc: str = ""
    province: str = ""
    available: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "LibraryQuery":
        return cls(text=(params.get("q") or "").strip()[:MAX_QUERY],
                   industry=(params.get("industry") or "").strip()[:8],
                   ipc=(params.get("ipc") or "").strip()[:32],
                   province=(params.get("province") or "").strip()[:6],
                   available=(params.get("available") or "") in ("1", "true", "on"))

    def is_empty(self) -> bool:
        return not (self.text or self.industry or self.ipc or self.province or self.available)


def ipc_ancestors(prefix: str) -> list[str]:
    """`G06F 16/30` → G, G06, G06F, G06F 16, G06F 16/30: the specialties that cover it."""
    found = [prefix[:1], prefix[:3], prefix[:4]]
    head, _space, tail = prefix.partition(" ")
    if tail:
        group = tail.partition("/")[0]
        found.append(f"{head} {group}")
        if "/" in tail:
            found.append(prefix)
    return [p for p in dict.fromkeys(found) if p and len(p) <= len(prefix)]


def _ipc_filter(text: str) -> Q:
    """An expert qualifies for an IPC prefix when one of their specialties covers it (G06F covers
    G06F 16/30) or lies under it (G06 finds G06F 16). Specialties are a JSON list: matched as
    quoted text, the same on PostgreSQL and SQLite."""
    try:
        prefix = ipc_prefix(text)
    except ValueError:
        return Q(pk__in=[])
    condition = Q(ipc_prefixes__icontains=f'"{prefix}')
    for ancestor in ipc_ancestors(prefix):
        condition |= Q(ipc_prefixes__icontains=f'"{ancestor}"')
    return condition


def annotate_load(experts: ExpertQuerySet) -> ExpertQuerySet:
    """Load, on-time and due counts and whether unavailable today, computed in the query."""
    today = timezone.localdate()
    submitted = Q(assignments__status=AssignmentStatus.SUBMITTED)
    on_time = submitted & Q(assignments__submitted_at__date__lte=F("assignments__due_on"))
    past_due = Q(assignments__due_on__lt=today) & ~Q(assignments__status__in=[
        AssignmentStatus.RECUSED, AssignmentStatus.DECLINED, AssignmentStatus.SUBMITTED])
    busy = Unavailability.objects.filter(expert=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today)
    return experts.annotate(
        load=Count("assignments"),
        on_time=Count("assignments", filter=on_time),
        due=Count("assignments", filter=submitted | past_due),
        unavailable_today=Exists(busy),
    )


def on_time_rate(expert: Expert) -> float | None:
    due = getattr(expert, "due", 0)
    return None if not due else round(100 * expert.on_time / due, 1)


def narrow(experts: ExpertQuerySet, query: LibraryQuery) -> ExpertQuerySet:
    """`experts` (annotated by `annotate_load`) answering `query`."""
    for word in query.text.split()[:5]:
        experts = experts.filter(Q(name__icontains=word) | Q(employer_name__icontains=word))
    if query.industry:
        # A sector (“1”) finds its sub-sectors (“1.5”).
        experts = experts.filter(Q(industry_codes__icontains=f'"{query.industry}"')
                                 | Q(industry_codes__icontains=f'"{query.industry}.'))
    if query.ipc:
        experts = experts.filter(_ipc_filter(query.ipc))
    if query.province:
        experts = experts.filter(recommending_province_id=query.province)
    if query.available:
        experts = experts.filter(unavailable_today=False)
    return experts


def search(user, query: LibraryQuery) -> ExpertQuerySet:
    """The approved experts `user` may see that answer `query`, annotated, by name."""
    experts = Expert.objects.visible_to(user).approved().select_related("recommending_province", "employer")
    return narrow(annotate_load(experts), query).order_by("name", "pk")
