"""Object routes of the matchmaking events pages for the isolation harness (merged by object_routes.py).

An event's page is read by whoever sees the event; its organiser's pages (edit, patents, invite)
and actions by its organiser only. Registering is an enterprise's: every other role is refused
before any event is looked up; which events an enterprise may register for is the event's
visibility, tested in tests/test_matching_events.py.
"""

from accounts.roles import Role

READS: dict[str, str] = {
    "matching:event_detail": "matching.matchevent",
    "matching:event_edit": "matching.matchevent",
    "matching:event_patents": "matching.matchevent",
    "matching:event_invite": "matching.matchevent",
}
WRITES: dict[str, str] = {
    "matching:event_publish": "matching.matchevent",
    "matching:event_close": "matching.matchevent",
    "matching:event_patents_add": "matching.matchevent",
    "matching:event_patent_remove": "matching.matchevent",
    "matching:event_invite_match": "matching.matchevent",
    "matching:event_invite_add": "matching.matchevent",
    "matching:event_outcome": "matching.matchevent",
}
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "matching:event_register": (frozenset({Role.ENTERPRISE}), {"pk": 999_999}),
}
