"""Object routes of the evaluation area 'indicators' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "evaluation:indicator_system_detail": "evaluation.indicatorsystem",
}
WRITES: dict[str, str] = {}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
