"""The inventory namespace: each area declares its own routes in its urls.py."""

from inventory.classification import urls as classification
from inventory.conversions import urls as conversions
from inventory.library import urls as library
from inventory.milestones import urls as milestones
from inventory.patents import urls as patents
from inventory.records import urls as records
from inventory.search import urls as search
from inventory.upload import urls as upload
from inventory.workbench import urls as workbench

app_name = "inventory"

urlpatterns: list = []
for area in (workbench, patents, upload, records, library, conversions, classification, search, milestones):
    urlpatterns += area.urlpatterns
