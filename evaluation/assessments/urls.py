"""Routes of the evaluation area 'assessments' (collected by evaluation/urls.py)."""

urlpatterns: list = []
