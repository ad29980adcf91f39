"""The matching namespace: each area declares its own routes in its urls.py."""

from matching.events import urls as events
from matching.matcher import urls as matcher
from matching.needs import urls as needs
from matching.pushes import urls as pushes

app_name = "matching"

urlpatterns: list = []
for area in (needs, pushes, matcher, events):
    urlpatterns += area.urlpatterns
