"""Routes of the institution's standard-format upload (joined into the inventory namespace by
inventory/urls.py)."""

from django.urls import path

from inventory.upload import views

urlpatterns: list = [
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/new/", views.upload_new, name="upload_new"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/status/", views.upload_status, name="upload_status"),
    path("uploads/<int:pk>/commit/", views.upload_commit, name="upload_commit"),
    path("uploads/<int:pk>/cancel/", views.upload_cancel, name="upload_cancel"),
    path("uploads/<int:pk>/retry/", views.upload_retry, name="upload_retry"),
    path("uploads/<int:pk>/report.xlsx", views.upload_report, name="upload_report"),
    path("uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path("templates/inventory.xlsx", views.template_inventory, name="template_inventory"),
    path("templates/base-library.xlsx", views.template_base_library, name="template_base_library"),
    path("export/my-patents.xlsx", views.export_prefilled, name="export_prefilled"),
]
