"""Object routes of the push pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # The enterprise's push page (others are refused); opening it marks the push viewed.
    "matching:push_detail": "matching.push",
    # The responses to one patent, keyed by the patent's id: its own institution's staff and the operator.
    "matching:push_patent_responses": "inventory.patent",
}
WRITES: dict[str, str] = {
    "matching:push_dismiss": "matching.push",
    "matching:push_interest": "matching.push",
    "matching:push_evaluate": "matching.push",
}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
