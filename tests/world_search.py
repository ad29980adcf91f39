"""The fixture world's additions for the search area (called at the end of world.build_world).

The search area adds no objects with routes of their own; it indexes the world's patents for the
full-text search (every world title holds 一种基于深度学习的图像识别方法), so that a search as any
world user can be checked against `visible_to`.
"""


def extend(world) -> dict[str, list]:
    from inventory.models import Patent
    from inventory.search.services import index_patents

    index_patents(Patent.objects.all())
    return {}


def fingerprint() -> tuple:
    from inventory.models import Milestone, PatentSearchDocument

    return (
        tuple(PatentSearchDocument.objects.order_by("pk").values_list("pk", "tokens")),
        tuple(Milestone.objects.order_by("pk").values_list()),
    )
