"""Routes of the search and milestone pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from . import milestone_settings, milestone_views, search_views

urlpatterns: list = [
    path("search/", search_views.search_page, name="search"),
    path("milestones/", milestone_views.milestone_progress, name="milestones"),
    path("milestones/settings/", milestone_settings.milestone_settings, name="milestone_settings"),
]
