"""An institution answers an enterprise's technology need by offering patents of its own from the
conversion resource library: each offered patent becomes a push (source "offer") to the need's
enterprise, all in one statement, with one audit event.

    pushes = offer_patents(user, need, [patent_id, ...])

All or nothing: when any patent may not be offered (not the institution's own, not in the
library, already pushed to that enterprise) or the need no longer takes answers, the offer is
refused whole with every reason (OfferError) and no push is written. A partial write would leave
the institution guessing which of its choices reached the enterprise; the offer page lists only
patents that may be offered, so a refusal means the facts changed since the page was read.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from inventory.models import Patent
from matching.choices import PushSource
from matching.needs.models import TechnologyNeed
from matching.needs.services import is_open
from matching.pushes import notices, tally
from matching.pushes.models import Push

# The most patents one offer may carry (a need is answered with a few patents, not a catalogue).
MAX_OFFER = 50


class OfferError(Exception):
    """The offer was refused whole; `problems` lists each reason in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def offerable_patents(actor):
    """The actor's own patents (those it records conversions for) that are in the resource library."""
    return Patent.objects.editable_by(actor, "record_conversion").filter(inventory__in_library=True)


def already_pushed(need: TechnologyNeed, patent_ids: Iterable[int]) -> set[int]:
    """Which of the patents were already pushed to the need's enterprise (by a cycle or an offer)."""
    return set(Push.objects.filter(enterprise_id=need.enterprise_id, patent_id__in=list(patent_ids))
               .values_list("patent_id", flat=True))


def offer_patents(actor, need: TechnologyNeed, patent_ids: Iterable[int], *, request=None) -> list[Push]:
    """Push each patent to the need's enterprise as the actor's answer to the need; refused whole
    (OfferError) with every reason when any patent may not be offered."""
    if role_of(actor) != Role.INSTITUTION:
        raise PermissionDenied
    wanted = list(dict.fromkeys(int(pk) for pk in patent_ids))
    if not wanted:
        raise OfferError([_("请至少选择一件专利")])
    if len(wanted) > MAX_OFFER:
        raise OfferError([_("一次最多推荐 %(n)d 件专利") % {"n": MAX_OFFER}])
    with transaction.atomic():
        need = (TechnologyNeed.objects.visible_to(actor).select_related("enterprise")
                .select_for_update(of=("self",)).filter(pk=need.pk).first())
        if need is None or not is_open(need):
            raise OfferError([_("该需求已关闭或已过截止日期,不能再响应")])
        own = {p.pk: p for p in Patent.objects.editable_by(actor, "record_conversion").filter(pk__in=wanted)
               .select_related("inventory")}
        problems = []
        for pk in wanted:
            patent = own.get(pk)
            if patent is None:
                problems.append(_("专利 #%(pk)s 不是本单位作为第一权利人的专利") % {"pk": pk})
            elif not patent.inventory.in_library:
                problems.append(_("%(number)s 尚未进入专利转化资源库") % {"number": patent.application_number})
        pushed = already_pushed(need, own)
        problems += [_("%(number)s 已推送给该企业,不能重复推荐") % {"number": own[pk].application_number}
                     for pk in wanted if pk in pushed]
        if problems:
            raise OfferError(problems)
        now = timezone.now()
        reasons = [{"kind": "need", "text": _("机构响应需求“%(title)s”") % {"title": need.title}}]
        try:
            pushes = Push.objects.bulk_create([
                Push(patent_id=pk, enterprise_id=need.enterprise_id, institution_id=actor.organization_id,
                     enterprise_province_id=need.enterprise.province_id,
                     institution_province_id=actor.organization.province_id, source=PushSource.OFFER, need=need,
                     reasons=reasons, offered_by=actor, created_at=now)
                for pk in wanted
            ])
        except IntegrityError:  # pushed by a match cycle in the meantime
            raise OfferError([_("所选专利中有的刚刚已推送给该企业,请刷新页面后重新选择")]) from None
        tally.add_pushes([push.pk for push in pushes])
        audit("matching.need_offer", actor=actor, request=request, target=need, organization=actor.organization,
              after={"patents": [own[pk].application_number for pk in wanted], "enterprise": need.enterprise_id})
        notices.offered(pushes, actor.organization.name, need.title)
    return pushes
