from django.conf import settings
from django.conf.urls.static import static
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
# The error pages, in Chinese in the site's layout; JSON under /api/ (ground.errors).
handler400 = "ground.errors.bad_request"
handler403 = "ground.errors.permission_denied"
handler404 = "ground.errors.page_not_found"
handler500 = "ground.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
