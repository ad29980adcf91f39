"""Routes of the push pages (collected into the matching namespace by matching/urls.py)."""

from django.urls import path

from matching.pushes import views

urlpatterns: list = [
    path("pushes/", views.push_inbox, name="push_inbox"),
    path("pushes/<int:pk>/", views.push_detail, name="push_detail"),
    path("pushes/<int:pk>/dismiss/", views.push_dismiss, name="push_dismiss"),
    path("pushes/<int:pk>/interest/", views.push_interest, name="push_interest"),
    path("pushes/<int:pk>/evaluate/", views.push_evaluate, name="push_evaluate"),
    path("responses/", views.patent_responses, name="push_responses"),
    # pk is the patent's id.
    path("responses/<int:pk>/", views.patent_response_detail, name="push_patent_responses"),
    path("responses/territory/", views.territory_responses, name="push_territory"),
]
