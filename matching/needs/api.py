"""This area's API viewsets, registered on the project's router by matching/api_routes.py."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets (none yet)."""
