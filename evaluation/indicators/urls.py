"""Routes of the evaluation area 'indicators' (collected by evaluation/urls.py)."""

urlpatterns: list = []
