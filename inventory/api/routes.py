from rest_framework.routers import DefaultRouter

from . import viewsets


def register(router: DefaultRouter) -> None:
    router.register("patents", viewsets.PatentViewSet, basename="patent")
