"""This area's pages (collected into the matching namespace by matching/urls.py)."""

from django.urls import path

from matching.events import views

urlpatterns: list = [
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/publish/", views.event_publish, name="event_publish"),
    path("events/<int:pk>/close/", views.event_close, name="event_close"),
    path("events/<int:pk>/patents/", views.event_patents, name="event_patents"),
    path("events/<int:pk>/patents/add/", views.event_patents_add, name="event_patents_add"),
    path("events/<int:pk>/patents/remove/", views.event_patent_remove, name="event_patent_remove"),
    path("events/<int:pk>/invite/", views.event_invite, name="event_invite"),
    path("events/<int:pk>/invite/match/", views.event_invite_match, name="event_invite_match"),
    path("events/<int:pk>/invite/add/", views.event_invite_add, name="event_invite_add"),
    path("events/<int:pk>/outcome/", views.event_outcome, name="event_outcome"),
    path("events/<int:pk>/register/", views.event_register, name="event_register"),
]
