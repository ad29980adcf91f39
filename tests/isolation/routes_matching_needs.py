"""Object routes of the profile and needs pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "matching:profile_detail": "matching.enterpriseprofile",
    "matching:need_detail": "matching.technologyneed",
    "matching:need_edit": "matching.technologyneed",
    "matching:need_upload_detail": "matching.needsbatch",
}
WRITES: dict[str, str] = {
    "matching:suggestion_accept": "matching.profilesuggestion",
    "matching:suggestion_ignore": "matching.profilesuggestion",
    "matching:need_close": "matching.technologyneed",
    "matching:need_reopen": "matching.technologyneed",
    "matching:need_upload_commit": "matching.needsbatch",
    "matching:need_upload_cancel": "matching.needsbatch",
}
# An offer answers a need the institution reads but does not edit: the other roles are refused
# before the need is looked up (the world needs then stay unanswered).
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "matching:need_offer": (frozenset({"institution"}), {"pk": 999_999}),
}
