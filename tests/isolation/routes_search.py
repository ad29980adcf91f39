"""Object routes of the search pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {}
WRITES: dict[str, str] = {}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
GATED["inventory:milestone_settings"] = (frozenset({"operator"}), {})
