"""The evaluation app's navigation entries (ground.registry collects them): each area registers its own."""

from django.utils.translation import pgettext_lazy

from evaluation.assessments import navigation as assessments  # noqa: F401
from evaluation.experts import navigation as experts  # noqa: F401
from evaluation.feedback import navigation as feedback  # noqa: F401
from evaluation.indicators import navigation as indicators  # noqa: F401
from evaluation.rounds import navigation as rounds  # noqa: F401
from ground.registry import NavGroup, site

# "navigation": the menu's short English name (Evaluation), beside the longer one of the pages.
site.add_group(NavGroup("evaluation", pgettext_lazy("navigation", "专利评价"), order=300))
