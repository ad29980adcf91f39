"""Routes of the search page (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.search import views

urlpatterns: list = [
    path("search/", views.search_page, name="search"),
]
