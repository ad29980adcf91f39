"""Routes of the reporting area 'statistics' (collected into the reporting namespace by reporting/urls.py)."""

from django.urls import path

from reporting.statistics import views

urlpatterns: list = [
    path("statistics/", views.run_list, name="stat_list"),
    path("statistics/compute/", views.compute, name="stat_compute"),
    path("statistics/<int:pk>/", views.run_detail, name="stat_run"),
    path("statistics/<int:pk>/sign/", views.sign, name="stat_sign"),
    path("statistics/<int:pk>/publish/", views.publish, name="stat_publish"),
    path("statistics/figures/<int:pk>/", views.figure_list, name="stat_trace"),
]
