"""The shared API of patents, inventory records and import batches (viewsets, serializers,
filters) that areas extend (the workbench), and the routes every area registers (routes).

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

MODULES = ()

__getattr__, __dir__, __all__ = public(
    __name__, modules=MODULES,
    serializers="InventoryRecordSerializer",
    viewsets="InventoryRecordViewSet PatentViewSet",
)
