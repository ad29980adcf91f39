"""Routes of the library pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.library import views as library_views

urlpatterns: list = [
    path("library/", library_views.library_browse, name="library"),
    path("library/quality/", library_views.library_quality, name="library_quality"),
    # pk is the patent's id: a library entry is one patent.
    path("library/<int:pk>/", library_views.library_detail, name="library_detail"),
]
