"""The API keeps its contract on hostile input: an id that is not one, or a year or an integer out
of range, is refused (404 or 400 with a Chinese message), never a server error; the answers match
docs/openapi.yaml (blank choices and e-mails, the library card of a record, /search/'s object)."""

from pathlib import Path

import pytest
import schemathesis
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts import tokens
from ground.api import ID_PATTERN
from ground.filters import BoundedFilterSet, IntegerFilter, YearFilter
from inventory.models import InventoryRecord
from patentnavi.api_urls import router

from . import wsgi_in_test

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.yaml")
SCHEMA.app = wsgi_in_test.application
HUGE = "99999999999999999999"


def token_of(user) -> str:
    return tokens.create(user=user, name="test", scope="write", days=30, second_factor_passed=True)[1]


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_of(user)}")
    return client


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/v1/import-batches/{}/cancel/"),
    ("post", "/api/v1/import-batches/{}/commit/"),
    ("get", "/api/v1/import-batches/{}/"),
    ("get", "/api/v1/conversions/{}/"),
    ("patch", "/api/v1/conversions/{}/"),
    ("delete", "/api/v1/conversions/{}/"),
    ("post", "/api/v1/open-licences/{}/withdraw/"),
    ("get", "/api/v1/patents/{}/"),
    ("patch", "/api/v1/inventory-records/{}/"),
])
@pytest.mark.parametrize("pk", ["abc", "null,null", HUGE, "1.5"])
def test_an_id_that_is_not_one_is_not_found(world, method, path, pk):
    response = getattr(api_as(world.user("inst_bj_moe_admin")), method)(path.format(pk), {}, format="json")
    assert response.status_code == 404, response.content


@pytest.mark.parametrize("query", ["grant_year=0", f"grant_year={HUGE}", "grant_year=-5", "grant_year=10000",
                                   "grant_year=2021.5"])
def test_a_year_out_of_range_is_refused_in_chinese(world, query):
    response = api_as(world.user("operator")).get(f"/api/v1/patents/?{query}")
    assert response.status_code == 400, response.content
    assert response.json() == {"grant_year": ["年份须为 1 至 9999 之间的整数"]}


def test_a_year_in_range_filters(world):
    client = api_as(world.user("operator"))
    assert client.get("/api/v1/patents/?grant_year=2021").json()["results"]
    assert client.get("/api/v1/patents/?grant_year=1").json()["results"] == []


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/v1/conversions/?year=0", "year"),
    (f"/api/v1/conversions/?patent={HUGE}", "patent"),
    (f"/api/v1/inventory-records/?maturity={HUGE}", "maturity"),
    ("/api/v1/inventory-records/?maturity_min=0", "maturity_min"),
    (f"/api/v1/inventory-records/?institution={HUGE}", "institution"),
])
def test_an_integer_filter_out_of_range_is_refused(world, path, parameter):
    response = api_as(world.user("operator")).get(path)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [parameter]


@pytest.mark.parametrize("path", ["/api/v1/review/submit/", "/api/v1/review/approve/", "/api/v1/review/return/"])
def test_an_id_beyond_any_column_in_a_body_is_refused(world, path):
    response = api_as(world.user("inst_bj_moe_admin")).post(path, {"ids": [1, int(HUGE)], "reason": "x"},
                                                            format="json")
    assert response.status_code == 400, response.content
    assert "ids" in response.json()


def test_every_detail_route_of_an_integer_key_matches_digits_only():
    integer_keyed = [prefix for prefix, viewset, _name in router.registry
                     if getattr(viewset, "queryset", None) is not None
                     and viewset.queryset.model._meta.pk.get_internal_type().endswith(("AutoField", "IntegerField"))]
    assert "import-batches" in integer_keyed and "conversions" in integer_keyed
    for prefix in integer_keyed:
        details = [str(url.pattern) for url in router.urls
                   if str(url.pattern).startswith(f"^{prefix}/(?P<")]
        assert details and all(f"(?P<pk>{ID_PATTERN})" in pattern for pattern in details), (prefix, details)


def test_every_api_filterset_is_bounded():
    filtersets = {getattr(viewset, "filterset_class", None) for _prefix, viewset, _name in router.registry}
    filtersets.discard(None)
    assert filtersets
    for filterset in filtersets:
        assert issubclass(filterset, BoundedFilterSet), filterset
        for name, declared in filterset.base_filters.items():
            if type(declared).__name__ == "NumberFilter":
                pytest.fail(f"{filterset.__name__}.{name} is an unbounded NumberFilter")
            if isinstance(declared, IntegerFilter | YearFilter):
                assert declared.field.max_value is not None


def _conforms(path: str, user, **path_parameters) -> dict:
    """The answer to GET path as the user, checked against docs/openapi.yaml."""
    case = SCHEMA[path]["GET"].Case(path_parameters=path_parameters)
    response = case.call(headers={"Authorization": f"Token {token_of(user)}"})
    case.validate_response(response, checks=[response_schema_conformance])
    return response.json()


def test_records_with_blank_choices_and_emails_match_the_schema(world):
    InventoryRecord.objects.update(contact_email="", prospect="", license_type="", value_grade="",
                                   implementation_status="")
    for username in ("inst_bj_moe_admin", "operator", "ent_gd_admin", "inst_gd_local_admin"):
        answer = _conforms("/api/v1/inventory-records/", world.user(username))
        assert answer["results"], username


def test_a_record_read_as_its_library_card_matches_the_schema(world):
    record = world.patents["bj_moe_library"].inventory
    # An enterprise reads another organisation's record in the library as its library card.
    answer = _conforms("/api/v1/inventory-records/{id}/", world.user("ent_gd_admin"), id=record.pk)
    assert "remarks" not in answer


def test_search_answers_the_object_its_schema_describes(world):
    answer = _conforms("/api/v1/search/", world.user("operator"))
    assert set(answer) == {"count", "count_capped", "words", "results"}


@pytest.mark.parametrize("path", ["/api/v1/library/?industry=1%00", "/api/v1/search/?q=a%00b",
                                  "/api/v1/provinces/11%000000/", "/api/v1/patents/?ipc=G06%00"])
def test_a_nul_character_in_the_address_is_refused(world, path):
    response = api_as(world.user("operator")).get(path)
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": "请求的地址或参数不能包含空字符(NUL)"}


def test_a_page_with_a_nul_character_in_its_query_is_refused(world, login):
    response = login(world.user("operator")).get("/library/?q=%00")
    assert response.status_code == 400
