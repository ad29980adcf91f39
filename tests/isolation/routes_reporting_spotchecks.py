"""Object routes of the reporting area 'spotchecks' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "reporting:spotcheck_detail": "reporting.spotcheck",
    # A sampled record's page: the platform, the organiser and the supervising ministry (the
    # institution reads its findings on its corrections page, refused here by role).
    "reporting:spotcheck_sampled": "reporting.sampledrecord",
}
WRITES: dict[str, str] = {
    "reporting:spotcheck_assign": "reporting.spotcheck",
    "reporting:spotcheck_request_corrections": "reporting.spotcheck",
    "reporting:spotcheck_retry_draw": "reporting.spotcheck",
    # The finding, by the reviewer assigned (SampledRecord.editable_by).
    "reporting:spotcheck_finding": "reporting.sampledrecord",
}
# A correction is written by the institution reading the finding (editable_by "correct"): other
# roles are refused before the record is looked up.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "reporting:spotcheck_correct": (frozenset({"institution"}), {"pk": 999_999}),
}
