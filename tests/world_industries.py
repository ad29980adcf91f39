"""The fixture world's additions for the industries area (called at the end of world.build_world).

Industries and technology fields are reference data (loaded by migration 0004), the same for
everyone signed in: a few of them are offered to the harness, with every signed-in world user as
viewer and nobody as editor, so that the API's list and detail routes are walked like
accounts.province.
`fingerprint` returns what a refused write must not change in this area: the concordance and
the patents' classification.
"""

from .isolation import expectations as E
from .isolation.objects import WorldObject


def extend(world) -> dict[str, list]:
    from inventory.models import Industry, TechnologyField

    everyone = frozenset(E.SIGNED_IN)
    return {
        "inventory.industry": [
            WorldObject(code, Industry.objects.get(code=code), everyone, frozenset()) for code in ("1", "1.5", "4.1")
        ],
        "inventory.technologyfield": [
            WorldObject(str(number), TechnologyField.objects.get(number=number), everyone, frozenset())
            for number in (6, 35)
        ],
    }


def fingerprint() -> tuple:
    from inventory.models import IndustryRule, PatentIndustry, PatentTechField

    return (
        tuple(IndustryRule.objects.order_by("pk").values_list("pk", "industry_id", "ipc_patterns", "provisional")),
        tuple(PatentIndustry.objects.order_by("pk").values_list("patent_id", "industry_id", "is_manual")),
        tuple(PatentTechField.objects.order_by("pk").values_list("patent_id", "field_id", "is_manual")),
    )
