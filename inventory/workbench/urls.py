"""Routes of the workbench pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.workbench import views

urlpatterns: list = [
    path("patents/", views.patent_list, name="patent_list"),
    path("patents/bulk/", views.patent_bulk, name="patent_bulk"),
    path("patents/count/", views.patent_count, name="patent_count"),
    path("patents/bulk/<str:job>/", views.patent_bulk_job, name="patent_bulk_job"),
    path("patents/<int:pk>/", views.patent_detail, name="patent_detail"),
    path("patents/<int:pk>/edit/", views.patent_edit, name="patent_edit"),
    path("patents/<int:pk>/save/", views.patent_save, name="patent_save"),
    path("patents/<int:pk>/history/", views.patent_history, name="patent_history"),
]
