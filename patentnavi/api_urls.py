"""/api/v1/: one router, every app registers its viewsets in its api/routes.py. Tokens are created on
the API 令牌 page (accounts.token_views), never from a password alone."""

from django.urls import include, path

from accounts.api.routes import register as register_accounts
from evaluation.api_routes import register as register_evaluation
from ground.api import IntegerIdRouter
from inventory.api.routes import register as register_inventory
from matching.api_routes import register as register_matching
from notifications.api import register as register_notifications
from reporting.api_routes import register as register_reporting

router = IntegerIdRouter()
register_accounts(router)
register_notifications(router)
register_inventory(router)
register_matching(router)
register_evaluation(router)
register_reporting(router)

urlpatterns = [
    path("", include(router.urls)),
]
