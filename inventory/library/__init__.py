"""The national conversion resource library (专利转化资源库): browsing, filters and facets
(services), listing quality and its score (listing), the pages (views) and the API (api).
"""

from ground.exports import public

__getattr__, __dir__, __all__ = public(
    __name__, modules=("listing",), listing="refresh_scores MIN_SCENARIO_CHARS SCENARIO_HELP",
    services="card"
)
