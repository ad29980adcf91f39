"""Object routes of the review pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "inventory:self_assessment_detail": "inventory.selfassessmentinvitation",
    "inventory:self_assessment_edit": "inventory.inventoryrecord",
}
WRITES: dict[str, str] = {
    "inventory:self_assessment_close": "inventory.selfassessmentinvitation",
    "inventory:self_assessment_save": "inventory.inventoryrecord",
}
# The set-password link is keyed by a one-time token: a made-up one is refused to everyone.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "inventory:self_assessment_set_password": (frozenset(), {"uidb64": "MQ", "token": "no-such-token"}),
}
WRITES.update({
    "accounts:department_rename": "accounts.department",
    "accounts:member_department": "accounts.user",
})
