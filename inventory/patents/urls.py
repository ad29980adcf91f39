"""Routes of the base-library pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.patents import views

urlpatterns: list = [
    path("base-library/", views.base_library, name="base_library"),
    path("base-library/aliases/", views.add_alias, name="base_library_alias"),
]
