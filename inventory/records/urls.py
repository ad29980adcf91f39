"""Routes of the review pages and of the inventor self-assessment (joined into the inventory
namespace by inventory/urls.py)."""

from django.urls import path

from inventory.records import review_views
from inventory.records import self_assessment_views as sa

urlpatterns: list = [
    path("review/", review_views.review_queue, name="review_queue"),
    path("review/action/", review_views.review_action, name="review_action"),
    path("review/levels/", review_views.review_levels, name="review_levels"),
    path("review/records/<int:pk>/", review_views.review_record, name="review_record"),
    path("review/records/<int:pk>/action/", review_views.review_record_action, name="review_record_action"),
    # Staff: invitations.
    path("self-assessment/invitations/", sa.invitation_list, name="self_assessment_invitations"),
    path("self-assessment/invitations/new/", sa.invitation_new, name="self_assessment_invite"),
    path("self-assessment/invitations/<int:pk>/", sa.invitation_detail, name="self_assessment_detail"),
    path("self-assessment/invitations/<int:pk>/close/", sa.invitation_close, name="self_assessment_close"),
    # The inventor (and staff amending): one form per patent's record.
    path("self-assessment/", sa.my_patents, name="self_assessment_mine"),
    path("self-assessment/records/<int:pk>/", sa.record_form, name="self_assessment_edit"),
    path("self-assessment/records/<int:pk>/save/", sa.record_save, name="self_assessment_save"),
    # The one-time link an invited inventor sets their password with.
    path("self-assessment/password/<str:uidb64>/<str:token>/", sa.set_password, name="self_assessment_set_password"),
]
