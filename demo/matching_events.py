"""The demo world's matchmaking event (对接活动): a published roadshow organised by the platform,
presenting library patents of the demo institutions, with demo enterprises invited (the demo
enterprise login among them, registered), and first outcomes recorded.

`build` is called by demo.builders.build_demo_world after the patents; `remove` before the demo
users go (the event is recognised by its creator, a demo login); `counts` adds its lines to the
printed table.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organization, User
from inventory.models import InventoryRecord
from matching.events.models import EventEnterprise, EventPatent, MatchEvent

TITLE = "2024 高校院所专利成果转化路演(人工智能与智能制造专场)"
PATENTS = 8
ENTERPRISES = 10


def build(institution_ids: list[int], enterprise_ids: list[int], organizer: User,
          registered_enterprise: Organization) -> MatchEvent | None:
    """One published event of the platform, created by `organizer` (the demo operator)."""
    patent_ids = list(InventoryRecord.objects.filter(institution_id__in=institution_ids, in_library=True)
                      .order_by("-listing_score", "patent_id").values_list("patent_id", flat=True)[:PATENTS])
    if not patent_ids:
        return None
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    event = MatchEvent.objects.create(
        organizer_id=organizer.organization_id, created_by=organizer, title=TITLE, mode=MatchEvent.Mode.ON_SITE,
        venue="北京市海淀区 中关村国家自主创新示范区展示中心 2 层报告厅", starts_at=now + timedelta(days=30),
        registration_deadline=now + timedelta(days=20), industry_codes=["1.5", "2"],
        description=("面向企业发布高校院所可转化的人工智能与智能制造专利,发明人现场路演,"
                     "企业可在会后与专利权人单位洽谈转让、许可或作价入股。"),
        status=MatchEvent.Status.PUBLISHED,
    )
    items = EventPatent.objects.bulk_create([EventPatent(event=event, patent_id=pk) for pk in patent_ids])
    invited = list(dict.fromkeys([registered_enterprise.pk, *enterprise_ids[:ENTERPRISES]]))
    EventEnterprise.objects.bulk_create([
        EventEnterprise(event=event, enterprise_id=pk, invited=True, invited_by_match=pk != registered_enterprise.pk,
                        registered_at=now - timedelta(days=1) if i < 3 else None, attendees=2 if i < 3 else 0)
        for i, pk in enumerate(invited)])
    for item, outcome, enterprise in ((items[0], EventPatent.Outcome.NEGOTIATION, invited[0]),
                                      (items[-1], EventPatent.Outcome.INTEREST, invited[min(1, len(invited) - 1)])):
        EventPatent.objects.filter(pk=item.pk).update(outcome=outcome, enterprise_id=enterprise)
    return event


def remove(user_ids: list[int]) -> None:
    MatchEvent.objects.filter(created_by_id__in=user_ids, title=TITLE).delete()


def counts(user_ids: list[int]) -> dict[str, int]:
    events = MatchEvent.objects.filter(created_by_id__in=user_ids, title=TITLE)
    return {"match_events": events.count(),
            "event_patents": EventPatent.objects.filter(event__in=events).count(),
            "event_enterprises": EventEnterprise.objects.filter(event__in=events).count()}
