"""The shared API of patents, inventory records and import batches (viewsets, serializers,
filters) that areas extend (the workbench), and the routes every area registers (routes).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__,
    serializers="InventoryRecordSerializer",
    viewsets="InventoryRecordViewSet PatentViewSet",
)
