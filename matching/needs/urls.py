"""This area's pages (collected into the matching namespace by matching/urls.py)."""

from django.urls import path

from matching.needs import views

urlpatterns: list = [
    path("profile/", views.profile_mine, name="profile_mine"),
    path("profiles/", views.profile_list, name="profile_list"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile_detail"),
    path("suggestions/<int:pk>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/<int:pk>/ignore/", views.suggestion_ignore, name="suggestion_ignore"),
    path("needs/", views.need_list, name="need_list"),
    path("needs/board/", views.board, name="need_board"),
    path("needs/new/", views.need_new, name="need_new"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/close/", views.need_close, name="need_close"),
    path("needs/<int:pk>/reopen/", views.need_reopen, name="need_reopen"),
    path("needs/<int:pk>/offer/", views.need_offer, name="need_offer"),
    path("needs/uploads/new/", views.need_upload, name="need_upload"),
    path("needs/uploads/<int:pk>/", views.need_upload_detail, name="need_upload_detail"),
    path("needs/uploads/<int:pk>/commit/", views.need_upload_commit, name="need_upload_commit"),
    path("needs/uploads/<int:pk>/cancel/", views.need_upload_cancel, name="need_upload_cancel"),
    path("templates/needs.xlsx", views.need_template, name="template_needs"),
]
