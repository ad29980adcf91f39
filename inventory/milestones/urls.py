"""Routes of the milestone pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.milestones import settings_views, views

urlpatterns: list = [
    path("milestones/", views.milestone_progress, name="milestones"),
    path("milestones/settings/", settings_views.milestone_settings, name="milestone_settings"),
]
