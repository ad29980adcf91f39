from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import home
from ground.registry import collect

# Each app's navigation entries and home-page cards (ground.registry).
collect()

urlpatterns = [
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("inventory/", include("inventory.urls")),
    path("api/v1/", include("patentnavi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
# MEDIA_ROOT is never served by URL, DEBUG included: uploaded sheets and error reports name
# patents, staff and departments, so they are read only through the views that scope them
# (inventory/upload/views.py, the exports of accounts.exports).
