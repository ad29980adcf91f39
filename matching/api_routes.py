"""The matching app's API: each area registers its viewsets on the project's router."""

from rest_framework.routers import DefaultRouter

from matching.events import api as events
from matching.matcher import api as matcher
from matching.needs import api as needs
from matching.pushes import api as pushes


def register(router: DefaultRouter) -> None:
    for area in (needs, pushes, matcher, events):
        area.register(router)
