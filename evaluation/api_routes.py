"""The evaluation app's API: each area registers its viewsets on the project's router."""

from rest_framework.routers import DefaultRouter

from evaluation.assessments import api as assessments
from evaluation.experts import api as experts
from evaluation.feedback import api as feedback
from evaluation.indicators import api as indicators
from evaluation.rounds import api as rounds


def register(router: DefaultRouter) -> None:
    for area in (experts, indicators, rounds, assessments, feedback):
        area.register(router)
