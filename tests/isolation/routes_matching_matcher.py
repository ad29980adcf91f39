"""Object routes of the match cycle pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # A cycle's page and the progress it polls: the operator any cycle, a province the cycles it organised.
    "matching:cycle_detail": "matching.matchcycle",
    "matching:cycle_progress": "matching.matchcycle",
}
WRITES: dict[str, str] = {}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
