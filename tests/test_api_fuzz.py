"""The API against its contract: schemathesis generates requests for every operation of
docs/openapi.yaml and sends them through the whole Django stack (middleware, authentication,
throttling, views) as three roles with write tokens: the platform's operator, an institution's
admin and an enterprise's admin. No answer may be a server error, and every answer must match the
schema the API publishes.

Every operation is fuzzed, writes included: the world is built once per module in a transaction
rolled back at its end, and each operation's cases run in a savepoint of their own (the `db`
fixture), so that a case's writes never leak into another test. Path ids are drawn both at random
and among the world's objects, so that detail routes and writes reach real records.

Bounded for CI: API_FUZZ_EXAMPLES (default 30) cases per operation and role in the fuzzing phase,
derandomized (the same cases on every run); API_FUZZ_COVERAGE=1 adds schemathesis' coverage
phase (boundary and invalid values of every parameter, thousands of cases) for a broader run;
API_FUZZ_REPORT names a file to which each test process appends its count of cases and failing
cases per operation (JSON lines).
"""

import collections
import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import tokens
from accounts.models import APIToken, Organization, Province
from inventory.classification.models import Industry, TechnologyField
from inventory.conversions.models import Conversion, OpenLicenseDeclaration
from inventory.models import ImportBatch, InventoryRecord, Patent
from inventory.records.models import SelfAssessmentInvitation

from . import wsgi_in_test
from .world import build_world

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "30"))
COVERAGE = os.environ.get("API_FUZZ_COVERAGE", "") == "1"
CONFIG = schemathesis.Config.from_dict({
    "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
})
SCHEMA = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.yaml", config=CONFIG)
SCHEMA.app = wsgi_in_test.application
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

# role: the world user whose write token the role's requests carry
ROLES = {"platform": "operator", "institution": "inst_bj_moe_admin", "enterprise": "ent_gd_admin"}
# collection in /api/v1/<collection>/{key}/: (model, key field)
KEYED = {
    "conversions": (Conversion, "pk"), "import-batches": (ImportBatch, "pk"),
    "inventory-records": (InventoryRecord, "pk"), "open-licences": (OpenLicenseDeclaration, "pk"),
    "organizations": (Organization, "pk"), "patents": (Patent, "pk"),
    "self-assessment-invitations": (SelfAssessmentInvitation, "pk"), "provinces": (Province, "code"),
    "industries": (Industry, "code"), "technology-fields": (TechnologyField, "number"),
}
_world_keys: dict[str, list] = {}
_tally: collections.Counter = collections.Counter()


@pytest.fixture(scope="module")
def role_tokens(django_db_setup, django_db_blocker) -> dict[str, str]:
    """The world, built once for the module's tests, and each role's write token; all rolled back
    at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        raw_tokens = {}
        for role, username in ROLES.items():
            _token, raw_tokens[role] = tokens.create(user=world.user(username), name="fuzz",
                                                     scope=APIToken.Scope.WRITE, days=1, second_factor_passed=True)
        for collection, (model, key) in KEYED.items():
            _world_keys[collection] = sorted(model.objects.values_list(key, flat=True))
        yield raw_tokens
        _world_keys.clear()
        transaction.set_rollback(True)


@pytest.fixture(params=sorted(ROLES))
def auth_headers(request, role_tokens, db) -> dict[str, str]:
    return {"Authorization": f"Token {role_tokens[request.param]}"}


@SCHEMA.hook
def flatmap_path_parameters(context, path_parameters: dict):
    """As generated, or with the key of one of the world's objects in its place."""
    collection = context.operation.path.split("/")[3]
    if collection not in KEYED or not path_parameters:
        return st.just(path_parameters)
    (name,) = path_parameters
    return st.one_of(st.just(path_parameters), st.integers(min_value=0).map(
        lambda index: {name: _world_keys[collection][index % len(_world_keys[collection])]}
        if _world_keys.get(collection) else path_parameters))


@pytest.mark.api_fuzz
@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case, auth_headers):
    _tally[case.operation.label, "cases"] += 1
    try:
        case.call_and_validate(headers=auth_headers, checks=CHECKS)
    except Exception:
        _tally[case.operation.label, "failures"] += 1
        raise


def teardown_module() -> None:
    if os.environ.get("API_FUZZ_REPORT") and _tally:
        with open(os.environ["API_FUZZ_REPORT"], "a", encoding="utf-8") as report:
            report.write(json.dumps({f"{label} {kind}": count for (label, kind), count in _tally.items()}) + "\n")
