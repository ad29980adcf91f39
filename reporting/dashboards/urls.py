"""Routes of the reporting area 'dashboards' (collected into the reporting namespace by reporting/urls.py)."""

from django.urls import path

from reporting.dashboards import views

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data.xlsx", views.dashboard_export, name="dashboard_export"),
]
