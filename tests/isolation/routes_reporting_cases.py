"""Object routes of the reporting area 'cases' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "reporting:case_detail": "reporting.casereport",
    # The scoped, audited download of an attachment (never a MEDIA URL).
    "reporting:case_attachment": "reporting.caseattachment",
}
WRITES: dict[str, str] = {
    "reporting:case_edit": "reporting.casereport",
    "reporting:case_submit": "reporting.casereport",
    "reporting:case_attach": "reporting.casereport",
    "reporting:case_attachment_remove": "reporting.caseattachment",
}
# Marking for the bulletin is the platform's (editable_by "mark"): other roles are refused first.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "reporting:case_mark": (frozenset({"operator"}), {"pk": 999_999}),
}
