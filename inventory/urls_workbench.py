"""Routes of the workbench pages (joined into the inventory namespace by inventory/urls.py)."""

urlpatterns: list = []
