"""The reporting namespace: each area declares its own routes in its urls.py."""

from reporting.cases import urls as cases
from reporting.dashboards import urls as dashboards
from reporting.feeds import urls as feeds
from reporting.reports import urls as reports
from reporting.spotchecks import urls as spotchecks
from reporting.statistics import urls as statistics

app_name = "reporting"

urlpatterns: list = []
for area in (statistics, dashboards, reports, spotchecks, cases, feeds):
    urlpatterns += area.urlpatterns
