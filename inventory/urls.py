from django.urls import path

from . import (
    base_library_views,
    upload_views,
    urls_conversions,
    urls_industries,
    urls_library,
    urls_review,
    urls_search,
    urls_workbench,
    views,
)

app_name = "inventory"

urlpatterns = [
    path("patents/", views.patent_list, name="patent_list"),
    path("base-library/", base_library_views.base_library, name="base_library"),
    path("base-library/aliases/", base_library_views.add_alias, name="base_library_alias"),
    # The institution's standard-format upload (inventory.upload_views).
    path("uploads/", upload_views.upload_list, name="upload_list"),
    path("uploads/new/", upload_views.upload_new, name="upload_new"),
    path("uploads/<int:pk>/", upload_views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/status/", upload_views.upload_status, name="upload_status"),
    path("uploads/<int:pk>/commit/", upload_views.upload_commit, name="upload_commit"),
    path("uploads/<int:pk>/cancel/", upload_views.upload_cancel, name="upload_cancel"),
    path("uploads/<int:pk>/report.xlsx", upload_views.upload_report, name="upload_report"),
    path("uploads/<int:pk>/file/", upload_views.upload_file, name="upload_file"),
    path("templates/inventory.xlsx", upload_views.template_inventory, name="template_inventory"),
    path("templates/base-library.xlsx", upload_views.template_base_library, name="template_base_library"),
    path("export/my-patents.xlsx", upload_views.export_prefilled, name="export_prefilled"),
]
# Inventory II's pages, one module per area.
for area in (urls_workbench, urls_review, urls_library, urls_conversions, urls_industries, urls_search):
    urlpatterns += area.urlpatterns
