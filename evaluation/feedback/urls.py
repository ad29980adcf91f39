"""Routes of the evaluation area 'feedback' (collected by evaluation/urls.py)."""

urlpatterns: list = []
