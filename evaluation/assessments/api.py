"""API of the evaluation area 'assessments' (registered by evaluation/api_routes.py)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this area's viewsets on the project's router."""
