"""Routes of the evaluation area 'assessments' (collected by evaluation/urls.py)."""

from django.urls import path

from evaluation.assessments import views

urlpatterns: list = [
    path("mine/", views.my_evaluations, name="my_evaluations"),
    path("patents/<int:pk>/evaluate/", views.patent_evaluate, name="patent_evaluate"),
    path("patents/<int:pk>/evaluate/start/", views.patent_evaluate_start, name="patent_evaluate_start"),
    path("assignments/<int:pk>/evaluate/", views.assignment_evaluate_start, name="assignment_evaluate_start"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/edit/", views.evaluation_edit, name="evaluation_edit"),
    path("evaluations/<int:pk>/draft/", views.evaluation_draft, name="evaluation_draft"),
    path("evaluations/<int:pk>/submit/", views.evaluation_submit, name="evaluation_submit"),
    path("evaluations/<int:pk>/withdraw/", views.evaluation_withdraw, name="evaluation_withdraw"),
]
