"""Object routes of expert evaluation's rounds for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # A province's round (the operator reads every round).
    "evaluation:round_detail": "evaluation.evaluationround",
    # An expert's assignment: the expert alone (its page is the expert's); others are refused.
    "evaluation:assignment_detail": "evaluation.assignment",
}
WRITES: dict[str, str] = {
    "evaluation:round_draw": "evaluation.evaluationround",
    "evaluation:assignment_reassign": "evaluation.assignment",
    "evaluation:assignment_declare": "evaluation.assignment",
    "evaluation:assignment_recuse": "evaluation.assignment",
    "evaluation:assignment_decline": "evaluation.assignment",
}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
