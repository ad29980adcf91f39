"""The reporting app's API: each area registers its viewsets on the project's router."""

from rest_framework.routers import DefaultRouter

from reporting.cases import api as cases
from reporting.dashboards import api as dashboards
from reporting.feeds import api as feeds
from reporting.reports import api as reports
from reporting.spotchecks import api as spotchecks
from reporting.statistics import api as statistics


def register(router: DefaultRouter) -> None:
    for area in (statistics, dashboards, reports, spotchecks, cases, feeds):
        area.register(router)
