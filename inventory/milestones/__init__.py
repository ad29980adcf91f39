"""Progress against the national milestones: the milestones (models), progress per
institution, province and ministry (services), the pages and the operator's settings page.

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

# The public submodules: imported whole, as `from inventory.milestones import <module>`.
MODULES = ("services",)

__getattr__, __dir__, __all__ = public(__name__, modules=MODULES, services="progress_for")
