"""Matchmaking events (对接活动 / 路演): the rules of organising one, registering for it and
recording what came of it.

    event = create_event(actor, {"title": …, "mode": "on_site", "venue": …, "starts_at": …,
                                 "registration_deadline": …, "industry_codes": ["1.5"], "description": …})
    update_event(actor, event, {...})          # while a draft
    add_patents(actor, event, [patent ids])    # from the conversion resource library
    invite_by_profile(actor, event)            # enterprises whose profile overlaps the event
    invite_enterprises(actor, event, [organisation ids])
    publish_event(actor, event); close_event(actor, event)
    register(actor, event, attendees=2)        # an enterprise, before the deadline
    record_outcome(actor, event_patent, {"outcome": "deal", "enterprise": id, "conversion": id})

A province or the platform operator organises (`MatchEvent.objects.editable_by`); a province's
event belongs to its provincial office, the operator's to the platform. Every function that
changes data checks the actor's scope, refuses a broken rule with `EventError` (a Chinese message
per field, nothing written) and writes its audit event in the same transaction.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.models import Organization
from accounts.roles import Role, role_of
from inventory.models import Conversion, Industry, InventoryRecord, Patent, PatentIndustry
from inventory.search import keyword_filter
from matching.events import notices
from matching.events.models import EventEnterprise, EventPatent, MatchEvent
from matching.needs.models import EnterpriseProfile

ORGANIZER_ROLES = frozenset({Role.OPERATOR, Role.PROVINCE})
# The roles with a rule in EventQuerySet: they open the events pages.
READER_ROLES = frozenset({Role.OPERATOR, Role.PROVINCE, Role.INSTITUTION, Role.ENTERPRISE})
EDIT_FIELDS = ("title", "mode", "venue", "starts_at", "registration_deadline", "industry_codes", "description")
MAX_ATTENDEES = 50
# Patents added at once, and IPC subclasses read off the selected patents for the profile match.
MAX_PATENTS_PER_CALL = 500
MAX_SUBCLASSES = 200
INVITE_BATCH = 1000


class EventError(Exception):
    """A broken rule; `errors` maps a field ("" for the whole) to its Chinese message."""

    def __init__(self, errors: Mapping[str, str] | str) -> None:
        errors = {"": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(str(m) for m in errors.values()))
        self.errors = {name: str(message) for name, message in errors.items()}


def may_organise(user) -> bool:
    return role_of(user) in ORGANIZER_ROLES


def _editable(actor, event: MatchEvent, *, lock: bool = False) -> MatchEvent:
    """The event re-read among those the actor organises (PermissionDenied otherwise)."""
    events = MatchEvent.objects.editable_by(actor)
    if lock:
        events = events.select_for_update(of=("self",))
    found = events.filter(pk=event.pk).first()
    if found is None:
        raise PermissionDenied
    return found


def _snapshot(event: MatchEvent) -> dict:
    return {
        "title": event.title, "mode": event.mode, "venue": event.venue,
        "starts_at": event.starts_at.isoformat() if event.starts_at else None,
        "registration_deadline": event.registration_deadline.isoformat() if event.registration_deadline else None,
        "industry_codes": list(event.industry_codes or []), "description": event.description,
        "status": event.status,
    }


# --- the event's own fields ---------------------------------------------------------------------------------

def _cleaned(data: Mapping[str, object]) -> dict:
    values = {name: data.get(name) for name in EDIT_FIELDS}
    for name in ("title", "venue", "description", "mode"):
        values[name] = str(values[name] or "").strip()
    codes = values["industry_codes"] or []
    if isinstance(codes, str):
        codes = [c for c in codes.replace(",", ",").replace(" ", ",").split(",")]
    values["industry_codes"] = sorted({str(c).strip() for c in codes if str(c).strip()})
    return values


def field_errors(values: Mapping[str, object]) -> dict[str, str]:
    """The rules of an event's fields: {field: Chinese message}."""
    errors: dict[str, str] = {}
    if not values.get("title"):
        errors["title"] = _("请填写活动名称")
    elif len(values["title"]) > 200:
        errors["title"] = _("活动名称不能超过 200 字")
    mode = values.get("mode")
    if mode not in MatchEvent.Mode.values:
        errors["mode"] = _("请选择活动形式:线上或线下")
    venue = values.get("venue") or ""
    if not venue:
        errors["venue"] = _("线上活动请填写参会链接,线下活动请填写活动地点")
    elif len(venue) > 300:
        errors["venue"] = _("地点或链接不能超过 300 字")
    elif mode == MatchEvent.Mode.ONLINE and not venue.startswith(("https://", "http://")):
        errors["venue"] = _("线上活动的参会链接应以 https:// 或 http:// 开头")
    starts, deadline = values.get("starts_at"), values.get("registration_deadline")
    if starts is None:
        errors["starts_at"] = _("请填写活动时间")
    if deadline is None:
        errors["registration_deadline"] = _("请填写报名截止时间")
    if starts is not None and deadline is not None and deadline >= starts:
        errors["registration_deadline"] = _("报名截止时间应早于活动开始时间")
    codes = values.get("industry_codes") or []
    unknown = sorted(set(codes) - set(Industry.objects.filter(code__in=codes).values_list("code", flat=True)))
    if unknown:
        errors["industry_codes"] = _("“%(codes)s”不是战略性新兴产业分类代码") % {"codes": "、".join(unknown)}
    return errors


def create_event(actor, data: Mapping[str, object], *, request=None) -> MatchEvent:
    """A draft event organised by the actor's organisation (a provincial office or the platform)."""
    if not may_organise(actor):
        raise PermissionDenied
    values = _cleaned(data)
    errors = field_errors(values)
    if errors:
        raise EventError(errors)
    with transaction.atomic():
        event = MatchEvent.objects.create(organizer_id=actor.organization_id, created_by=actor, **values)
        audit("match_event.create", actor=actor, request=request, target=event, after=_snapshot(event))
    return event


def update_event(actor, event: MatchEvent, data: Mapping[str, object], *, request=None) -> MatchEvent:
    """Change a draft's fields; a published or closed event keeps them (its invitees registered for them)."""
    with transaction.atomic():
        event = _editable(actor, event, lock=True)
        if event.status != MatchEvent.Status.DRAFT:
            raise EventError(_("活动已发布或已结束,不能再修改活动信息"))
        values = _cleaned({**{name: getattr(event, name) for name in EDIT_FIELDS}, **data})
        errors = field_errors(values)
        if errors:
            raise EventError(errors)
        before = _snapshot(event)
        for name, value in values.items():
            setattr(event, name, value)
        event.save(update_fields=list(EDIT_FIELDS))
        after = _snapshot(event)
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            audit("match_event.update", actor=actor, request=request, target=event,
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return event


def publish_event(actor, event: MatchEvent, *, request=None) -> MatchEvent:
    """Open a draft to its enterprises: it presents at least one patent and registration is still open."""
    with transaction.atomic():
        event = _editable(actor, event, lock=True)
        if event.status != MatchEvent.Status.DRAFT:
            raise EventError(_("只有筹备中的活动可以发布"))
        if not EventPatent.objects.filter(event=event).exists():
            raise EventError(_("请先从转化资源库选择至少一件参加路演的专利,再发布活动"))
        if event.registration_deadline <= timezone.now():
            raise EventError(_("报名截止时间已过,请先修改活动时间和报名截止时间再发布"))
        event.status = MatchEvent.Status.PUBLISHED
        event.save(update_fields=["status"])
        audit("match_event.publish", actor=actor, request=request, target=event,
              before={"status": MatchEvent.Status.DRAFT}, after={"status": event.status})
        notices.published(event)
    return event


def close_event(actor, event: MatchEvent, *, request=None) -> MatchEvent:
    """End the event: no more registrations or invitations; outcomes may still be recorded."""
    with transaction.atomic():
        event = _editable(actor, event, lock=True)
        if event.status == MatchEvent.Status.CLOSED:
            raise EventError(_("活动已结束"))
        before = event.status
        event.status = MatchEvent.Status.CLOSED
        event.save(update_fields=["status"])
        audit("match_event.close", actor=actor, request=request, target=event,
              before={"status": before}, after={"status": event.status})
    return event


# --- patents ---------------------------------------------------------------------------------------------------

def add_patents(actor, event: MatchEvent, patent_ids: Iterable[int], *, request=None) -> int:
    """Present library patents at the event (any in the national library; a province may narrow
    its search to its own institutions'). Patents already presented are left as they are; the
    number added is returned. Refused once the event has ended."""
    ids = sorted({int(pk) for pk in patent_ids})
    if not ids:
        raise EventError({"patents": _("请选择要参加路演的专利")})
    if len(ids) > MAX_PATENTS_PER_CALL:
        raise EventError({"patents": _("一次最多选择 %(n)d 件专利") % {"n": MAX_PATENTS_PER_CALL}})
    with transaction.atomic():
        event = _editable(actor, event, lock=True)
        if event.status == MatchEvent.Status.CLOSED:
            raise EventError(_("活动已结束,不能再添加专利"))
        in_library = set(InventoryRecord.objects.visible_to(actor, "library").filter(patent_id__in=ids)
                         .values_list("patent_id", flat=True))
        missing = [pk for pk in ids if pk not in in_library]
        if missing:
            raise EventError({"patents": _("有 %(n)d 件所选专利不在专利转化资源库中,未添加任何专利")
                              % {"n": len(missing)}})
        present = set(EventPatent.objects.filter(event=event, patent_id__in=ids).values_list("patent_id", flat=True))
        new = [pk for pk in ids if pk not in present]
        now = timezone.now()
        EventPatent.objects.bulk_create([EventPatent(event=event, patent_id=pk, updated_at=now) for pk in new],
                                        ignore_conflicts=True)
        if new:
            audit("match_event.add_patents", actor=actor, request=request, target=event,
                  after={"patents": new, "count": len(new)})
    return len(new)


def remove_patent(actor, event: MatchEvent, patent_id: int, *, request=None) -> None:
    """Take a patent off a draft event. Once published, the patents enterprises registered for stay."""
    with transaction.atomic():
        event = _editable(actor, event, lock=True)
        if event.status != MatchEvent.Status.DRAFT:
            raise EventError(_("活动已发布,已公布的路演专利不能移除"))
        deleted, _rows = EventPatent.objects.filter(event=event, patent_id=patent_id).delete()
        if not deleted:
            raise EventError(_("该专利不在本次活动中"))
        audit("match_event.remove_patent", actor=actor, request=request, target=event,
              before={"patents": [patent_id]}, after=None)


def library_choices(user, *, q: str = "", industry: str = "", own_province: bool = False
                    ) -> tuple[QuerySet[InventoryRecord], str]:
    """The conversion resource library entries an organiser may present, best listings first,
    narrowed by keyword, industry (a sector with its sub-sectors) and, for a province, to its own
    institutions; with a Chinese message for an unknown industry (then left out)."""
    records = InventoryRecord.objects.visible_to(user, "library")
    error = ""
    if industry:
        codes = list(Industry.objects.filter(Q(code=industry) | Q(parent_id=industry)).values_list("code", flat=True))
        if codes:
            records = records.filter(patent_id__in=PatentIndustry.objects.filter(industry_id__in=codes)
                                     .values("patent_id"))
        else:
            error = _("“%(codes)s”不是战略性新兴产业分类代码") % {"codes": industry}
    if own_province:
        records = records.filter(institution__province_id=user.organization.province_id)
    if q:
        records = records.filter(patent_id__in=keyword_filter(Patent.objects.all(), q).values("pk"))
    return (records.select_related("patent", "institution", "institution__province")
            .order_by("-listing_score", "patent_id")), error


# --- invitations -----------------------------------------------------------------------------------------------

def invitable_enterprises(actor) -> QuerySet[Organization]:
    """The active enterprises the actor may invite: a province its own, the platform all."""
    return Organization.objects.visible_to(actor).filter(kind=Organization.Kind.ENTERPRISE,
                                                         status=Organization.Status.ACTIVE)


def _json_holds(field_name: str, quoted: str) -> Contains:
    """`field_name`'s JSON text holds `quoted` (e.g. '"1.5"' for the element 1.5, '"G06V' for
    any element starting with G06V): one portable condition, on SQLite and PostgreSQL alike."""
    return Contains(Cast(field_name, output_field=TextField()), quoted)


def event_industries(event: MatchEvent) -> set[str]:
    """The event's industries, those of the patents it presents, and their sectors and sub-sectors."""
    codes = set(event.industry_codes or [])
    codes |= set(PatentIndustry.objects.filter(patent__in=EventPatent.objects.filter(event=event).values("patent"))
                 .values_list("industry_id", flat=True).distinct())
    if not codes:
        return codes
    given = set(codes)
    for code, parent in Industry.objects.filter(Q(code__in=given) | Q(parent_id__in=given)).values_list(
            "code", "parent_id"):
        codes.add(code)
        if parent and code in given:
            codes.add(parent)
    return codes


def event_subclasses(event: MatchEvent) -> set[str]:
    """The IPC subclasses (G06V) of the patents the event presents, from their main IPC codes."""
    ipcs = (Patent.objects.filter(pk__in=EventPatent.objects.filter(event=event).values("patent"))
            .exclude(main_ipc="").values_list("main_ipc", flat=True).distinct()[:MAX_SUBCLASSES * 4])
    return {ipc.replace(" ", "")[:4].upper() for ipc in ipcs if len(ipc.replace(" ", "")) >= 4}


def profile_condition(industries: set[str], subclasses: set[str]) -> Q | None:
    """Profiles whose industries meet `industries`, or whose IPC prefixes meet `subclasses`: a
    prefix of a subclass (G, G06, G06V) or one inside it (G06V10/82)."""
    condition = Q()
    for code in sorted(industries):
        condition |= Q(_json_holds("industry_codes", f'"{code}"'))
    for subclass in sorted(subclasses)[:MAX_SUBCLASSES]:
        for prefix in {subclass[:1], subclass[:3]}:
            condition |= Q(_json_holds("ipc_prefixes", f'"{prefix}"'))
        condition |= Q(_json_holds("ipc_prefixes", f'"{subclass}'))
    return condition if condition else None


def profile_matches(actor, event: MatchEvent) -> QuerySet[Organization]:
    """The enterprises in the actor's scope whose profile overlaps the event's industries or its
    patents' industries and IPC subclasses (one query over the profiles)."""
    condition = profile_condition(event_industries(event), event_subclasses(event))
    if condition is None:
        return Organization.objects.none()
    profiles = EnterpriseProfile.objects.filter(condition).values("enterprise_id")
    return invitable_enterprises(actor).filter(pk__in=profiles)


def _invite(actor, event: MatchEvent, enterprise_ids: list[int], *, by_match: bool) -> int:
    present = set(EventEnterprise.objects.filter(event=event, enterprise_id__in=enterprise_ids)
                  .values_list("enterprise_id", flat=True))
    new = [pk for pk in enterprise_ids if pk not in present]
    EventEnterprise.objects.bulk_create(
        [EventEnterprise(event=event, enterprise_id=pk, invited=True, invited_by_match=by_match) for pk in new],
        batch_size=INVITE_BATCH, ignore_conflicts=True)
    # An enterprise that registered for an open event uninvited is invited now.
    EventEnterprise.objects.filter(event=event, enterprise_id__in=present, invited=False).update(invited=True)
    notices.invited(event, new)
    return len(new)


def _invitable_event(actor, event: MatchEvent) -> MatchEvent:
    event = _editable(actor, event, lock=True)
    if event.status == MatchEvent.Status.CLOSED:
        raise EventError(_("活动已结束,不能再邀请企业"))
    return event


def invite_by_profile(actor, event: MatchEvent, *, request=None) -> int:
    """Invite every enterprise in the actor's scope whose profile overlaps the event; the number newly invited."""
    with transaction.atomic():
        event = _invitable_event(actor, event)
        ids = list(profile_matches(actor, event).values_list("pk", flat=True))
        added = _invite(actor, event, ids, by_match=True)
        audit("match_event.invite", actor=actor, request=request, target=event,
              after={"count": added, "source": "profile"})
    return added


def invite_enterprises(actor, event: MatchEvent, enterprise_ids: Iterable[int], *, request=None) -> int:
    """Invite enterprises chosen by hand, all within the actor's scope (nothing written otherwise)."""
    ids = sorted({int(pk) for pk in enterprise_ids})
    if not ids:
        raise EventError({"enterprises": _("请选择要邀请的企业")})
    with transaction.atomic():
        event = _invitable_event(actor, event)
        allowed = set(invitable_enterprises(actor).filter(pk__in=ids).values_list("pk", flat=True))
        if len(allowed) != len(ids):
            raise EventError({"enterprises": _("所选企业中有不在本辖区或未通过审核的企业,未邀请任何企业")})
        added = _invite(actor, event, ids, by_match=False)
        audit("match_event.invite", actor=actor, request=request, target=event,
              after={"count": added, "source": "hand"})
    return added


def search_enterprises(actor, q: str, limit: int = 20) -> list[Organization]:
    """Enterprises the actor may invite, by name or unified social credit code."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    return list(invitable_enterprises(actor).filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
                .select_related("province").order_by("name", "pk")[:limit])


# --- registration ------------------------------------------------------------------------------------------------

def registration_of(user, event: MatchEvent) -> EventEnterprise | None:
    if role_of(user) != Role.ENTERPRISE:
        return None
    return EventEnterprise.objects.filter(event=event, enterprise_id=user.organization_id).first()


def register(actor, event: MatchEvent, *, attendees: int = 1, request=None) -> tuple[EventEnterprise, bool]:
    """Register the actor's enterprise for a published event it sees (invited, or open to it)
    before the deadline. Registering again changes nothing; returns (registration, newly registered)."""
    if role_of(actor) != Role.ENTERPRISE:
        raise PermissionDenied
    if not isinstance(attendees, int) or isinstance(attendees, bool) or not 1 <= attendees <= MAX_ATTENDEES:
        raise EventError({"attendees": _("参会人数应为 1 至 %(n)d 人") % {"n": MAX_ATTENDEES}})
    with transaction.atomic():
        event = MatchEvent.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=event.pk).first()
        if event is None:
            raise PermissionDenied
        if event.status != MatchEvent.Status.PUBLISHED:
            raise EventError(_("活动已结束,不再接受报名"))
        row = EventEnterprise.objects.filter(event=event, enterprise_id=actor.organization_id).first()
        if row is not None and row.registered_at is not None:
            return row, False
        now = timezone.now()
        if now > event.registration_deadline:
            raise EventError(_("报名已于 %(deadline)s 截止,不能再报名") % {
                "deadline": timezone.localtime(event.registration_deadline).strftime("%Y-%m-%d %H:%M")})
        if row is None:
            row = EventEnterprise.objects.create(event=event, enterprise_id=actor.organization_id, invited=False,
                                                 registered_at=now, attendees=attendees)
        else:
            row.registered_at, row.attendees = now, attendees
            row.save(update_fields=["registered_at", "attendees"])
        audit("match_event.register", actor=actor, request=request, target=event,
              after={"count": attendees})
        notices.registered(event, actor.organization, attendees)
    return row, True


# --- outcomes ------------------------------------------------------------------------------------------------------

def conversions_for(actor, patent_ids: Iterable[int]) -> dict[int, list[Conversion]]:
    """The conversions of these patents the actor sees, by patent (one query)."""
    found: dict[int, list[Conversion]] = {}
    for conversion in Conversion.objects.visible_to(actor).filter(patent_id__in=list(patent_ids)).order_by("-pk"):
        found.setdefault(conversion.patent_id, []).append(conversion)
    return found


def record_outcome(actor, item: EventPatent, data: Mapping[str, object], *, request=None) -> EventPatent:
    """The organiser records what came of a presented patent: interest, negotiation or a deal,
    with an enterprise of the event; a deal may link to a conversion of that patent the organiser
    sees (the institution records the conversion itself). Not before the event is published."""
    outcome = str(data.get("outcome") or "")
    enterprise_id, conversion_id = data.get("enterprise"), data.get("conversion")
    note = str(data.get("note") or "").strip()
    with transaction.atomic():
        event = _editable(actor, item.event, lock=True)
        item = EventPatent.objects.select_for_update().filter(pk=item.pk, event=event).first()
        if item is None:
            raise PermissionDenied
        errors: dict[str, str] = {}
        if event.status == MatchEvent.Status.DRAFT:
            raise EventError(_("活动发布后才能登记对接结果"))
        if outcome not in EventPatent.Outcome.values:
            errors["outcome"] = _("请选择对接结果:有意向、洽谈中或已成交")
        if len(note) > 500:
            errors["note"] = _("备注不能超过 500 字")
        if outcome and not enterprise_id:
            errors["enterprise"] = _("请选择对接企业")
        if enterprise_id and not EventEnterprise.objects.filter(event=event, enterprise_id=enterprise_id).exists():
            errors["enterprise"] = _("对接企业应为本次活动邀请或报名的企业")
        if conversion_id:
            conversion = Conversion.objects.visible_to(actor).filter(pk=conversion_id).first()
            if outcome != EventPatent.Outcome.DEAL:
                errors["conversion"] = _("只有“已成交”可以关联转化记录")
            elif conversion is None:
                errors["conversion"] = _("找不到该转化记录")
            elif conversion.patent_id != item.patent_id:
                errors["conversion"] = _("所选转化记录属于另一件专利,不能关联到本专利的成交结果")
        if errors:
            raise EventError(errors)
        before = {"outcome": item.outcome, "enterprise": item.enterprise_id, "conversion": item.conversion_id}
        item.outcome = outcome
        item.enterprise_id = int(enterprise_id) if enterprise_id and outcome else None
        item.conversion_id = int(conversion_id) if conversion_id else None
        item.note = note
        item.updated_at = timezone.now()
        item.save(update_fields=["outcome", "enterprise", "conversion", "note", "updated_at"])
        after = {"outcome": item.outcome, "enterprise": item.enterprise_id, "conversion": item.conversion_id}
        audit("match_event.outcome", actor=actor, request=request, target=event,
              before=before, after={**after, "patents": [item.patent_id]})
        notices.outcome_recorded(event, item)
    return item


# --- reading -----------------------------------------------------------------------------------------------------

def _count(model, condition: Q | None = None) -> Coalesce:
    rows = (model.objects.filter(condition or Q(), event=OuterRef("pk")).order_by().values("event")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_counts(events: QuerySet[MatchEvent], patents: Q | None = None) -> QuerySet[MatchEvent]:
    """Each event with its counts (one correlated subquery each, no join fan-out): patents (those
    matching `patents`, e.g. an institution's own), invited and registered enterprises, attendees
    and outcomes by kind."""
    Outcome = EventPatent.Outcome
    patents = patents or Q()
    return events.annotate(
        n_patents=_count(EventPatent, patents),
        n_invited=_count(EventEnterprise, Q(invited=True)),
        n_registered=_count(EventEnterprise, Q(registered_at__isnull=False)),
        n_interest=_count(EventPatent, patents & Q(outcome=Outcome.INTEREST)),
        n_negotiation=_count(EventPatent, patents & Q(outcome=Outcome.NEGOTIATION)),
        n_deal=_count(EventPatent, patents & Q(outcome=Outcome.DEAL)),
    )


def own_patents_condition(user) -> Q:
    """For an institution, the event patents it owns; for everyone else every patent."""
    if role_of(user) == Role.INSTITUTION:
        return Q(patent__ownerships__organization_id=user.organization_id)
    return Q()


def event_patents(user, event: MatchEvent) -> QuerySet[EventPatent]:
    """The event's patents as `user` reads them: the organiser and the operator all of them; an
    institution its own; everyone else those it sees (the library)."""
    items = EventPatent.objects.filter(event=event).select_related("patent", "enterprise", "conversion")
    if MatchEvent.objects.editable_by(user).filter(pk=event.pk).exists() or role_of(user) == Role.OPERATOR:
        return items.order_by("pk")
    if role_of(user) == Role.INSTITUTION:
        return items.filter(patent__in=Patent.objects.visible_to(user, "own").values("pk")).order_by("pk")
    return items.filter(patent__in=Patent.objects.visible_to(user).values("pk")).order_by("pk")


def shown_enterprise_ids(user, ids: Iterable[int]) -> set[int]:
    """Of these enterprises, those whose names `user` may read (accounts' organisation scope)."""
    return set(Organization.objects.visible_to(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


@dataclass
class Totals:
    events: int
    patents: int
    invited: int
    registered: int
    interest: int
    negotiation: int
    deal: int


def totals(events: QuerySet[MatchEvent], patents: Q | None = None) -> Totals:
    """The sums over `events` (three aggregate queries)."""
    ids = events.order_by().values("pk")
    Outcome = EventPatent.Outcome
    p = EventPatent.objects.filter(patents or Q(), event__in=ids).aggregate(
        patents=Count("pk"), interest=Count("pk", filter=Q(outcome=Outcome.INTEREST)),
        negotiation=Count("pk", filter=Q(outcome=Outcome.NEGOTIATION)),
        deal=Count("pk", filter=Q(outcome=Outcome.DEAL)))
    e = EventEnterprise.objects.filter(event__in=ids).aggregate(
        invited=Count("pk", filter=Q(invited=True)), registered=Count("pk", filter=Q(registered_at__isnull=False)))
    return Totals(events=events.order_by().count(), patents=p["patents"], invited=e["invited"],
                  registered=e["registered"], interest=p["interest"], negotiation=p["negotiation"], deal=p["deal"])

