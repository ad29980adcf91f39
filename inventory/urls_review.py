"""Routes of the review pages (joined into the inventory namespace by inventory/urls.py)."""

urlpatterns: list = []
