"""This area's pages (collected into the matching namespace by matching/urls.py)."""

from django.urls import path

from matching.matcher import views

urlpatterns: list = [
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/start/", views.cycle_start, name="cycle_start"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/progress/", views.cycle_progress, name="cycle_progress"),
    path("weights/", views.weights_page, name="matcher_weights"),
]
