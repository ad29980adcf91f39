"""The province feeds' journal and pull API (DATA-STANDARD.md §9): what a province receives, the
tombstones, deterministic replay, the token-bound pull, masking, and who may read which feed."""

import pytest
from django.urls import reverse

from accounts import tokens
from accounts.models import AuditEvent, Organization
from evaluation.assessments.models import Evaluation
from evaluation.choices import EvaluationStatus
from inventory.records.models import InventoryRecord
from reporting.feeds import journal, records
from reporting.feeds.models import FeedBatch, FeedEndpoint, FeedEntry, FeedState
from reporting.feeds.pull import encode

from .feed_receiver import apply
from .world import _patent

BJ, GD = "110000", "440000"
PULL = "/api/v1/province-feed/"


def token_client(client, user):
    _token, raw = tokens.create(user=user, name="省级数据接口", scope="read", days=30, second_factor_passed=True)
    client.credentials = {"HTTP_AUTHORIZATION": f"Token {raw}"}
    return client


def pull_all(client, *, limit: int = 1000, province: str = "", cursor: str = "", **headers) -> tuple[list, str]:
    """Every record from `cursor` following next_cursor; (records, last cursor)."""
    found = []
    while True:
        params = {"limit": limit, "cursor": cursor, **({"province": province} if province else {})}
        response = client.get(PULL, params, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        found += body["records"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return found, cursor


def current_view(code: str, *, contacts: bool = False) -> dict:
    """What the province should have now, built straight from the database."""
    return {(kind, key): records.masked(kind, data, contacts=contacts)
            for kind, build in records.BUILDERS.items() for key, data in build(code)}


def view_of(found: list) -> dict:
    view: dict = {}
    apply(view, found)
    return view


def more_library_patents(world, count: int, start: int = 3_000_001) -> None:
    for serial in range(start, start + count):
        _patent(world, f"bj_extra_{serial}", serial, [world.orgs["inst_bj_moe"]], in_library=True)


def forget(code: str) -> None:
    """The province's journal emptied (the world synced it already): its next sync is a first one."""
    FeedBatch.objects.filter(province_id=code).delete()
    FeedEntry.objects.filter(province_id=code).delete()
    FeedState.objects.filter(province_id=code).delete()


def test_a_province_receives_its_convertible_patents_and_their_submitted_evaluations(world):
    forget(BJ)
    result = journal.sync(BJ)
    keys = set(FeedEntry.objects.filter(province_id=BJ).values_list("kind", "key"))
    library = world.patents["bj_moe_library"].application_number
    evaluations = set(Evaluation.objects.filter(patent=world.patents["bj_moe_library"],
                                                status=EvaluationStatus.SUBMITTED).values_list("pk", flat=True))
    assert evaluations
    assert keys == {("patent", library), *{("evaluation", str(pk)) for pk in evaluations}}
    assert result.upserts == len(keys) and result.deletes == 0
    patent = FeedEntry.objects.get(province_id=BJ, kind="patent").data
    assert set(patent) >= {"application_number", "title", "patent_type", "grant_date", "main_ipc", "industries",
                           "technology_fields", "institution", "technology_readiness", "prospect", "intents",
                           "license_type", "asking_price", "application_scenarios", "implementation_status",
                           "updated_at"}
    assert patent["institution"] == {"name": "北京示范大学", "credit_code": world.orgs["inst_bj_moe"].credit_code or "",
                                     "province_code": BJ}
    evaluation = FeedEntry.objects.filter(province_id=BJ, kind="evaluation").first().data
    assert set(evaluation) >= {"application_number", "evaluator_kind", "evaluator_name", "prospect",
                               "improvement_needs", "cooperation_modes", "legal_value", "technical_value",
                               "economic_value", "summary", "evaluated_on", "submitted_at"}
    # Nothing of Guangdong's, nothing outside the library.
    assert not FeedEntry.objects.filter(province_id=BJ, key=world.patents["gd_library"].application_number).exists()
    assert not FeedEntry.objects.filter(province_id=BJ,
                                        key=world.patents["bj_moe_private"].application_number).exists()


def test_a_repeated_sync_with_no_change_writes_nothing(world):
    journal.sync(BJ)
    before = (FeedEntry.objects.count(), tuple(FeedState.objects.order_by("pk").values_list("pk", "digest")))
    assert journal.sync(BJ).entries == 0
    assert (FeedEntry.objects.count(), tuple(FeedState.objects.order_by("pk").values_list("pk", "digest"))) == before


def test_a_change_travels_as_an_upsert_and_leaving_the_library_as_tombstones(world):
    journal.sync(BJ)
    patent = world.patents["bj_moe_library"]
    InventoryRecord.objects.filter(patent=patent).update(scenarios="用于工业质检")
    head = journal.head(BJ)
    assert journal.sync(BJ).upserts == 1
    change = FeedEntry.objects.get(province_id=BJ, id__gt=head)
    assert change.op == "upsert" and change.data["application_scenarios"] == "用于工业质检"

    head = journal.head(BJ)
    InventoryRecord.objects.filter(patent=patent).update(in_library=False)
    result = journal.sync(BJ)
    tombstones = list(FeedEntry.objects.filter(province_id=BJ, id__gt=head).values_list("kind", "op", "data"))
    assert result.upserts == 0 and result.deletes == len(tombstones) >= 2
    assert ("patent", "delete", {"application_number": patent.application_number}) in tombstones
    assert all(op == "delete" for _kind, op, _data in tombstones)
    assert not FeedState.objects.filter(province_id=BJ).exists()


def test_an_institution_moving_province_leaves_one_feed_for_the_other(world):
    journal.sync(BJ)
    journal.sync(GD)
    Organization.objects.filter(pk=world.orgs["inst_bj_moe"].pk).update(province_id=GD)
    number = world.patents["bj_moe_library"].application_number
    assert journal.sync(BJ).deletes >= 1
    assert FeedEntry.objects.filter(province_id=BJ, key=number).latest("id").op == "delete"
    assert journal.sync(GD).upserts >= 1
    assert FeedEntry.objects.filter(province_id=GD, key=number).latest("id").op == "upsert"


def test_replay_from_any_cursor_gives_the_same_records_in_the_same_order(world, client):
    more_library_patents(world, 6)
    journal.sync(BJ)
    Evaluation.objects.filter(patent=world.patents["bj_moe_library"]).update(summary="更正后的意见")
    InventoryRecord.objects.filter(patent=world.patents["bj_extra_3000002"]).update(in_library=False)
    journal.sync(BJ)
    client.force_login(world.users["prov_bj_admin"])
    whole, _cursor = pull_all(client)
    by_ones, _cursor = pull_all(client, limit=1)
    assert by_ones == whole and len(whole) == FeedEntry.objects.filter(province_id=BJ).count()
    ids = list(FeedEntry.objects.filter(province_id=BJ).values_list("id", flat=True))
    middle = encode(ids[len(ids) // 2])
    first, _ = pull_all(client, cursor=middle, limit=3)
    second, _ = pull_all(client, cursor=middle, limit=1000)
    assert first == second == whole[len(ids) // 2 + 1:]
    assert view_of(whole) == current_view(BJ)


def test_the_pull_api_answers_a_province_token_with_its_own_feed_only(world, client):
    journal.sync(BJ)
    journal.sync(GD)
    token_client(client, world.users["prov_bj_admin"])
    headers = client.credentials
    found, _cursor = pull_all(client, **headers)
    assert view_of(found) == current_view(BJ)
    assert {record["data"]["application_number"] for record in found if record["kind"] == "patent"} == {
        world.patents["bj_moe_library"].application_number}
    # Another province's feed: 404, its records nowhere.
    response = client.get(PULL, {"province": GD}, **headers)
    assert response.status_code == 404
    assert world.patents["gd_library"].application_number not in response.content.decode()


@pytest.mark.parametrize("username", ["inst_bj_moe_admin", "moe_admin", "ent_gd_admin", "auditor", "expert"])
def test_other_roles_may_not_pull(world, client, username):
    journal.sync(BJ)
    client.force_login(world.users[username])
    response = client.get(PULL, {"province": BJ})
    assert response.status_code == 403
    assert world.patents["bj_moe_library"].application_number[2:10] not in response.content.decode()


def test_the_operator_names_the_province(world, client):
    journal.sync(GD)
    client.force_login(world.users["operator"])
    response = client.get(PULL)
    assert response.status_code == 400 and "province" in response.json()
    assert "省份" in response.json()["province"][0]
    assert client.get(PULL, {"province": "999999"}).status_code == 400
    found, _cursor = pull_all(client, province=GD)
    assert view_of(found) == current_view(GD)


@pytest.mark.parametrize("cursor", ["garbage", "YzEuLTE", "YzIuNQ", "Yz" * 40, "MTIz"])
def test_an_invalid_cursor_is_refused_in_chinese_and_nothing_recorded(world, client, cursor):
    journal.sync(BJ)
    client.force_login(world.users["prov_bj_admin"])
    events = AuditEvent.objects.count()
    response = client.get(PULL, {"cursor": cursor})
    assert response.status_code == 400
    assert "游标无效" in response.json()["cursor"][0]
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "100000", "1.5"])
def test_an_invalid_limit_is_refused(world, client, limit):
    client.force_login(world.users["prov_bj_admin"])
    response = client.get(PULL, {"limit": limit})
    assert response.status_code == 400 and "limit" in response.json()["cursor"][0]


def test_every_pull_is_audited_once(world, client):
    more_library_patents(world, 4)
    journal.sync(BJ)
    client.force_login(world.users["prov_bj_admin"])
    events = AuditEvent.objects.filter(action="feed.pull").count()
    found, _cursor = pull_all(client, limit=2)
    # has_more looks one record ahead: no empty call at the end.
    calls = max(1, -(-len(found) // 2))
    pulls = AuditEvent.objects.filter(action="feed.pull").order_by("pk")
    assert pulls.count() - events == calls
    assert pulls.last().actor == world.users["prov_bj_admin"]


def test_contacts_are_masked_unless_the_operator_switches_them_on(world, client):
    journal.sync(BJ)
    number = world.patents["bj_moe_library"].application_number
    phone = InventoryRecord.objects.get(patent__application_number=number).contact_phone
    client.force_login(world.users["prov_bj_admin"])
    found, _cursor = pull_all(client)
    contact = next(r["data"]["contact"] for r in found if r["kind"] == "patent")
    assert contact["phone"] == f"{phone[:3]}****{phone[-4:]}" and phone not in str(found)
    assert "***@" in contact["email"]

    endpoint = FeedEndpoint.objects.get(province_id=BJ)
    # The province's own administrator may not switch them on.
    response = client.post(reverse("reporting:feed_contacts", args=[endpoint.pk]), {"purpose_needs_contacts": "on"})
    assert response.status_code == 403
    assert not FeedEndpoint.objects.get(pk=endpoint.pk).purpose_needs_contacts

    operator = client.__class__()
    operator.force_login(world.users["operator"])
    response = operator.post(reverse("reporting:feed_contacts", args=[endpoint.pk]), {"purpose_needs_contacts": "on"})
    assert response.status_code == 302
    assert FeedEndpoint.objects.get(pk=endpoint.pk).purpose_needs_contacts
    assert AuditEvent.objects.filter(action="feed.contacts", actor=world.users["operator"]).exists()
    found, _cursor = pull_all(client)
    assert next(r["data"]["contact"] for r in found if r["kind"] == "patent")["phone"] == phone


def test_an_enterprise_from_another_province_is_not_named_to_the_province(world):
    journal.sync(BJ)
    entry = FeedEntry.objects.filter(province_id=BJ, kind="evaluation",
                                     data__evaluator_kind="enterprise").first()
    assert entry is not None
    assert entry.data["evaluator_name"] == "" and entry.data["evaluator_disclosed"] is False
    assert entry.data["evaluator_credit_code"] == ""


def test_a_large_import_queues_its_provinces_sync_at_once(world, bj, settings, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    """An institution's committed inventory sheet of FEED_SYNC_AFTER_ROWS rows or more queues its
    province's sync after the commit (reporting.feeds.follow); a smaller one waits for the hour."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ground import imports
    from inventory.upload.importer import INVENTORY
    from reporting.feeds import follow
    from reporting.feeds.tasks import SYNC_ONE_TASK, sync_feed_task

    from .test_inventory_upload import good_row, xlsx_bytes

    journal.sync(BJ)
    queued = []
    monkeypatch.setattr(follow, "enqueue_follow_up", lambda name, *args: queued.append((name, args)))

    def upload(scenarios: str) -> None:
        row = good_row(world.patents["bj_moe_library"], 应用场景=scenarios)
        with django_capture_on_commit_callbacks(execute=True):
            batch = imports.start_validation(INVENTORY, imports.stage(
                INVENTORY, actor=bj, file=SimpleUploadedFile("盘点.xlsx", xlsx_bytes([row]))))
            imports.commit(INVENTORY, actor=bj, batch=batch)

    settings.FEED_SYNC_AFTER_ROWS = 2
    upload("用于港口起重机")
    assert queued == []  # one row: the hourly sync brings it
    settings.FEED_SYNC_AFTER_ROWS = 1
    upload("用于工业质检线")
    assert queued == [(SYNC_ONE_TASK, (BJ,))]
    head = journal.head(BJ)
    assert sync_feed_task(*queued[0][1]) >= 1
    # The changed record awaits approval again, so it left the library: its tombstone travels.
    change = FeedEntry.objects.get(province_id=BJ, id__gt=head, kind="patent")
    assert (change.op, change.data) == ("delete", {"application_number": world.patents["bj_moe_library"]
                                                   .application_number})
