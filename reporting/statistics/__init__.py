"""Reporting area 'statistics': quarterly statistics as frozen snapshots per quarter and scope,
with versioned definitions, sign-off and the national bulletin."""
