"""Routes of the reporting area 'spotchecks' (collected into the reporting namespace by reporting/urls.py)."""

from django.urls import path

from reporting.spotchecks import views

urlpatterns: list = [
    path("spot-checks/", views.spotcheck_list, name="spotcheck_list"),
    path("spot-checks/new/", views.spotcheck_create, name="spotcheck_create"),
    path("spot-checks/<int:pk>/", views.spotcheck_detail, name="spotcheck_detail"),
    path("spot-checks/<int:pk>/assign/", views.spotcheck_assign, name="spotcheck_assign"),
    path("spot-checks/<int:pk>/request-corrections/", views.spotcheck_request_corrections,
         name="spotcheck_request_corrections"),
    path("spot-checks/<int:pk>/retry-draw/", views.spotcheck_retry_draw, name="spotcheck_retry_draw"),
    path("spot-checks/review/", views.review_queue, name="spotcheck_review_queue"),
    path("spot-checks/records/<int:pk>/", views.sampled_detail, name="spotcheck_sampled"),
    path("spot-checks/records/<int:pk>/finding/", views.sampled_finding, name="spotcheck_finding"),
    path("spot-checks/corrections/", views.corrections, name="spotcheck_corrections"),
    path("spot-checks/corrections/<int:pk>/", views.correct, name="spotcheck_correct"),
]
