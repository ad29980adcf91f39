"""Routes of the industries pages (joined into the inventory namespace by inventory/urls.py)."""

urlpatterns: list = []
