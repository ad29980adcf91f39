"""The national conversion resource library (专利转化资源库): browsing, filters and facets
(services), listing quality and its score (listing), the pages (views) and the API (api).

Other areas and apps import this area through the names below (and its models, urls, api and
tasks modules); everything else is the area's own.
"""

from ground.exports import public

# The public submodules: imported whole, as `from inventory.library import <module>`.
MODULES = ("listing",)

__getattr__, __dir__, __all__ = public(__name__, modules=MODULES, listing="refresh_scores")
