"""The fixture world's additions for the evaluation area 'indicators' (called at the end of world.build_world).

The world's indicator system is the default one the data migration ships (version 1, current):
every role that evaluates or reads evaluations reads it (the platform's three administrators and
inventors do not); the platform alone publishes new versions.
"""

from evaluation.indicators.models import Dimension, Indicator, IndicatorSystem

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

READERS = {"operator", "moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin", *INST_BJ_MOE, DEPT_ADMIN,
           "inst_bj_local_admin", "inst_gd_local_admin", "ent_bj_soe_admin", "ent_gd_admin", "expert"}


def extend(world) -> dict[str, list]:
    system = IndicatorSystem.objects.get(is_current=True)
    world.indicator_system = system
    return {"evaluation.indicatorsystem": [
        WorldObject("forms_indicator_system_v1", system, frozenset(READERS), frozenset({"operator"})),
    ]}


def fingerprint() -> tuple:
    return (
        tuple(IndicatorSystem.objects.order_by("pk").values_list("pk", "version", "is_current", "name")),
        tuple(Dimension.objects.order_by("pk").values_list("pk", "weight", "name")),
        tuple(Indicator.objects.order_by("pk").values_list("pk", "weight", "name", "guidance")),
    )


def grow(world) -> None:
    """One round of tests/world_growth.py for this area: an earlier version of the tree (not current)."""
    base = IndicatorSystem.objects.get(is_current=True)
    top = IndicatorSystem.objects.order_by("-version").first().version
    old = IndicatorSystem.objects.create(version=top + 1, name=f"{base.name}(试行)", scenario=base.scenario)
    for dimension in base.dimensions.all():
        copy = Dimension.objects.create(system=old, code=dimension.code, name=dimension.name, weight=dimension.weight,
                                        position=dimension.position)
        Indicator.objects.bulk_create([Indicator(dimension=copy, code=i.code, name=i.name, guidance=i.guidance,
                                                 weight=i.weight, position=i.position)
                                       for i in dimension.indicators.all()])
