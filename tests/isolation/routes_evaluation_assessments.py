"""Object routes of the evaluation area 'assessments' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "evaluation:evaluation_detail": "evaluation.evaluation",
    "evaluation:evaluation_edit": "evaluation.evaluation",
    # An enterprise's entry to evaluating a patent: the patents pushed to it or in the library.
    "evaluation:patent_evaluate": "inventory.patent",
}
WRITES: dict[str, str] = {
    "evaluation:evaluation_draft": "evaluation.evaluation",
    "evaluation:evaluation_submit": "evaluation.evaluation",
    "evaluation:evaluation_withdraw": "evaluation.evaluation",
    "evaluation:assignment_evaluate_start": "evaluation.assignment",
}
# Starting an enterprise's evaluation of a patent the enterprise reads but does not edit: the other
# roles are refused before the patent is looked up.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "evaluation:patent_evaluate_start": (frozenset({"enterprise"}), {"pk": 999_999}),
}
