"""Progress against the national inventory milestones (DATA-STANDARD.md §7).

The milestones are rows of `inventory.Milestone` (seeded by migration 0005, edited by the
platform in the admin). An institution's scope is the inventory scope of inventory.records.scope
(`in_scope`): its valid patents on which it is the first institution patentee
(`InventoryRecord.institution`) and that are granted by `today`: the stock granted up to
2023-12-31, plus later patents as they are granted.

* A milestone with a `deadline` asks that `target_percent` of the patents in its grant-date window
  be inventoried by then; the institution is behind once the deadline passed short of it.
* A milestone with `days_after_grant` asks that each patent of its window be inventoried within
  that many days of its grant; each patent past its due date uninventoried is overdue.

Everything is counted in one grouped aggregate over the inventory records, however many
institutions are asked about.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from accounts.models import Organization
from inventory.choices import InventoryStatus
from inventory.models import InventoryRecord, Milestone
from inventory.records import in_scope

STOCK_GRANTED_UNTIL = datetime.date(2023, 12, 31)


@dataclass
class MilestoneProgress:
    milestone: Milestone
    total: int  # patents in the milestone's grant-date window, granted by today
    done: int  # of which inventoried
    overdue: int = 0  # rolling milestones: patents past their due date, not inventoried
    due: bool = False  # fixed milestones: the deadline has passed
    behind: bool = False

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 100.0

    @property
    def target_percent(self) -> int:
        return self.milestone.target_percent

    @property
    def deadline(self) -> datetime.date | None:
        return self.milestone.deadline

    @property
    def is_rolling(self) -> bool:
        return self.milestone.deadline is None and self.milestone.days_after_grant is not None

    @property
    def met(self) -> bool:
        if self.is_rolling:
            return self.overdue == 0
        return self.percent >= self.target_percent


@dataclass
class InstitutionProgress:
    institution: Organization
    today: datetime.date
    total: int = 0  # valid patents in scope, granted by today
    inventoried: int = 0
    new_total: int = 0  # granted after the stock date
    new_overdue: int = 0  # of which past a rolling deadline without inventory
    sleeping: int = 0
    milestones: list[MilestoneProgress] = field(default_factory=list)
    next_deadline: datetime.date | None = None
    next_milestone: MilestoneProgress | None = None

    @property
    def percent(self) -> float:
        return round(100 * self.inventoried / self.total, 1) if self.total else 100.0

    @property
    def behind(self) -> bool:
        return any(item.behind for item in self.milestones)

    @property
    def required_percent(self) -> int | None:
        """The highest target already due for the stock (None before the first deadline)."""
        due = [item.target_percent for item in self.milestones if item.due]
        return max(due) if due else None

    @property
    def current_target(self) -> int | None:
        """The target being worked towards: the next deadline's, or the last one due."""
        if self.next_milestone is not None:
            return self.next_milestone.target_percent
        return self.required_percent

    @property
    def days_to_next_deadline(self) -> int | None:
        return (self.next_deadline - self.today).days if self.next_deadline else None


def applies(milestone: Milestone, institution: Organization) -> bool:
    demo, pilot = institution.is_demo_university, institution.is_pilot_university
    return {
        Milestone.AppliesTo.DEMO: demo,
        Milestone.AppliesTo.DEMO_AND_PILOT: demo or pilot,
        Milestone.AppliesTo.OTHERS: not (demo or pilot),
        Milestone.AppliesTo.ALL: True,
    }.get(milestone.applies_to, False)


def active_milestones() -> list[Milestone]:
    """Fixed deadlines in date order, then the rolling ones (NULL deadlines sort differently per database)."""
    rows = Milestone.objects.filter(is_active=True)
    return sorted(rows, key=lambda m: (m.deadline is None, m.deadline or datetime.date.max, m.pk))


def _window(milestone: Milestone, today: datetime.date) -> Q:
    window = Q(patent__grant_date__lte=today)
    if milestone.granted_until:
        window &= Q(patent__grant_date__lte=milestone.granted_until)
    if milestone.granted_after:
        window &= Q(patent__grant_date__gt=milestone.granted_after)
    return window


def inventoried_by(day: datetime.date) -> Q:
    """The record was inventoried by the end of `day`: by today, its status; on a past day (a
    quarter's end), also its time of inventory (a record without one counts, as in the statistics)."""
    done = Q(status=InventoryStatus.INVENTORIED)
    if day >= timezone.localdate():
        return done
    next_day = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return done & (Q(inventoried_at__lt=next_day) | Q(inventoried_at__isnull=True))


def _aggregates(milestones: list[Milestone], today: datetime.date) -> dict[str, object]:
    done = inventoried_by(today)
    pending = ~done
    stock_end = STOCK_GRANTED_UNTIL
    # The rows are the inventory scope already (progress_for_many): every count is a part of it.
    annotations: dict[str, object] = {
        "total": Count("pk"),
        "inventoried": Count("pk", filter=done),
        "new_total": Count("pk", filter=Q(patent__grant_date__gt=stock_end)),
        "sleeping": Count("pk", filter=Q(patent__is_sleeping=True)),
    }
    for milestone in milestones:
        window = _window(milestone, today)
        key = f"m{milestone.pk}"
        annotations[f"{key}_total"] = Count("pk", filter=window)
        annotations[f"{key}_done"] = Count("pk", filter=window & done)
        if milestone.days_after_grant is not None:
            # Due on grant + days: overdue once today is past it; the next due date comes from the
            # earliest pending grant still inside its allowance.
            allowance_start = today - datetime.timedelta(days=milestone.days_after_grant)
            annotations[f"{key}_overdue"] = Count(
                "pk", filter=window & pending & Q(patent__grant_date__lt=allowance_start)
            )
            annotations[f"{key}_next"] = Min(
                "patent__grant_date", filter=window & pending & Q(patent__grant_date__gte=allowance_start)
            )
    return annotations


def progress_for_many(institutions: Iterable[Organization], today: datetime.date | None = None,
                      milestones: list[Milestone] | None = None) -> list[InstitutionProgress]:
    """Progress of each institution, in the given order, from one grouped query; on a past `today`,
    as it stood at the end of that day (the patents inventoried since then not yet counted)."""
    today = today or timezone.localdate()
    institutions = list(institutions)
    milestones = active_milestones() if milestones is None else milestones
    if not institutions:
        return []
    scope = InventoryRecord.objects.filter(in_scope(today))
    rows = (
        scope.filter(institution__in=[inst.pk for inst in institutions])
        .values("institution_id")
        .annotate(**_aggregates(milestones, today))
    ) if len(institutions) <= 900 else (
        # Beyond an IN list's comfortable size (a national view), group every record.
        scope.values("institution_id").annotate(**_aggregates(milestones, today))
    )
    by_institution = {row["institution_id"]: row for row in rows}
    return [_progress(inst, by_institution.get(inst.pk, {}), milestones, today) for inst in institutions]


def progress_for(institution: Organization, today: datetime.date | None = None) -> InstitutionProgress:
    return progress_for_many([institution], today)[0]


def _progress(institution: Organization, row: dict, milestones: list[Milestone],
              today: datetime.date) -> InstitutionProgress:
    progress = InstitutionProgress(
        institution=institution,
        today=today,
        total=row.get("total", 0),
        inventoried=row.get("inventoried", 0),
        new_total=row.get("new_total", 0),
        sleeping=row.get("sleeping", 0),
    )
    upcoming: list[tuple[datetime.date, MilestoneProgress]] = []
    for milestone in milestones:
        if not applies(milestone, institution):
            continue
        key = f"m{milestone.pk}"
        item = MilestoneProgress(milestone, total=row.get(f"{key}_total", 0), done=row.get(f"{key}_done", 0))
        if milestone.days_after_grant is not None:
            item.overdue = row.get(f"{key}_overdue", 0)
            item.behind = item.overdue > 0
            progress.new_overdue += item.overdue
            earliest = row.get(f"{key}_next")
            if earliest:
                upcoming.append((earliest + datetime.timedelta(days=milestone.days_after_grant), item))
        elif milestone.deadline is not None:
            item.due = today > milestone.deadline
            item.behind = item.due and not item.met
            if not item.due:
                upcoming.append((milestone.deadline, item))
        progress.milestones.append(item)
    if upcoming:
        progress.next_deadline, progress.next_milestone = min(upcoming, key=lambda pair: pair[0])
    return progress


@dataclass
class Overview:
    rows: list[InstitutionProgress]
    behind: int
    on_track: int
    new_overdue: int
    sleeping: int
    # per milestone name: {"met": n, "behind": n, "pending": n} over the institutions it applies to
    by_milestone: dict[str, dict[str, int]]


def overview(institutions: Iterable[Organization], today: datetime.date | None = None) -> Overview:
    milestones = active_milestones()
    rows = progress_for_many(institutions, today, milestones)
    # In the milestones' own order, those that apply to none of the institutions left out below.
    by_milestone: dict[str, dict[str, int]] = {m.name: {"met": 0, "behind": 0, "pending": 0} for m in milestones}
    for row in rows:
        for item in row.milestones:
            counts = by_milestone[item.milestone.name]
            if item.behind:
                counts["behind"] += 1
            elif item.met:
                counts["met"] += 1
            else:
                counts["pending"] += 1
    by_milestone = {name: counts for name, counts in by_milestone.items() if any(counts.values())}
    behind = sum(1 for row in rows if row.behind)
    return Overview(
        rows=rows,
        behind=behind,
        on_track=len(rows) - behind,
        new_overdue=sum(row.new_overdue for row in rows),
        sleeping=sum(row.sleeping for row in rows),
        by_milestone=by_milestone,
    )


def watched_institutions(user) -> QuerySet[Organization]:
    """The active institutions whose progress `user` follows, by name: the operator all, a ministry
    those it supervises, a provincial office its province's (an institution's staff their own)."""
    return (
        Organization.objects.visible_to(user)
        .filter(kind=Organization.Kind.INSTITUTION, status=Organization.Status.ACTIVE)
        .order_by("name", "pk")
    )


def progress_overview(user, today: datetime.date | None = None) -> Overview:
    """The progress of the institutions `user` follows: the progress page's rows and the home
    cards' figures (`behind` is the number of rows the page lists under "进度滞后")."""
    return overview(watched_institutions(user), today)


def institutions_behind(today: datetime.date | None = None) -> dict[str, int]:
    """The nightly check: how many institutions are behind schedule, and how many new grants are overdue."""
    institutions = Organization.objects.filter(kind=Organization.Kind.INSTITUTION, status=Organization.Status.ACTIVE)
    result = overview(institutions.order_by("pk"), today)
    return {"institutions": len(result.rows), "behind": result.behind, "new_overdue": result.new_overdue}
