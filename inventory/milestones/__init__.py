"""Progress against the national milestones: the milestones (models), progress per
institution, province and ministry (services), the pages and the operator's settings page.
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("services",),
    services="active_milestones progress_for progress_for_many progress_overview watched_institutions",
)
