"""The fixture world's additions for the matcher area (called at the end of world.build_world).

Three match cycles: the platform's, and one organised by each world province. The platform's
operator sees all three; each provincial office sees the cycles it organised; nobody else any.
"""

from matching.matcher.models import MatchCycle

from .isolation.expectations import AUDIT_LOG_READERS
from .isolation.objects import WorldObject

CYCLES = {
    "platform_cycle": ("platform", MatchCycle.Kind.PLATFORM, None, {"operator"}),
    "bj_cycle": ("prov_bj", MatchCycle.Kind.PROVINCE, "110000", {"operator", "prov_bj_admin"}),
    "gd_cycle": ("prov_gd", MatchCycle.Kind.PROVINCE, "440000", {"operator", "prov_gd_admin"}),
}


def extend(world) -> dict[str, list]:
    objects = []
    for key, (organizer, kind, province, viewers) in CYCLES.items():
        cycle = MatchCycle.objects.create(kind=kind, organizer=world.orgs[organizer], province_id=province,
                                          status=MatchCycle.Status.DONE)
        objects.append(WorldObject(key, cycle, frozenset(viewers), frozenset(viewers),
                                   named={"visible_to:audit": frozenset(AUDIT_LOG_READERS)}))
    return {"matching.matchcycle": objects}


def fingerprint() -> tuple:
    return tuple(MatchCycle.objects.order_by("pk").values_list("pk", "status", "chunks_total", "pushes_created"))


def grow(world) -> None:
    """One round of the query-count test's growing world: a cycle of each organiser."""
    for organizer, kind, province, _viewers in CYCLES.values():
        MatchCycle.objects.create(kind=kind, organizer=world.orgs[organizer], province_id=province,
                                  status=MatchCycle.Status.DONE)
