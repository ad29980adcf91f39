"""The inventory API (/api/v1/): patents with filters, inventory records, import batches and the
upload endpoint, token authentication, scope, and query counts that do not grow with rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import tokens
from inventory.choices import InventoryStatus, LegalStatus, PatentType
from inventory.models import ImportBatch, InventoryChange, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number

from .test_inventory_upload import good_row, xlsx_bytes

pytestmark = pytest.mark.usefixtures("media")



def api_as(user) -> APIClient:
    """A client authenticated by a read-write token of the user (the way an institution's system calls)."""
    _token, secret = tokens.create(user=user, name="test", scope="write", days=30, second_factor_passed=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["application_number"] for item in response.json()["results"]}


def add_patents(org, count: int, start: int = 2000000, **fields) -> list[Patent]:
    patents = []
    for index in range(count):
        patent = Patent.objects.create(
            application_number=make_application_number(2020, "1", start + index),
            title=f"批量专利 {index}", patent_type=PatentType.INVENTION, application_date=dt.date(2020, 1, 1),
            grant_date=dt.date(2022, 5, 1), main_ipc="H01M 4/00", **fields,
        )
        PatentOwnership.objects.create(patent=patent, organization=org, position=1)
        InventoryRecord.objects.create(patent=patent, institution=org)
        patents.append(patent)
    return patents


# --- scope ----------------------------------------------------------------------------------------


def test_institution_sees_only_its_patents_and_records(world):
    w = world.patents
    bj = api_as(world.user("inst_bj_moe_admin"))
    # Its own patents, and the national conversion resource library (gd_library).
    assert numbers(bj.get("/api/v1/patents/")) == {
        w[k].application_number for k in ("bj_moe_private", "bj_moe_library", "co_owned", "gd_library")}
    assert numbers(bj.get("/api/v1/inventory-records/")) == {
        w[k].application_number for k in ("bj_moe_private", "bj_moe_library", "co_owned", "gd_library")}
    gd = api_as(world.user("inst_gd_local_admin"))
    assert numbers(gd.get("/api/v1/patents/")) == {
        w[k].application_number for k in ("gd_private", "gd_library", "co_owned", "bj_moe_library")}
    # Another institution's patent and record: 404, like a missing one.
    assert bj.get(f"/api/v1/patents/{w['gd_private'].pk}/").status_code == 404
    assert bj.get(f"/api/v1/inventory-records/{w['gd_private'].inventory.pk}/").status_code == 404
    assert gd.get(f"/api/v1/inventory-records/{w['co_owned'].inventory.pk}/").status_code == 200


def test_anonymous_and_bad_token_refused(world):
    assert APIClient().get("/api/v1/patents/").status_code in (401, 403)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/patents/").status_code in (401, 403)  # session auth first: 403


# --- filters --------------------------------------------------------------------------------------


def test_patent_filters(world):
    w = world.patents
    Patent.objects.filter(pk=w["bj_moe_library"].pk).update(
        patent_type=PatentType.UTILITY_MODEL, grant_date=dt.date(2023, 2, 1), main_ipc="H01M 10/052",
        legal_status=LegalStatus.INVALID,
    )
    api = api_as(world.user("operator"))
    library = {w["bj_moe_library"].application_number}
    assert numbers(api.get("/api/v1/patents/", {"type": "utility_model"})) == library
    assert numbers(api.get("/api/v1/patents/", {"legal_status": "invalid"})) == library
    assert numbers(api.get("/api/v1/patents/", {"grant_year": 2023})) == library
    assert numbers(api.get("/api/v1/patents/", {"ipc": "h01m"})) == library
    assert numbers(api.get("/api/v1/patents/", {"ipc": "H01M10"})) == library
    assert numbers(api.get("/api/v1/patents/", {"ipc": "H01M 4"})) == set()
    in_library = {w[k].application_number for k in ("bj_moe_library", "gd_library")}
    assert numbers(api.get("/api/v1/patents/", {"in_library": "true"})) == in_library
    inventoried = {w[k].application_number for k in ("bj_moe_library", "gd_library", "bj_local_private")}
    assert numbers(api.get("/api/v1/patents/", {"inventory_status": "inventoried"})) == inventoried
    assert api.get("/api/v1/patents/", {"inventory_status": "bogus"}).status_code == 400
    item = api.get(f"/api/v1/patents/{w['bj_moe_library'].pk}/").json()
    assert item["inventory_status"] == "inventoried" and item["in_library"] is True


def test_record_filters_and_scoped_institution_choice(world):
    w = world.patents
    bj = world.user("inst_bj_moe_admin")
    api = api_as(bj)
    assert numbers(api.get("/api/v1/inventory-records/", {"status": "pending"})) == {
        w[k].application_number for k in ("bj_moe_private", "co_owned")}
    assert numbers(api.get("/api/v1/inventory-records/", {"in_library": "true"})) == {
        w[k].application_number for k in ("bj_moe_library", "gd_library")}  # the library is national
    assert numbers(api.get("/api/v1/inventory-records/", {"institution": world.orgs["inst_bj_moe"].pk})) == {
        w[k].application_number for k in ("bj_moe_private", "bj_moe_library", "co_owned")}
    # An institution outside the user's scope is refused, not silently dropped.
    response = api.get("/api/v1/inventory-records/", {"institution": world.orgs["inst_gd_local"].pk})
    assert response.status_code == 400 and "institution" in response.json()
    ministry = api_as(world.user("moe_admin"))
    assert numbers(ministry.get("/api/v1/inventory-records/")) == {
        w[k].application_number for k in ("bj_moe_private", "bj_moe_library", "co_owned", "gd_library")}


# --- the upload endpoint --------------------------------------------------------------------------


def test_upload_then_commit_through_the_api(world):
    bj = world.user("inst_bj_moe_admin")
    api = api_as(bj)
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"]),
                          good_row(world.patents["bj_moe_library"], 技术成熟度="十一")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post("/api/v1/import-batches/", {"file": SimpleUploadedFile("inv.xlsx", content)},
                        format="multipart")
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["status"] == "validated" and batch["kind"] == "inventory"
    assert batch["counts"]["new"] == 1 and batch["counts"]["rejected"] == 1 and batch["error_count"] == 1
    assert batch["error_report"].endswith(f"/api/v1/import-batches/{batch['id']}/report/")
    problems = api.get(f"/api/v1/import-batches/{batch['id']}/problems/").json()
    assert problems["count"] == 1
    assert problems["results"][0]["row"] == 3 and problems["results"][0]["column"] == "技术成熟度"
    report = api.get(f"/api/v1/import-batches/{batch['id']}/report/")
    assert report.status_code == 200 and b"".join(report.streaming_content)[:2] == b"PK"

    refused = api.post(f"/api/v1/import-batches/{batch['id']}/commit/", {"mode": "all_or_nothing"}, format="json")
    assert refused.status_code == 409 and "全部或不导入" in refused.json()["detail"]
    assert not InventoryChange.objects.exists()

    done = api.post(f"/api/v1/import-batches/{batch['id']}/commit/", {"mode": "valid_only"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "committed"
    assert InventoryRecord.objects.get(patent=world.patents["bj_moe_private"]).status == InventoryStatus.INVENTORIED
    assert InventoryChange.objects.filter(batch_id=batch["id"]).count() == 1
    # Idempotent: a second confirmation changes nothing.
    again = api.post(f"/api/v1/import-batches/{batch['id']}/commit/", {}, format="json")
    assert again.status_code == 200 and InventoryChange.objects.count() == 1


def test_upload_refusals_through_the_api(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    operator = api_as(world.user("operator"))
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    response = operator.post("/api/v1/import-batches/", {"file": SimpleUploadedFile("a.xlsx", content)},
                             format="multipart")
    assert response.status_code == 403
    bj = api_as(world.user("inst_bj_moe_admin"))
    batches = ImportBatch.objects.count()
    settings.UPLOAD_MAX_BYTES = 100
    response = bj.post("/api/v1/import-batches/", {"file": SimpleUploadedFile("a.xlsx", content)}, format="multipart")
    assert response.status_code == 400 and "超过上限" in response.json()["file"][0]
    assert ImportBatch.objects.count() == batches


def test_batches_are_scoped(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bj = api_as(world.user("inst_bj_moe_admin"))
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    batch_id = bj.post("/api/v1/import-batches/", {"file": SimpleUploadedFile("a.xlsx", content)},
                       format="multipart").json()["id"]
    gd = api_as(world.user("inst_gd_local_admin"))
    assert {b["id"] for b in gd.get("/api/v1/import-batches/").json()["results"]} == {world.batches["gd_upload"].pk}
    assert gd.get(f"/api/v1/import-batches/{batch_id}/").status_code == 404
    assert gd.get(f"/api/v1/import-batches/{batch_id}/problems/").status_code == 404
    assert gd.post(f"/api/v1/import-batches/{batch_id}/commit/", {}, format="json").status_code == 404
    assert gd.post(f"/api/v1/import-batches/{batch_id}/cancel/", {}, format="json").status_code == 404
    operator = api_as(world.user("operator"))
    # The operator sees every upload: this one, the world's inventory uploads and its conversion upload.
    every = set(ImportBatch.objects.values_list("pk", flat=True))
    assert batch_id in every and {b.pk for b in world.batches.values()} < every
    assert {b["id"] for b in operator.get("/api/v1/import-batches/").json()["results"]} == every
    assert operator.post(f"/api/v1/import-batches/{batch_id}/commit/", {}, format="json").status_code == 404
    assert api_as(world.user("moe_admin")).get(f"/api/v1/import-batches/{batch_id}/").status_code == 404
    assert ImportBatch.objects.get(pk=batch_id).status == ImportBatch.Status.VALIDATED
    assert bj.post(f"/api/v1/import-batches/{batch_id}/cancel/", {}, format="json").json()["status"] == "cancelled"


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/patents/", "/api/v1/inventory-records/", "/api/v1/import-batches/"])
def test_list_queries_do_not_grow_with_rows(world, url, django_assert_max_num_queries, settings):
    # The pages stay under the bulk-read threshold: the audit event of a bulk read is one more
    # write, once the page is large, not a query per row (tests/test_audit_chain.py).
    settings.API_BULK_READ_THRESHOLD = 500
    bj = world.user("inst_bj_moe_admin")
    api = api_as(bj)
    org = world.orgs["inst_bj_moe"]

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url, {"page_size": 200}).status_code == 200
        return len(captured)

    count_queries()  # the token's first use notes it (last_used_at)
    few = count_queries()
    add_patents(org, 60)
    for index in range(30):
        ImportBatch.objects.create(kind=ImportBatch.Kind.INVENTORY, organization=org, created_by=bj,
                                   original_name=f"{index}.xlsx", sha256="0" * 64, file="imports/x.xlsx")
    many = count_queries()
    assert many == few
    # The records show their contacts unmasked to their institution: + the audit event of that
    # read of personal data (advisory lock, chain head, insert).
    with django_assert_max_num_queries(9 if url == "/api/v1/inventory-records/" else 6):
        api.get(url, {"page_size": 200})


def test_keyset_pagination_walks_every_row(world):
    add_patents(world.orgs["inst_bj_moe"], 25)
    api = api_as(world.user("inst_bj_moe_admin"))
    seen: list[str] = []
    url = "/api/v1/patents/?page_size=10"
    while url:
        page = api.get(url).json()
        seen += [item["application_number"] for item in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 29  # 25 added, 3 own, and the national library's gd_library


def test_schema_lists_the_endpoints(world):
    api = api_as(world.user("operator"))
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/patents/", "/api/v1/inventory-records/", "/api/v1/import-batches/",
                 "/api/v1/import-batches/{id}/commit/", "/api/v1/import-batches/{id}/problems/"):
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/patents/"]["get"]["parameters"]}
    assert {"type", "legal_status", "grant_year", "ipc", "inventory_status", "in_library"} <= parameters
