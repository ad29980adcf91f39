"""Routes of the conversions pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.conversions import views as views

urlpatterns: list = [
    path("conversions/", views.conversion_list, name="conversion_list"),
    path("conversions/new/", views.conversion_new, name="conversion_new"),
    path("conversions/<int:pk>/edit/", views.conversion_edit, name="conversion_edit"),
    path("conversions/<int:pk>/delete/", views.conversion_delete, name="conversion_delete"),
    path("conversions/open-licences/new/", views.open_licence_new, name="open_licence_new"),
    path("conversions/open-licences/<int:pk>/withdraw/", views.open_licence_withdraw, name="open_licence_withdraw"),
    path("conversions/uploads/new/", views.conversion_upload, name="conversion_upload"),
    path("conversions/uploads/<int:pk>/", views.conversion_upload_detail, name="conversion_upload_detail"),
    path("conversions/uploads/<int:pk>/commit/", views.conversion_upload_commit, name="conversion_upload_commit"),
    path("conversions/uploads/<int:pk>/cancel/", views.conversion_upload_cancel, name="conversion_upload_cancel"),
    path("templates/conversions.xlsx", views.conversion_template, name="template_conversions"),
]
