"""This area's pages (collected into the matching namespace by matching/urls.py)."""

urlpatterns: list = []
