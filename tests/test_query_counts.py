"""No list asks the database once per row: every list page and every list endpoint of the API,
as every role that may use it, takes the same number of SQL queries on a world with three times
as many objects, and no more than its bound.

The routes are found by walking the URLconf (tests/isolation/routes.py): a DRF route whose GET
serves the collection (`list`, or an action with detail=False) is a list endpoint, and must have
a bound in API_BOUNDS; every other page without URL parameters is either a list page with a bound
in PAGE_BOUNDS or named in NOT_LISTS with the reason it lists nothing. A new route that is in
neither fails `test_every_list_route_has_a_bound`.

A bound is today's query count of the route's busiest role plus a little room: the scoping
queries may gain a join or a lookup, but not one query per row. Raising a bound is a decision to
make in review, with the reason.

The world grows by tests/world_growth.py: one round of objects of every kind first, then two more.
Each request is made once beforehand (to fill the per-process caches, such as content types, and
to find the roles the route answers), and the cache is cleared before each counted request.
"""

import logging
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import InventoryChange
from inventory.records import history

from .isolation.routes import Route, all_routes
from .test_review_queue import _submitted
from .world_growth import grow

# One user of each role (a department's admin and an inventor are institution users with their
# own scope).
ROLE_USERS = (
    "operator", "sysadmin", "secadmin", "auditor", "moe_admin", "prov_bj_admin", "inst_bj_moe_admin",
    "inst_bj_moe_member", "inst_bj_moe_dept_admin", "inst_bj_moe_inventor", "ent_gd_admin", "expert",
)
FIRST_ROUNDS, MORE_ROUNDS = 1, 2

# List pages: the most SQL queries a request of any role may take (today's busiest role on SQLite or
# PostgreSQL, + 2).
PAGE_BOUNDS: dict[str, int] = {
    "home": 14,  # every card of the role counts over its scope
    "accounts:audit_export": 13,
    "accounts:audit_log": 9,
    "reporting:report_list": 13,  # the quarters with statistics, the jobs with their requester and organisation
    "reporting:stat_list": 12,  # a page of runs, the sign-offs counted in one grouped query
    "accounts:departments": 9,
    "accounts:enterprise_review": 11,
    "accounts:member_add": 9,  # the form offers the institution's departments
    "accounts:members": 13,  # + 3: the audit event of its personal-data read (lock, chain head, insert)
    "accounts:security": 13,  # the locked accounts, their addresses, the restricted addresses
    "accounts:security_tokens": 9,
    "accounts:tokens": 9,
    "accounts:approvals": 9,
    "accounts:user_admin": 10,
    "inventory:base_library": 9,
    "inventory:base_library_alias": 9,  # the institutions the patentee's name suggests
    "inventory:conversion_list": 15,
    "inventory:conversion_upload": 9,  # the form, then the institution's recent uploads
    "inventory:export_prefilled": 10,
    "inventory:industries": 15,
    "inventory:industries_export": 11,
    "inventory:library": 23,  # + 3: the audit event of its personal-data read (lock, chain head, insert)
    "inventory:library_quality": 11,
    "inventory:milestone_settings": 9,
    "inventory:milestones": 12,
    "inventory:patent_list": 15,
    "inventory:review_queue": 12,
    "inventory:search": 13,  # PostgreSQL's full-text path takes 11
    "inventory:self_assessment_invitations": 9,
    "inventory:self_assessment_mine": 11,
    "inventory:upload_list": 11,
    "inventory:upload_new": 9,  # the form, then the institution's recent uploads
    "notifications:list": 12,
    "notifications:robots": 12,
    "notifications:deliveries": 12,
    "matching:event_list": 14,
    "matching:need_board": 14,
    "matching:need_list": 12,
    "matching:need_upload": 9,  # the form, then the organisation's recent uploads
    "evaluation:feedback_list": 13,  # the summaries' page and count, their improvement needs, the dimensions
    "evaluation:feedback_answers": 11,
    "evaluation:feedback_reasons": 13,  # totals, by sector, by institution, the sectors' names
    "evaluation:feedback_reasons_export": 14,  # as the page, + the export's audit event
    "evaluation:feedback_export": 14,  # the evaluators' disclosure (two queries), then the rows by chunks
    "evaluation:feedback_upload": 10,  # the form, then the organisation's recent uploads
    "matching:profile_list": 11,
    "matching:cycle_list": 8,
    "matching:push_inbox": 12,
    "matching:push_responses": 8,
    "matching:push_territory": 10,
    "matching:profile_mine": 14,  # the profile, its pending suggestions, the industry and province names
    "evaluation:indicator_current": 12,  # the current version's tree (three queries) and the versions
    "evaluation:my_evaluations": 14,  # the evaluations, the pushes or assignments waiting for one
    "evaluation:expert_library": 13,
    "evaluation:expert_recommendations": 11,
    "evaluation:expert_review": 11,
    "evaluation:expert_upload": 10,
    "evaluation:expert_me": 11,
    "evaluation:assignment_list": 10,
    "evaluation:request_list": 13,
    "evaluation:round_create": 10,  # the form and the open requests (at most 200)
    "evaluation:round_list": 15,  # a page of rounds, their progress in three grouped queries
    "reporting:spotcheck_list": 10,  # a page of spot checks with their organisers
    "reporting:spotcheck_review_queue": 10,  # a page of the reviewer's sampled records
    "reporting:spotcheck_corrections": 10,  # a page of the institution's findings to correct
    "reporting:case_list": 12,  # a page of reports, the quarters and provinces to filter by
    "reporting:feeds": 15,  # a province: its setting, positions and 20 batches; the operator: grouped per province
    "reporting:dashboard": 16,  # runs, own+national, beneath, trend, picker, milestones (2), sectors
    "reporting:dashboard_export": 17,  # as the page less the picker, + the export's audit event
}

# List endpoints of /api/v1/ (their route names): the same.
API_BOUNDS: dict[str, int] = {
    "conversion-list": 9,
    "report-job-list": 9,
    "stat-run-list": 9,
    "quarterly-stat-list": 9,
    "stat-signoff-list": 9,
    "importbatch-list": 10,
    "industry-list": 10,
    "inventoryrecord-list": 12,  # + 3: the audit event of its personal-data read (lock, chain head, insert)
    "library-facets": 17,
    "library-list": 12,
    "matchevent-list": 10,
    "matching-need-list": 10,
    "evaluation-feedback-list": 9,
    "spot-checks-list": 8,
    "spot-check-records-list": 8,
    "case-reports-list": 9,
    "evaluation-feedback-summaries": 12,
    "evaluation-list": 12,
    "indicator-system-list": 12,
    "matching-profile-list": 10,
    "milestoneprogress-list": 11,
    "openlicensedeclaration-list": 9,
    "organization-list": 9,
    "patent-list": 9,
    "province-list": 9,
    "search-list": 13,  # PostgreSQL's full-text path takes 11
    "selfassessmentinvitation-list": 10,
    "technologyfield-list": 9,
    "notification-list": 9,
    "notification-unread-count": 9,
    "push-list": 7,
    "push-response-list": 7,
    "push-territory-list": 8,
    "expert-list": 9,
    "expert-me": 9,
    "assignment-list": 9,
    "evaluation-round-list": 12,
    "expert-request-list": 9,
    "province-feed-list": 14,  # + 3: the audit event of the pull (lock, chain head, insert)
}

# Lists of reference data loaded by migrations (industries, technology fields, provinces,
# milestones): the world cannot grow them, so only their bound is checked.
REFERENCE_DATA = {
    "inventory:industries", "inventory:industries_export", "inventory:milestone_settings",
    "industry-list", "technologyfield-list", "province-list",
}
# Collection routes that answer a number, not a list: only their bound is checked.
COUNTS = {"notification-unread-count"}

# Pages without URL parameters that list nothing, and why.
NOT_LISTS: dict[str, str] = {
    "reporting:spotcheck_create": "the form; its select holds the institutions in scope (one query)",
    "reporting:case_create": "the form of a new report",
    "matching:cycle_start": "a form starting a cycle (it redirects)",
    "matching:matcher_weights": "the fixed table of the matcher's weights",
    "set_language": "POST only: switches the language",
    "reporting:stat_compute": "POST only: queues the computation of a quarter",
    "accounts:login": "the sign-in form",
    "accounts:logout": "POST only",
    "accounts:password_change": "a form",
    "accounts:register": "the registration form, for anonymous visitors",
    "accounts:register_done": "a message",
    "accounts:user_create": "a form",
    "accounts:security_unlock": "POST only",
    "accounts:member_two_factor": "POST only",
    "accounts:two_factor": "the enrolment form (one device)",
    "accounts:two_factor_verify": "the code form",
    "accounts:two_factor_sms": "POST only",
    "accounts:security_unlock_address": "POST only",
    "accounts:allocation": "the upload form of account allocation",
    "accounts:allocation_template": "a fixed template file",
    "inventory:template_inventory": "a fixed template file",
    "inventory:template_base_library": "a fixed template file",
    "inventory:template_conversions": "a fixed template file",
    "inventory:industries_load": "the upload form of the concordance",
    "inventory:patent_bulk": "POST only",
    "inventory:patent_count": "the workbench's total: one COUNT",
    "inventory:review_action": "POST only",
    "inventory:review_levels": "POST only",
    "inventory:conversion_new": "a form for one patent",
    "inventory:open_licence_new": "a form for one patent",
    "matching:event_new": "the form of a new event",
    "inventory:self_assessment_invite": "a form (record ids are typed or carried over from the workbench)",
    "matching:need_new": "a form for one need",
    "evaluation:indicator_publish": "the form of the next version (one tree)",
    "matching:template_needs": "a fixed template file",
    "evaluation:feedback_template": "a fixed template file",
    "evaluation:expert_new": "a form recommending one expert",
    "evaluation:expert_unavailability_add": "POST only",
    "evaluation:template_experts": "a fixed template file",
    "api-root": "DRF's index of the endpoints",
    "api-schema": "the OpenAPI schema (tests/test_openapi_schema.py)",
    "api-docs": "the schema's viewer",
    "api-redoc": "the schema's viewer",
    "notifications:read_all": "POST only",
    "notifications:preferences": "a form (the user's own channels)",
    "evaluation:request_create": "POST only",
}

# Query strings of routes that list nothing without one.
QUERY_STRINGS = {
    # The sign-ins the world grows by: the measuring itself writes refusals and reads to the log.
    "accounts:audit_log": "?action=auth.login",
    "inventory:search": "?q=神经网络",
    "search-list": "?q=神经网络",
    "inventory:base_library_alias": "?name=新增大学",
}


def _is_api_collection(route: Route) -> bool:
    actions = getattr(route.callback, "actions", None) or {}
    initkwargs = getattr(route.callback, "initkwargs", {}) or {}
    return "get" in actions and (actions["get"] == "list" or initkwargs.get("detail") is False)


def parameterless_routes() -> tuple[list[Route], list[Route]]:
    """(pages, API collection routes) among the routes without URL parameters."""
    pages: dict[str, Route] = {}
    api: dict[str, Route] = {}
    for route in all_routes():
        if not route.name or route.kwargs:
            continue  # DRF's ".json" suffix variants take a `format` parameter and serve the same view
        if getattr(route.callback, "actions", None) is not None:
            if _is_api_collection(route):
                api.setdefault(route.name, route)
            continue  # POST-only collection actions (bulk, review transitions) list nothing
        pages.setdefault(route.name, route)
    return list(pages.values()), list(api.values())


def test_every_list_route_has_a_bound():
    pages, api = parameterless_routes()
    page_names, api_names = {r.name for r in pages}, {r.name for r in api}
    problems = [f"page {name}: add it to PAGE_BOUNDS (a list) or NOT_LISTS (why it lists nothing)"
                for name in sorted(page_names - set(PAGE_BOUNDS) - set(NOT_LISTS))]
    problems += [f"list endpoint {name}: add its bound to API_BOUNDS" for name in sorted(api_names - set(API_BOUNDS))]
    problems += [f"{name} is in PAGE_BOUNDS and NOT_LISTS" for name in sorted(set(PAGE_BOUNDS) & set(NOT_LISTS))]
    problems += [f"{name}: no such page" for name in sorted((set(PAGE_BOUNDS) | set(NOT_LISTS)) - page_names)]
    problems += [f"{name}: no such list endpoint" for name in sorted(set(API_BOUNDS) - api_names)]
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Measure:
    status: int
    queries: int
    size: int  # of the body, to tell that the world's growth reached the route


def _counted(client: Client, url: str) -> Measure:
    """A GET, its streamed body read to its end, with the SQL queries it took."""
    cache.clear()
    connection.queries_log.clear()  # the log keeps 9,000 queries; the count is of this request's
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return Measure(response.status_code, len(queries), len(body))


def _measure(world, names: list[str], users_of: dict[str, dict] | None = None) -> dict[str, dict[str, Measure]]:
    """{route: {user: Measure}} for every role user whose request succeeds (2xx); with `users_of`,
    of the users it gives each route."""
    found: dict[str, dict[str, Measure]] = {}
    for username in ROLE_USERS:
        client = Client()
        client.force_login(world.users[username])
        for name in names:
            url = reverse(name) + QUERY_STRINGS.get(name, "")
            if users_of is None:
                # The first request warms the process's caches and finds who may use the route.
                if not 200 <= _counted(client, url).status < 300:
                    continue
            elif username not in users_of.get(name, ()):
                continue
            found.setdefault(name, {})[username] = _counted(client, url)
    return found


def _check(world, bounds: dict[str, int]) -> list[str]:
    names = sorted(bounds)
    grow(world, FIRST_ROUNDS)
    # Refusals are expected (most routes belong to a few roles): not worth a logged warning each.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.ERROR)
    try:
        before = _measure(world, names)
        grow(world, MORE_ROUNDS)
        after = _measure(world, names, users_of=before)
    finally:
        request_logger.setLevel(level)
    problems = []
    for name in names:
        if not before.get(name):
            problems.append(f"{name}: no role could use it")
            continue
        grew = False
        for username, first in sorted(before[name].items()):
            then = after.get(name, {}).get(username)
            if then is None or not 200 <= then.status < 300:
                problems.append(f"{name} as {username}: answered before the world grew, not after")
                continue
            grew = grew or then.size > first.size
            if then.queries > first.queries:
                problems.append(f"{name} as {username}: {first.queries} queries, "
                                f"{then.queries} with three times the objects")
            if max(first.queries, then.queries) > bounds[name]:
                problems.append(f"{name} as {username}: {max(first.queries, then.queries)} queries, "
                                f"bound {bounds[name]}")
        if not grew and name not in REFERENCE_DATA | COUNTS:
            problems.append(f"{name}: no role's response grew with the world; add what it lists to "
                            "tests/world_growth.py")
    return problems


@pytest.mark.django_db
def test_list_pages_take_a_bounded_number_of_queries(world):
    problems = _check(world, PAGE_BOUNDS)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_list_endpoints_take_a_bounded_number_of_queries(world):
    problems = _check(world, API_BOUNDS)
    assert not problems, "\n".join(problems)



# Today's count + 2: 12, of which three read the history since the last reviews and the names of
# the industries and technology fields the changes name.
REVIEW_QUEUE_BOUND = 14


def _review_page(world, count: int) -> list[int]:
    """`count` records waiting for 计算机学院's admin, each returned once and edited four times
    since (a maturity, a conversion intent, its industries and technology fields), a history of
    six entries each."""
    admin = world.user("inst_bj_moe_dept_admin")
    records = _submitted(world, department=admin.department, count=count)
    ids = [record.pk for record in records]
    entries = []
    for pk in ids:
        entries.append(history.change(record_id=pk, changes={"scenarios": ["", "工业视觉质检"]}, actor=admin,
                                      source=InventoryChange.Source.WEB))
        entries.append(history.change(record_id=pk, changes={"review_state": ["submitted", "returned"]}, actor=admin,
                                      source=InventoryChange.Source.WEB))
        for changes in ({"maturity": [5, 6]}, {"intents": [["transfer"], ["transfer", "license"]]},
                        {"industry_codes": [[], ["1.5"]]}, {"field_numbers": [[], [6]]},
                        {"review_state": ["returned", "submitted"]}):
            entries.append(history.change(record_id=pk, changes=changes, actor=admin,
                                          source=InventoryChange.Source.WEB))
    history.write_changes(entries)
    return ids


@pytest.mark.django_db
def test_review_queue_with_changes_takes_a_fixed_number_of_queries(world):
    """The review queue shows, on each of up to 100 rows, the fields changed since the record's
    last review (industries and technology fields by name) and its listing score: a full page of
    100 rows, each with a history, takes as many queries as a page of 10, within the bound."""
    client = Client()
    client.force_login(world.user("inst_bj_moe_dept_admin"))
    client.get(reverse("inventory:review_queue"))  # warm the per-process caches
    measures = []
    for count in (10, 90):
        ids = _review_page(world, count)
        measure = _counted(client, reverse("inventory:review_queue"))
        body = client.get(reverse("inventory:review_queue")).content.decode()
        assert measure.status == 200 and f'id="review-{ids[-1]}"' in body
        assert "1.5 人工智能" in body and "6 计算机技术" in body  # industries and fields by name
        measures.append(measure)
    few, full = measures
    assert body.count('class="pn-review-row') == 100
    assert full.queries == few.queries <= REVIEW_QUEUE_BOUND, (few.queries, full.queries)
