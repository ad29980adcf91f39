from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("patents/", views.PatentListView.as_view(), name="patent_list"),
]
