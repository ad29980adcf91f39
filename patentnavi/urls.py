from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import home
from ground.registry import collect

# Each app's navigation entries and home-page cards (ground.registry).
collect()

urlpatterns = [
    path("", home, name="home"),
    # The language switch is offered on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    # The login form's captcha images (django-simple-captcha, drawn here), open before sign-in.
    path("captcha/", include("accounts.captcha_urls")),
    path("notifications/", include("notifications.urls")),
    path("inventory/", include("inventory.urls")),
    path("matching/", include("matching.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("reporting/", include("reporting.urls")),
    path("api/v1/", include("patentnavi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its start-up script served as a file (no inline script: Content-Security-Policy).
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    # Redoc needs inline styles (and web fonts from a CDN): its old address leads to Swagger UI.
    path("api/redoc/", login_required(RedirectView.as_view(pattern_name="api-docs")), name="api-redoc"),
]
# MEDIA_ROOT is never served by URL, DEBUG included: uploaded sheets and error reports name
# patents, staff and departments, so they are read only through the views that scope them
# (inventory/upload/views.py, the exports of accounts.exports).

# The error pages, in Chinese in the site's layout; JSON under /api/ (ground.errors).
handler400 = "ground.errors.bad_request"
handler403 = "ground.errors.permission_denied"
handler404 = "ground.errors.page_not_found"
handler500 = "ground.errors.server_error"
