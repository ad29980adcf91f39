"""Object routes of the conversions pages for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    "inventory:conversion_edit": "inventory.conversion",
    "inventory:conversion_upload_detail": "inventory.importbatch",
}
WRITES: dict[str, str] = {
    "inventory:conversion_delete": "inventory.conversion",
    "inventory:open_licence_withdraw": "inventory.openlicensedeclaration",
    "inventory:conversion_upload_commit": "inventory.importbatch",
    "inventory:conversion_upload_cancel": "inventory.importbatch",
}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
