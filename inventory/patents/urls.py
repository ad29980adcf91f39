"""Routes of the base-library pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.patents import views

urlpatterns: list = [
    path("base-library/", views.base_library, name="base_library"),
    path("base-library/<int:pk>/commit/", views.base_library_commit, name="base_library_commit"),
    path("base-library/<int:pk>/cancel/", views.base_library_cancel, name="base_library_cancel"),
    path("base-library/<int:pk>/retry/", views.base_library_retry, name="base_library_retry"),
    path("base-library/aliases/", views.add_alias, name="base_library_alias"),
]
