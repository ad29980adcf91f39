"""Object routes of the reporting area 'reports' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # A report job's progress page and its file: ReportJob.visible_to (its organisation, the operator).
    "reporting:report_job": "reporting.reportjob",
    "reporting:report_download": "reporting.reportjob",
}
WRITES: dict[str, str] = {}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
