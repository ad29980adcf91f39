"""The demo world's pushes: patents of the conversion resource library pushed to the demo
enterprise (the login demo_enterprise) and to a few other enterprises, with their reasons and a
spread of answers, so that the inbox, the institution's responses and the province's page show
something. One enterprise allows direct contact, so an institution sees its name; the others read
as 某企业. Pushes go with their enterprise or patent when the demo world is reset (cascade)."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from inventory.models import InventoryRecord
from matching.choices import DismissReason, PushStatus
from matching.models import EnterpriseProfile, Push
from matching.pushes import tally

OWN_PUSHES = 14
OTHER_ENTERPRISES = 8
PUSHES_EACH = 6
REASONS = [
    {"kind": "industry", "text": "行业匹配:专利所属产业与企业关注产业一致"},
    {"kind": "ipc", "text": "技术领域:与企业关注的 IPC 分类相同"},
    {"kind": "need", "text": "需求匹配:与企业技术需求的关键词相近"},
    {"kind": "province", "text": "地区:专利权人位于企业优先合作地区"},
]
# The demo enterprise's answers, in the order of its pushes (newest first): most still to read.
OWN_STATES = [PushStatus.DELIVERED] * 6 + [PushStatus.VIEWED] * 3 + [
    PushStatus.INTERESTED, PushStatus.DISMISSED, PushStatus.EVALUATION_REQUESTED, PushStatus.DISMISSED,
    PushStatus.INTERESTED]


def _push(rng: random.Random, record: InventoryRecord, enterprise: Organization, status: str, when) -> Push:
    answered = status in (PushStatus.INTERESTED, PushStatus.DISMISSED, PushStatus.EVALUATION_REQUESTED)
    return Push(
        patent_id=record.patent_id, enterprise=enterprise, institution_id=record.institution_id,
        enterprise_province_id=enterprise.province_id, institution_province_id=record.institution.province_id,
        score=round(rng.uniform(0.55, 0.95), 2), reasons=rng.sample(REASONS, rng.randint(1, 3)), status=status,
        dismiss_reason=rng.choice([r for r in DismissReason.values if r != DismissReason.OTHER])
        if status == PushStatus.DISMISSED else "",
        created_at=when, viewed_at=when + timedelta(hours=5) if status != PushStatus.DELIVERED else None,
        answered_at=when + timedelta(days=1) if answered else None,
    )


def build(seed: int, enterprises: list[Organization]) -> int:
    """Push library patents to the first active enterprises; returns how many pushes were made."""
    rng = random.Random(seed + 7)
    active = [e for e in enterprises if e.status == Organization.Status.ACTIVE][: OTHER_ENTERPRISES + 1]
    records = list(InventoryRecord.objects.filter(in_library=True).select_related("institution")
                   .order_by("-listing_score", "patent_id")[:60])
    if not active or not records:
        return 0
    now = timezone.now()
    pushes = [_push(rng, record, active[0], status, now - timedelta(days=index * 2, hours=rng.randint(0, 20)))
              for index, (record, status) in enumerate(zip(records[:OWN_PUSHES], OWN_STATES, strict=False))]
    for enterprise in active[1:]:
        for record in rng.sample(records, min(PUSHES_EACH, len(records))):
            status = rng.choice(list(PushStatus.values))
            pushes.append(_push(rng, record, enterprise, status, now - timedelta(days=rng.randint(1, 60))))
    if len(active) > 1:
        EnterpriseProfile.objects.get_or_create(enterprise=active[1], defaults={"allow_direct_contact": True})
    with transaction.atomic():
        last = tally.last_push_id()
        made = len(Push.objects.bulk_create(pushes, ignore_conflicts=True))
        tally.add_pushes_after(last)
    return made
