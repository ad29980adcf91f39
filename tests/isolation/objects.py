"""A world object with the users who may see it and those who may change it."""

from dataclasses import dataclass

from django.db.models import Model


@dataclass(frozen=True)
class WorldObject:
    key: str
    obj: Model
    viewers: frozenset[str]
    editors: frozenset[str]
