"""Object routes of the reporting area 'statistics' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # A run's page shows the reader's rows only (QuarterlyStat.visible_to); every reader of runs opens it.
    "reporting:stat_run": "reporting.statrun",
    # The list behind one figure of one row: the row must be the reader's.
    "reporting:stat_trace": "reporting.quarterlystat",
}
WRITES: dict[str, str] = {
    "reporting:stat_publish": "reporting.statrun",
}
# A sign-off names no object of the signer's choosing beyond the run: provincial offices and
# ministries only; every other role is refused before the run is looked up.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "reporting:stat_sign": (frozenset({"province", "ministry"}), {"pk": 999_999}),
}
