"""Matching tells people through the one notification service, inside the change it announces:
institutions hear of interest (the enterprise named only where it allows direct contact), each
enterprise of a cycle hears once of its new pushes, an organiser of a registration, invited
enterprises of a published event, and nobody hears of a refused or rolled-back change."""

import pytest
from django.db import transaction

from matching.choices import PushStatus
from matching.events import services as events
from matching.matcher.models import MatchCycle
from matching.models import EnterpriseProfile, Push
from matching.pushes import notices
from matching.pushes import services as pushes
from matching.pushes.services import PushError
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _push(world, key: str) -> Push:
    return next(item.obj for item in world.extra_objects["matching.push"] if item.key == f"push_{key}")


def _fresh_push(world) -> Push:
    return next(item.obj for item in world.extra_objects["matching.push"]
                if item.obj.status in (PushStatus.DELIVERED, PushStatus.VIEWED))


def _told(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).select_related("recipient"))


def test_interest_tells_the_institution_naming_the_enterprise_only_where_allowed(world):
    push = _fresh_push(world)
    enterprise_user = next(u for u in world.users.values() if u.organization_id == push.enterprise_id)
    pushes.express_interest(enterprise_user, push)
    told = _told("push.interest")
    assert told and {n.recipient.organization_id for n in told} == {push.institution_id}
    assert all("某企业" in n.title and push.enterprise.name not in n.title for n in told)
    assert all(n.url.endswith(f"/matching/responses/{push.patent_id}/") for n in told)


def test_an_allowed_enterprise_is_named(world):
    push = _fresh_push(world)
    EnterpriseProfile.objects.update_or_create(enterprise_id=push.enterprise_id,
                                               defaults={"allow_direct_contact": True})
    enterprise_user = next(u for u in world.users.values() if u.organization_id == push.enterprise_id)
    pushes.express_interest(enterprise_user, push)
    assert all(push.enterprise.name in n.title for n in _told("push.interest"))


def test_a_refused_answer_tells_nobody(world):
    push = _fresh_push(world)
    enterprise_user = next(u for u in world.users.values() if u.organization_id == push.enterprise_id)
    pushes.express_interest(enterprise_user, push)
    count = Notification.objects.count()
    with pytest.raises(PushError):
        pushes.request_evaluation(enterprise_user, push)
    assert Notification.objects.count() == count


def test_a_rolled_back_answer_tells_nobody(world):
    push = _fresh_push(world)
    enterprise_user = next(u for u in world.users.values() if u.organization_id == push.enterprise_id)
    count = Notification.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        pushes.express_interest(enterprise_user, push)
        raise RuntimeError("the surrounding change failed")
    assert Notification.objects.count() == count


def test_each_enterprise_of_a_cycle_hears_once_however_many_pushes(world, django_assert_max_num_queries):
    cycle_pushes = list(Push.objects.all())
    assert cycle_pushes
    from_cycle = {p.enterprise_id for p in cycle_pushes}
    cycle_id = cycle_pushes[0].cycle_id
    if cycle_id is None:
        cycle_id = MatchCycle.objects.create(kind=MatchCycle.Kind.PLATFORM).pk
        Push.objects.update(cycle_id=cycle_id)
    with django_assert_max_num_queries(40):
        told = notices.cycle_pushes_written(cycle_id, from_cycle)
    assert told == len(from_cycle)
    notes = _told("push.new")
    recipients = [n.recipient for n in notes]
    assert {u.organization_id for u in recipients} == from_cycle
    assert len(recipients) == len({u.pk for u in recipients}), "one message per user"


def test_an_organiser_hears_of_a_registration(world):
    event = world.events["ev_platform"]
    events.register(world.user("ent_gd_admin"), event, attendees=2)
    told = _told("event.registered")
    assert told and {n.recipient.organization_id for n in told} == {event.organizer_id}
    assert "2 人参会" in told[0].title
