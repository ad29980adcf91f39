"""Object routes of pages (not the API, whose models are read off the viewsets): the world
model each acts on, and whether it shows (GET) or changes (POST) the object."""

from accounts.roles import Role

READS: dict[str, str] = {
    # "inventory:patent_detail": "inventory.patent",
    "inventory:upload_detail": "inventory.importbatch",
    "inventory:upload_status": "inventory.importbatch",
    "inventory:upload_report": "inventory.importbatch",
    "inventory:upload_file": "inventory.importbatch",
}

WRITES: dict[str, str] = {
    "inventory:upload_commit": "inventory.importbatch",
    "inventory:upload_cancel": "inventory.importbatch",
    "inventory:upload_retry": "inventory.importbatch",
    "inventory:base_library_commit": "inventory.importbatch",
    "inventory:base_library_cancel": "inventory.importbatch",
    "inventory:base_library_retry": "inventory.importbatch",
    "accounts:enterprise_approve": "accounts.organization",
    "accounts:enterprise_reject": "accounts.organization",
    "accounts:member_deactivate": "accounts.user",
    "accounts:member_reactivate": "accounts.user",
    "accounts:member_reset_password": "accounts.user",
}
WRITES.update({
    "accounts:user_deactivate": "accounts.user",
    "accounts:user_activate": "accounts.user",
    "accounts:user_reset_password": "accounts.user",
    "accounts:security_permissions": "accounts.user",
    "accounts:security_two_factor_reset": "accounts.user",
})

# Routes keyed by something other than a world object: the roles that may use them, and sample
# URL parameters (a token that does not exist: the route must refuse other roles before looking).
GATED: dict[str, tuple[frozenset[str], dict]] = {
    "accounts:allocation_preview": (frozenset({"operator"}), {"token": "no-such-token"}),
    "accounts:allocation_confirm": (frozenset({"operator"}), {"token": "no-such-token"}),
    "accounts:allocation_result": (frozenset({"operator"}), {"token": "no-such-token"}),
    "accounts:allocation_download": (frozenset({"operator"}), {"token": "no-such-token"}),
    # API tokens: anyone revokes their own (accounts.tokens scopes the lookup), the security
    # administrator anyone's.
    "accounts:token_revoke": (frozenset(Role.values), {"pk": 999999}),
    "accounts:security_token_revoke": (frozenset({"security_admin"}), {"pk": 999999}),
    # The two-person rule's requests (no world object): the system and security administrators only.
    "accounts:approval_approve": (frozenset({"system_admin", "security_admin"}), {"pk": 999_999}),
    "accounts:approval_reject": (frozenset({"system_admin", "security_admin"}), {"pk": 999_999}),
}

# Each area's object routes (tests/isolation/routes_<area>.py), merged here.
from . import (  # noqa: E402
    routes_conversions,
    routes_evaluation_assessments,
    routes_evaluation_experts,
    routes_evaluation_feedback,
    routes_evaluation_indicators,
    routes_evaluation_rounds,
    routes_industries,
    routes_library,
    routes_matching_events,
    routes_matching_matcher,
    routes_matching_needs,
    routes_matching_pushes,
    routes_notifications,
    routes_reporting_cases,
    routes_reporting_dashboards,
    routes_reporting_feeds,
    routes_reporting_reports,
    routes_reporting_spotchecks,
    routes_reporting_statistics,
    routes_review,
    routes_search,
    routes_workbench,
)

AREAS = (
    routes_workbench,
    routes_review,
    routes_library,
    routes_conversions,
    routes_industries,
    routes_search,
    routes_notifications,
    routes_matching_pushes,
    routes_matching_events,
    routes_matching_matcher,
    routes_matching_needs,
    routes_evaluation_experts,
    routes_evaluation_indicators,
    routes_evaluation_rounds,
    routes_evaluation_assessments,
    routes_evaluation_feedback,
    routes_reporting_statistics,
    routes_reporting_dashboards,
    routes_reporting_reports,
    routes_reporting_spotchecks,
    routes_reporting_cases,
    routes_reporting_feeds,
)
for _area in AREAS:
    READS.update(_area.READS)
    WRITES.update(_area.WRITES)
    GATED.update(_area.GATED)
