"""Object routes of the workbench pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "inventory:patent_detail": "inventory.patent",
    "inventory:patent_edit": "inventory.patent",
    "inventory:patent_history": "inventory.patent",
}
WRITES: dict[str, str] = {
    "inventory:patent_save": "inventory.patent",
}
# A large bulk action's progress, keyed by a job id in the cache (only its starter reads it).
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "inventory:patent_bulk_job": (frozenset({"operator", "institution"}), {"job": "no-such-job"}),
}
