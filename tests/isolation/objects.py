"""A world object with the users who may see it and those who may change it."""

from dataclasses import dataclass, field

from django.db.models import Model


@dataclass(frozen=True)
class WorldObject:
    key: str
    obj: Model
    viewers: frozenset[str]
    editors: frozenset[str]
    # The users of each named purpose of visible_to and action of editable_by that the model's
    # queryset declares, as {"visible_to:own": users, "editable_by:record_conversion": users}.
    named: dict[str, frozenset[str]] = field(default_factory=dict)
