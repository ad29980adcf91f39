"""The evaluation app's navigation entries (ground.registry collects them): each area registers its own."""

from evaluation.assessments import navigation as assessments  # noqa: F401
from evaluation.experts import navigation as experts  # noqa: F401
from evaluation.feedback import navigation as feedback  # noqa: F401
from evaluation.indicators import navigation as indicators  # noqa: F401
from evaluation.rounds import navigation as rounds  # noqa: F401
