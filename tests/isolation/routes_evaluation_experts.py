"""Object routes of the expert library for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "evaluation:expert_detail": "evaluation.expert",
    "evaluation:expert_upload_detail": "evaluation.expertsbatch",
}
WRITES: dict[str, str] = {
    "evaluation:expert_approve": "evaluation.expert",
    "evaluation:expert_reject": "evaluation.expert",
    "evaluation:expert_unavailability_remove": "evaluation.unavailability",
    "evaluation:expert_upload_commit": "evaluation.expertsbatch",
    "evaluation:expert_upload_cancel": "evaluation.expertsbatch",
}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
