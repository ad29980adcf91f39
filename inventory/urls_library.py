"""Routes of the library pages (joined into the inventory namespace by inventory/urls.py)."""

urlpatterns: list = []
