"""The fixture world's additions for the workbench area (called at the end of world.build_world).

`extend` creates its objects and returns {model label: [tests.isolation.objects.WorldObject]}, each with the users
who may see and change it, written out by hand (see tests/isolation/expectations.py).
`fingerprint` returns what a refused write must not change in this area.

The workbench adds no model and no object of its own: its pages show the world's patents and
records (tests/isolation/routes_workbench.py). Its history display, which must not name an
institution's staff to supervisors, is checked in tests/test_workbench.py.
"""


def extend(world) -> dict[str, list]:
    return {}


def fingerprint() -> tuple:
    return ()
