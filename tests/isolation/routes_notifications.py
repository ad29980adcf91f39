"""Object routes of the notification centre for the isolation harness (merged by object_routes.py)."""

READS: dict[str, str] = {
    # Opening a notification marks it read and follows its link: its recipient's alone.
    "notifications:open": "notifications.notification",
}
WRITES: dict[str, str] = {
    "notifications:read": "notifications.notification",
    "notifications:robot_delete": "notifications.organizationrobot",
    "notifications:robot_toggle": "notifications.organizationrobot",
    "notifications:robot_test": "notifications.organizationrobot",
}
GATED: dict[str, tuple[frozenset[str], dict]] = {}
