"""Routes of the reporting area 'feeds' (collected into the reporting namespace by reporting/urls.py)."""

from django.urls import path

from reporting.feeds import views

urlpatterns: list = [
    path("feeds/", views.feeds_home, name="feeds"),
    path("feeds/<int:pk>/", views.feed_endpoint, name="feed_endpoint"),
    path("feeds/<int:pk>/endpoint/", views.feed_endpoint_save, name="feed_endpoint_save"),
    path("feeds/<int:pk>/secret/", views.feed_secret_rotate, name="feed_secret_rotate"),
    path("feeds/<int:pk>/contacts/", views.feed_contacts, name="feed_contacts"),
    path("feeds/<int:pk>/sync/", views.feed_sync, name="feed_sync"),
    path("feeds/batches/<int:pk>/", views.feed_batch, name="feed_batch"),
    path("feeds/batches/<int:pk>/resend/", views.feed_batch_resend, name="feed_batch_resend"),
]
