"""Object routes of the reporting area 'feeds' for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "reporting:feed_endpoint": "reporting.feedendpoint",
    "reporting:feed_batch": "reporting.feedbatch",
}
WRITES: dict[str, str] = {
    "reporting:feed_endpoint_save": "reporting.feedendpoint",
    "reporting:feed_secret_rotate": "reporting.feedendpoint",
    "reporting:feed_sync": "reporting.feedendpoint",
    "reporting:feed_batch_resend": "reporting.feedbatch",
}
# Whether a province's purpose needs the contacts is the operator's decision alone: every other
# role is refused before the setting is looked up.
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "reporting:feed_contacts": (frozenset({"operator"}), {"pk": 999_999}),
}
