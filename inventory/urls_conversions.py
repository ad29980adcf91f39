"""Routes of the conversions pages (joined into the inventory namespace by inventory/urls.py)."""

urlpatterns: list = []
