from rest_framework.routers import DefaultRouter

from accounts.api import viewsets


def register(router: DefaultRouter) -> None:
    router.register("organizations", viewsets.OrganizationViewSet, basename="organization")
    router.register("provinces", viewsets.ProvinceViewSet, basename="province")
