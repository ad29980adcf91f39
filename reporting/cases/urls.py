"""Routes of the reporting area 'cases' (collected into the reporting namespace by reporting/urls.py)."""

from django.urls import path

from reporting.cases import views

urlpatterns: list = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/submit/", views.case_submit, name="case_submit"),
    path("cases/<int:pk>/attachments/", views.case_attach, name="case_attach"),
    path("cases/<int:pk>/mark/", views.case_mark, name="case_mark"),
    path("cases/attachments/<int:pk>/", views.attachment_download, name="case_attachment"),
    path("cases/attachments/<int:pk>/remove/", views.attachment_remove, name="case_attachment_remove"),
]
