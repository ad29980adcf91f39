"""Routes of the evaluation area 'feedback' (collected by evaluation/urls.py)."""

from django.urls import path

from evaluation.feedback import views

urlpatterns: list = [
    path("feedback/", views.feedback_list, name="feedback_list"),
    path("feedback/patents/<int:pk>/", views.feedback_patent, name="feedback_patent"),
    path("feedback/evaluations/<int:pk>/answer/", views.feedback_answer, name="feedback_answer"),
    path("feedback/answers/", views.feedback_answers, name="feedback_answers"),
    path("feedback/reasons/", views.feedback_reasons, name="feedback_reasons"),
    path("feedback/reasons.xlsx", views.feedback_reasons_export, name="feedback_reasons_export"),
    path("feedback/evaluations.xlsx", views.feedback_export, name="feedback_export"),
    path("feedback/template.xlsx", views.feedback_template, name="feedback_template"),
    path("feedback/uploads/new/", views.feedback_upload, name="feedback_upload"),
    path("feedback/uploads/<int:pk>/", views.feedback_upload_detail, name="feedback_upload_detail"),
    path("feedback/uploads/<int:pk>/commit/", views.feedback_upload_commit, name="feedback_upload_commit"),
    path("feedback/uploads/<int:pk>/cancel/", views.feedback_upload_cancel, name="feedback_upload_cancel"),
]
