from django.urls import path

from accounts.api import views

urlpatterns = [
    path("token/", views.ObtainTokenView.as_view(), name="api-token"),
]
