"""Routes of the search pages (joined into the inventory namespace by inventory/urls.py)."""

urlpatterns: list = []
