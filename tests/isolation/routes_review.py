"""Object routes of the review pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "inventory:self_assessment_detail": "inventory.selfassessmentinvitation",
    "inventory:self_assessment_edit": "inventory.inventoryrecord",
    # A record's assessment beside the review queue: its institution's staff (a department's, their
    # department's records); everyone else 403/404.
    "inventory:review_record": "inventory.inventoryrecord",
}
WRITES: dict[str, str] = {
    "inventory:self_assessment_close": "inventory.selfassessmentinvitation",
    "inventory:self_assessment_save": "inventory.inventoryrecord",
    "inventory:review_record_action": "inventory.inventoryrecord",
}
# The set-password link is keyed by a one-time token: a made-up one is refused to everyone.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "inventory:self_assessment_set_password": (frozenset(), {"uidb64": "MQ", "token": "no-such-token"}),
}
WRITES.update({
    "accounts:department_rename": "accounts.department",
    "accounts:member_department": "accounts.user",
})
