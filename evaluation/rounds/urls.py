"""Routes of the evaluation area 'rounds' (collected by evaluation/urls.py)."""

urlpatterns: list = []
