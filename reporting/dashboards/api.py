"""API of the reporting area 'dashboards'."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Registers the area's viewsets on the project's router."""
