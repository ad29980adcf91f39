"""The evaluation app's models, collected from its areas for Django (each area owns its models)."""

from evaluation.assessments.models import Evaluation, IndicatorScore
from evaluation.experts.models import Expert, ExpertsBatch, Unavailability
from evaluation.feedback.models import EvaluationsBatch, FeedbackAnswer
from evaluation.indicators.models import Dimension, Indicator, IndicatorSystem
from evaluation.rounds.models import Assignment, CoInventorLink, Draw, EvaluationRound, ExpertRequest, RoundPatent

__all__ = [
    "Assignment",
    "CoInventorLink",
    "Dimension",
    "Draw",
    "Evaluation",
    "EvaluationRound",
    "EvaluationsBatch",
    "Expert",
    "ExpertRequest",
    "ExpertsBatch",
    "FeedbackAnswer",
    "Indicator",
    "IndicatorScore",
    "IndicatorSystem",
    "RoundPatent",
    "Unavailability",
]
