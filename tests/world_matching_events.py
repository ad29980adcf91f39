"""The fixture world's additions for matchmaking events (called at the end of world.build_world).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each
with the users who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area; `grow` adds a round of
events for the query-count bounds (tests/world_growth.py).

- ev_bj: 北京's office's published roadshow of bj_moe_library and gd_library; 北京中央企业 invited
  and registered; a deal on bj_moe_library with it, linked to the patent's licence.
  Seen by the platform, its organiser, the invited enterprise (also local) and the institutions
  presenting patents (北京示范大学's staff, its department included; 广东省人民医院); changed by its organiser.
- ev_platform: the platform's published event of gd_library, 广东专精特新 invited: seen by the
  platform, every province, every enterprise (platform events are open) and 广东省人民医院.
- ev_gd_draft: 广东's office's draft: the platform and its organiser only.
"""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from inventory.models import Conversion
from matching.events.models import EventEnterprise, EventPatent, MatchEvent

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

AUDIT = {"visible_to:audit": frozenset({"auditor"})}
EV_BJ = {"operator", "prov_bj_admin", "ent_bj_soe_admin", *INST_BJ_MOE, DEPT_ADMIN, "inst_gd_local_admin"}
EV_PLATFORM = {"operator", "prov_bj_admin", "prov_gd_admin", "ent_bj_soe_admin", "ent_gd_admin",
               "inst_gd_local_admin"}
EV_GD_DRAFT = {"operator", "prov_gd_admin"}
_serials = count(1)


def _event(organizer, user, title: str, *, status: str, days: int = 20) -> MatchEvent:
    now = timezone.now()
    return MatchEvent.objects.create(
        organizer=organizer, created_by=user, title=title, mode=MatchEvent.Mode.ON_SITE, venue="会展中心 3 号厅",
        starts_at=now + timedelta(days=days), registration_deadline=now + timedelta(days=days - 5),
        industry_codes=["1.5"], description="高校院所专利成果路演与企业对接", status=status,
    )


def _obj(key: str, obj, viewers, editors) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors), named=dict(AUDIT))


def extend(world) -> dict[str, list]:
    o, u, p = world.orgs, world.users, world.patents
    ev_bj = _event(o["prov_bj"], u["prov_bj_admin"], "北京高校专利成果路演", status=MatchEvent.Status.PUBLISHED)
    licence = Conversion.objects.filter(patent=p["bj_moe_library"]).first()
    EventPatent.objects.create(event=ev_bj, patent=p["bj_moe_library"], outcome=EventPatent.Outcome.DEAL,
                               enterprise=o["ent_bj_soe"], conversion=licence)
    EventPatent.objects.create(event=ev_bj, patent=p["gd_library"])
    EventEnterprise.objects.create(event=ev_bj, enterprise=o["ent_bj_soe"], invited=True,
                                   registered_at=timezone.now(), attendees=2)
    ev_platform = _event(o["platform"], u["operator"], "全国专利转化对接会", status=MatchEvent.Status.PUBLISHED)
    EventPatent.objects.create(event=ev_platform, patent=p["gd_library"])
    EventEnterprise.objects.create(event=ev_platform, enterprise=o["ent_gd"], invited=True, invited_by_match=True)
    ev_gd = _event(o["prov_gd"], u["prov_gd_admin"], "广东医疗器械专利对接(筹备)", status=MatchEvent.Status.DRAFT)
    world.events = {"ev_bj": ev_bj, "ev_platform": ev_platform, "ev_gd_draft": ev_gd}
    return {
        "matching.matchevent": [
            _obj("ev_bj", ev_bj, EV_BJ, {"prov_bj_admin"}),
            _obj("ev_platform", ev_platform, EV_PLATFORM, {"operator"}),
            _obj("ev_gd_draft", ev_gd, EV_GD_DRAFT, {"prov_gd_admin"}),
        ],
    }


def fingerprint() -> tuple:
    return (
        tuple(MatchEvent.objects.order_by("pk").values_list()),
        tuple(EventPatent.objects.order_by("pk").values_list()),
        tuple(EventEnterprise.objects.order_by("pk").values_list()),
    )


def grow(world, patents) -> None:
    """One round: a published event of each organiser presenting `patents` (library ones), with
    each world enterprise invited and one registered, and an outcome."""
    o, u = world.orgs, world.users
    tag = next(_serials)
    for org, user in ((o["prov_bj"], u["prov_bj_admin"]), (o["prov_gd"], u["prov_gd_admin"]),
                      (o["platform"], u["operator"])):
        event = _event(org, user, f"第 {tag} 轮 {org.name} 路演", status=MatchEvent.Status.PUBLISHED)
        items = EventPatent.objects.bulk_create([EventPatent(event=event, patent=patent) for patent in patents])
        EventPatent.objects.filter(pk=items[0].pk).update(outcome=EventPatent.Outcome.INTEREST)
        EventEnterprise.objects.bulk_create([
            EventEnterprise(event=event, enterprise=o["ent_bj_soe"], registered_at=timezone.now(), attendees=1),
            EventEnterprise(event=event, enterprise=o["ent_gd"]),
        ])
