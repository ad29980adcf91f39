"""The reporting app's navigation entries (ground.registry collects them): each area registers its own."""

from django.utils.translation import gettext_lazy as _

from ground.registry import NavGroup, site
from reporting.cases import navigation as cases  # noqa: F401
from reporting.dashboards import navigation as dashboards  # noqa: F401
from reporting.feeds import navigation as feeds  # noqa: F401
from reporting.reports import navigation as reports  # noqa: F401
from reporting.spotchecks import navigation as spotchecks  # noqa: F401
from reporting.statistics import navigation as statistics  # noqa: F401

site.add_group(NavGroup("reporting", _("统计监测"), order=400))
