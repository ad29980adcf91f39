"""Who hears of a matchmaking event, through the platform's one notification service. Each
function runs inside the transaction of the change it announces."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from inventory.models import InventoryRecord
from matching.events.models import EventEnterprise, EventPatent, MatchEvent
from notifications import notify


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def invited(event: MatchEvent, enterprise_ids: Iterable[int]) -> None:
    """The enterprises invited to a published event (those invited to a draft hear of it when it is published)."""
    ids = list(enterprise_ids)
    if not ids or event.status != MatchEvent.Status.PUBLISHED:
        return
    title = _("邀请您参加对接活动“%(title)s”(%(starts)s),请于 %(deadline)s 前报名") % {
        "title": event.title, "starts": _when(event.starts_at), "deadline": _when(event.registration_deadline)}
    notify(User.objects.filter(organization_id__in=ids, is_active=True), "event.invited", title[:200],
           event.venue, reverse("matching:event_detail", args=[event.pk]))


def published(event: MatchEvent) -> None:
    invited(event, EventEnterprise.objects.filter(event=event, invited=True).values_list("enterprise_id", flat=True))


def registered(event: MatchEvent, enterprise: Organization, attendees: int) -> None:
    """The organiser's staff: an enterprise registered."""
    title = _("%(enterprise)s报名参加“%(title)s”,%(n)d 人参会") % {
        "enterprise": enterprise.name, "title": event.title, "n": attendees}
    notify(User.objects.filter(organization_id=event.organizer_id, is_active=True), "event.registered", title[:200],
           url=reverse("matching:event_detail", args=[event.pk]))


def outcome_recorded(event: MatchEvent, item: EventPatent) -> None:
    """The patent's institution: what came of its patent at the event."""
    institution = (InventoryRecord.objects.filter(patent_id=item.patent_id)
                   .values_list("institution_id", flat=True).first())
    if institution is None or not item.outcome:
        return
    title = _("对接活动“%(title)s”登记了专利《%(patent)s》的对接结果:%(outcome)s") % {
        "title": event.title, "patent": item.patent.title, "outcome": item.get_outcome_display()}
    body = _("请及时登记转化实施情况。") if item.outcome == EventPatent.Outcome.DEAL and not item.conversion_id else ""
    notify(User.objects.filter(organization_id=institution, is_active=True, is_inventor=False), "event.outcome",
           title[:200], body, reverse("matching:event_detail", args=[event.pk]))
