"""Routes of the evaluation area 'indicators' (collected by evaluation/urls.py)."""

from django.urls import path

from evaluation.indicators import views

urlpatterns: list = [
    path("indicators/", views.indicator_current, name="indicator_current"),
    path("indicators/new/", views.indicator_publish, name="indicator_publish"),
    path("indicators/<int:pk>/", views.indicator_system_detail, name="indicator_system_detail"),
]
