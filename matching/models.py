"""The matching app's models, collected from its areas for Django (each area owns its models)."""

from matching.events.models import EventEnterprise, EventPatent, MatchEvent
from matching.matcher.models import MatchChunk, MatchCycle
from matching.needs.models import EnterpriseProfile, ProfileSuggestion, TechnologyNeed
from matching.pushes.models import Push, PushSectorTally, PushTally

__all__ = [
    "EnterpriseProfile",
    "EventEnterprise",
    "EventPatent",
    "MatchChunk",
    "MatchCycle",
    "MatchEvent",
    "ProfileSuggestion",
    "Push",
    "PushSectorTally",
    "PushTally",
    "TechnologyNeed",
]
