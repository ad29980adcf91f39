"""Routes of the evaluation area 'rounds' (collected into the evaluation namespace by evaluation/urls.py)."""

from django.urls import path

from evaluation.rounds import views

urlpatterns: list = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/draw/", views.round_draw, name="round_draw"),
    path("assignments/<int:pk>/reassign/", views.assignment_reassign, name="assignment_reassign"),
    path("tasks/", views.assignment_list, name="assignment_list"),
    path("tasks/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("tasks/<int:pk>/declare/", views.assignment_declare, name="assignment_declare"),
    path("tasks/<int:pk>/recuse/", views.assignment_recuse, name="assignment_recuse"),
    path("tasks/<int:pk>/decline/", views.assignment_decline, name="assignment_decline"),
]
