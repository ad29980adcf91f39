"""Routes of the reporting area 'reports' (collected into the reporting namespace by reporting/urls.py)."""

from django.urls import path

from reporting.reports import views

urlpatterns: list = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_job, name="report_job"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
