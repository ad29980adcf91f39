"""Object routes of the evaluation area 'feedback' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # One patent's evaluations: the patent read through Patent.visible_to, its evaluations through
    # Evaluation.visible_to (never wider than the patent's readers in the world).
    "evaluation:feedback_patent": "inventory.patent",
    "evaluation:feedback_upload_detail": "evaluation.evaluationsbatch",
}
WRITES: dict[str, str] = {
    "evaluation:feedback_upload_commit": "evaluation.evaluationsbatch",
    "evaluation:feedback_upload_cancel": "evaluation.evaluationsbatch",
}
# An answer is written by the institution owning the evaluated patent, which reads but does not
# edit the evaluation: the other roles are refused before the evaluation is looked up.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "evaluation:feedback_answer": (frozenset({"institution"}), {"pk": 999_999}),
}
