"""The evaluation namespace: each area declares its own routes in its urls.py."""

from evaluation.assessments import urls as assessments
from evaluation.experts import urls as experts
from evaluation.feedback import urls as feedback
from evaluation.indicators import urls as indicators
from evaluation.rounds import urls as rounds

app_name = "evaluation"

urlpatterns: list = []
for area in (experts, indicators, rounds, assessments, feedback):
    urlpatterns += area.urlpatterns
