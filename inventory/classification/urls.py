"""Routes of the industries pages (joined into the inventory namespace by inventory/urls.py)."""

from django.urls import path

from inventory.classification import views as industry_views

urlpatterns: list = [
    path("industries/", industry_views.concordance, name="industries"),
    path("industries/concordance/load/", industry_views.concordance_load, name="industries_load"),
    path("industries/concordance.xlsx", industry_views.concordance_export, name="industries_export"),
]
