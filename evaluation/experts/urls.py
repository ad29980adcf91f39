"""Routes of the expert library (collected into the evaluation namespace by evaluation/urls.py)."""

from django.urls import path

from evaluation.experts import views

urlpatterns: list = [
    path("experts/", views.expert_library, name="expert_library"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/approve/", views.expert_approve, name="expert_approve"),
    path("experts/<int:pk>/reject/", views.expert_reject, name="expert_reject"),
    path("experts/review/", views.expert_review, name="expert_review"),
    path("experts/recommendations/", views.recommendation_list, name="expert_recommendations"),
    path("experts/recommendations/new/", views.expert_new, name="expert_new"),
    path("experts/me/", views.expert_me, name="expert_me"),
    path("experts/me/unavailability/", views.unavailability_add, name="expert_unavailability_add"),
    path("experts/me/unavailability/<int:pk>/remove/", views.unavailability_remove,
         name="expert_unavailability_remove"),
    path("experts/uploads/new/", views.expert_upload, name="expert_upload"),
    path("experts/uploads/<int:pk>/", views.expert_upload_detail, name="expert_upload_detail"),
    path("experts/uploads/<int:pk>/commit/", views.expert_upload_commit, name="expert_upload_commit"),
    path("experts/uploads/<int:pk>/cancel/", views.expert_upload_cancel, name="expert_upload_cancel"),
    path("templates/experts.xlsx", views.expert_template, name="template_experts"),
]
