"""Object routes of the reporting area 'dashboards' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {}
WRITES: dict[str, str] = {}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
