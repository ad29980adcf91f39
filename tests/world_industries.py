"""The fixture world's additions for the industries area (called at the end of world.build_world).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each with the users
who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area.
"""


def extend(world) -> dict[str, list]:
    return {}


def fingerprint() -> tuple:
    return ()
