"""The fixture world's additions for the evaluation area 'rounds' (called at the end of world.build_world)."""


def extend(world) -> dict[str, list]:
    return {}


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return ()
