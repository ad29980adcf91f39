"""Routes of the evaluation area 'experts' (collected by evaluation/urls.py)."""

urlpatterns: list = []
