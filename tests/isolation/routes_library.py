"""Object routes of the library pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # A library entry, keyed by its patent id. The page shows library entries only: a library
    # patent to whoever browses the national library (expectations.PATENTS lists them), any other
    # patent to nobody.
    "inventory:library_detail": "inventory.patent",
}
WRITES: dict[str, str] = {}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
