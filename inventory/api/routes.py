from rest_framework.routers import DefaultRouter

from . import viewsets


def register(router: DefaultRouter) -> None:
    router.register("patents", viewsets.PatentViewSet, basename="patent")
    router.register("inventory-records", viewsets.InventoryRecordViewSet, basename="inventoryrecord")
    router.register("import-batches", viewsets.ImportBatchViewSet, basename="importbatch")
