"""Spot checks (随机抽查): the reproducible stratified draw (same seed, same population, same
records; seed and strata logged), worked in sets (a fixed number of queries however large the
population), the refusals (a sample larger than its population, another province's institution,
an unknown or future quarter, a bad rate) with nothing written, the reviewers' findings, the
request for corrections and the institution's corrections, the results per institution, the pages
and the API as each role sees them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Organization, User
from inventory.choices import InventoryStatus, LegalStatus, PatentType, Screening
from inventory.models import InventoryRecord, Patent
from inventory.patents.identifiers import make_application_number
from notifications.models import Notification
from reporting.spotchecks import draw, services
from reporting.spotchecks.models import Finding, SampledRecord, SpotCheck, SpotCheckStatus
from reporting.spotchecks.services import SpotCheckError, SpotCheckInput

pytestmark = pytest.mark.django_db

_serial = iter(range(3_000_000, 4_000_000))
# (screening, intents) of the populations made below, in turn.
MIX = [(Screening.IN, ["transfer"]), (Screening.IN, ["license", "transfer"]), (Screening.OUT, []),
       (Screening.IN, ["transfer"]), (Screening.OUT, []), ("", [])]


def populate(institution: Organization, count: int) -> list[int]:
    """`count` inventoried records of the institution, spread over MIX's strata."""
    patents = Patent.objects.bulk_create([
        Patent(application_number=make_application_number(2020, "1", next(_serial)), title=f"抽查测试专利{i}",
               patent_type=PatentType.INVENTION, application_date=dt.date(2020, 1, 1), legal_status=LegalStatus.VALID,
               patentees=[institution.name]) for i in range(count)])
    records = InventoryRecord.objects.bulk_create([
        InventoryRecord(patent=p, institution=institution, status=InventoryStatus.INVENTORIED,
                        screening=MIX[i % len(MIX)][0], intents=MIX[i % len(MIX)][1],
                        in_library=MIX[i % len(MIX)][0] == Screening.IN)
        for i, p in enumerate(patents)])
    return [r.pk for r in records]


def state() -> tuple:
    """What a refused request must leave as it was."""
    return (SpotCheck.objects.count(), SampledRecord.objects.count(), AuditEvent.objects.count(),
            Notification.objects.count(), tuple(SampledRecord.objects.order_by("pk").values_list()))


@pytest.fixture
def populated(world):
    """Two Beijing institutions of the test's own: 抽查甲大学 (教育部's, 30 records, an admin) and
    抽查乙研究院 (60 records), so that the counts do not depend on the world's other areas."""
    bj = world.orgs["prov_bj"].province
    world.orgs["inst_a"] = Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="抽查甲大学",
                                                       province=bj, supervisor=world.orgs["moe"])
    world.orgs["inst_b"] = Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="抽查乙研究院",
                                                       province=bj)
    world.users["inst_a_admin"] = User.objects.create_user(
        username="inst_a_admin", password="x-Passw0rd!", organization=world.orgs["inst_a"], is_org_admin=True)
    world.users["inst_b_admin"] = User.objects.create_user(
        username="inst_b_admin", password="x-Passw0rd!", organization=world.orgs["inst_b"], is_org_admin=True)
    populate(world.orgs["inst_b"], 60)
    populate(world.orgs["inst_a"], 30)
    return world


def create(world, username="prov_bj_admin", *, keys=("inst_b", "inst_a"), size=10, rate=None,
           seed="seed-2025", quarter="2025Q4") -> SpotCheck:
    return services.create_spot_check(world.user(username), SpotCheckInput(
        title="2025年第四季度抽查", quarter=quarter, institution_ids=tuple(world.orgs[k].pk for k in keys),
        sample_size=size, sample_rate=rate, seed=seed))


def sampled_ids(check: SpotCheck) -> list[int]:
    return sorted(check.sampled.values_list("record_id", flat=True))


# The draw -----------------------------------------------------------------------------------------


def test_the_draw_is_stratified_per_institution_and_reproducible(populated):
    world = populated
    first = create(world)
    again = create(world)
    other = create(world, seed="another-seed")
    assert sampled_ids(first) == sampled_ids(again) == sorted(services.replay(first))
    assert sampled_ids(first) != sampled_ids(other)
    for key in ("inst_a", "inst_b"):
        assert first.sampled.filter(institution=world.orgs[key]).count() == 10
    # Every stratum of an institution is sampled (10 ≥ its 4 strata), sizes as the population has them.
    local = [s for s in first.strata if s["institution"] == world.orgs["inst_b"].pk]
    assert sorted((s["screening"], tuple(s["intents"]), s["population"]) for s in local) == [
        ("", (), 10), ("in", ("license", "transfer"), 10), ("in", ("transfer",), 20), ("out", (), 20)]
    assert all(s["drawn"] >= 1 for s in local) and sum(s["drawn"] for s in local) == 10
    # Each sampled record lies in the stratum it is filed under.
    for row in first.sampled.select_related("record"):
        assert row.stratum == draw.stratum_key(row.record.screening, row.record.intents)
    # The seed and strata are logged.
    event = AuditEvent.objects.get(action="spot_check.draw", target_id=str(first.pk))
    assert event.after["seed"] == "seed-2025" and event.after["strata"] == first.strata
    assert event.after["population"] == first.population == 90


def test_a_rate_samples_each_institution_in_proportion(populated):
    check = create(populated, size=None, rate="10%")
    assert check.sample_rate is not None and check.sample_size is None
    assert check.sampled.filter(institution=populated.orgs["inst_b"]).count() == 6  # 10% of 60
    assert check.sampled.filter(institution=populated.orgs["inst_a"]).count() == 3


def test_the_draw_takes_the_same_queries_however_large_the_population(populated):
    ids = [populated.orgs["inst_b"].pk, populated.orgs["inst_a"].pk]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            draw.draw("s", ids, 5, None)
        return len(captured)

    small = queries()
    populate(populated.orgs["inst_b"], 200)
    assert queries() == small <= 3


def test_allocation_is_proportional_with_one_per_stratum():
    assert draw.allocate([50, 30, 20], 10) == [5, 3, 2]
    assert draw.allocate([97, 2, 1], 5) == [3, 1, 1]
    assert draw.allocate([5, 5], 10) == [5, 5]
    assert sum(draw.allocate([7, 3, 1, 1], 3)) == 3


# Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "message"), [
    ({"keys": ("inst_b", "inst_gd_local")}, "本辖区以外"),
    ({"quarter": "2025Q5"}, "不是季度"),
    ({"quarter": "2099Q1"}, "还没有开始"),
    ({"size": None, "rate": "120%"}, "不超过 100%"),
    ({"size": None, "rate": "abc"}, "不是数字"),
    ({"size": 0}, "抽取件数"),
])
def test_bad_input_is_refused_in_chinese_and_writes_nothing(populated, changes, message):
    before = state()
    with pytest.raises(SpotCheckError) as refused:
        create(populated, **changes)
    assert message in refused.value.message
    assert state() == before


def test_a_sample_larger_than_its_population_is_refused_naming_the_counts(populated):
    available = draw.population([populated.orgs["inst_a"].pk]).count()
    before = state()
    with pytest.raises(SpotCheckError) as refused:
        create(populated, size=available + 1)
    assert refused.value.message == (f"抽取数量超过总体:抽查甲大学 只有 {available} 条已盘点记录,"
                                     f"不能抽取 {available + 1} 条")
    assert state() == before


def test_only_the_platform_and_provinces_organise(populated):
    for username in ("moe_admin", "inst_bj_moe_admin", "ent_gd_admin"):
        with pytest.raises(SpotCheckError):
            create(populated, username)


def test_the_form_refuses_and_keeps_what_was_typed(populated, login):
    client = login(populated.user("prov_bj_admin"))
    before = state()
    response = client.post(reverse("reporting:spotcheck_create"), {
        "title": "越界抽查", "quarter": "2025Q4", "mode": "size", "sample_size": "5",
        "institutions": [populated.orgs["inst_gd_local"].pk]}, follow=True)
    assert "不能抽查本辖区以外的机构:广东省人民医院" in response.content.decode()
    assert state() == before


# Reviewing and correcting -------------------------------------------------------------------------


def test_findings_corrections_and_results(populated, login):
    world = populated
    check = create(world, size=3)
    province = world.user("prov_bj_admin")
    colleague = User.objects.create_user(username="prov_bj_reviewer", password="x-Passw0rd!",
                                         organization=world.orgs["prov_bj"])
    assert services.assign_reviewer(province, check, colleague.pk) == 6
    told = Notification.objects.get(kind="reporting.spot_check_assigned")
    assert told.recipient == colleague and "6 条抽查记录" in told.body
    assert told.url == reverse("reporting:spotcheck_review_queue")
    with pytest.raises(SpotCheckError):  # an institution's staff cannot review
        services.assign_reviewer(province, check, world.user("inst_a_admin").pk)
    rows = list(check.sampled.order_by("pk"))
    # The organiser's admin is not the assigned reviewer.
    with pytest.raises(PermissionDenied):
        services.record_finding(province, rows[0].pk, Finding.AGREE)
    before = state()
    for finding, fields in ((Finding.DISAGREE, {}), (Finding.DATA_ERROR, {"reason": "x"}), ("maybe", {})):
        with pytest.raises(SpotCheckError):
            services.record_finding(colleague, rows[0].pk, finding, **fields)
    assert state() == before
    moe_rows = [r for r in rows if r.institution_id == world.orgs["inst_a"].pk]
    local_rows = [r for r in rows if r.institution_id == world.orgs["inst_b"].pk]
    services.record_finding(colleague, moe_rows[0].pk, Finding.DISAGREE, reason="入库意愿与实施状态矛盾")
    services.record_finding(colleague, moe_rows[1].pk, Finding.DATA_ERROR, error_field="maturity")
    services.record_finding(colleague, moe_rows[2].pk, Finding.AGREE)
    with pytest.raises(SpotCheckError) as waiting:
        services.request_corrections(province, check)
    assert "还有 3 条" in waiting.value.message
    for row in local_rows:
        services.record_finding(colleague, row.pk, Finding.AGREE)
    assert services.request_corrections(province, check) == 1
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.CORRECTING
    notified = Notification.objects.filter(kind="reporting.spot_check_correction")
    assert set(notified.values_list("recipient__username", flat=True)) == {"inst_a_admin"}
    # Reviewing is closed once corrections are asked.
    with pytest.raises(PermissionDenied):
        services.record_finding(colleague, moe_rows[2].pk, Finding.DISAGREE, reason="改主意")

    institution = world.users["inst_a_admin"]
    visible = set(SampledRecord.objects.visible_to(institution).values_list("pk", flat=True))
    assert visible == {moe_rows[0].pk, moe_rows[1].pk}
    page = login(institution).get(reverse("reporting:spotcheck_corrections")).content.decode()
    assert "入库意愿与实施状态矛盾" in page and "技术成熟度" in page and "北京市知识产权局" in page
    assert "prov_bj_reviewer" not in page
    with pytest.raises(SpotCheckError):
        services.correct(institution, moe_rows[0].pk, "  ")
    services.correct(institution, moe_rows[0].pk, "已修改转化意愿")
    with pytest.raises(Http404):  # another institution's row
        services.correct(world.users["inst_b_admin"], moe_rows[1].pk, "不是我的")

    results = {r.institution: r for r in services.results_by_institution(check)}
    moe = results["抽查甲大学"]
    assert (moe.sampled, moe.checked, moe.agreed, moe.disagreed, moe.data_errors, moe.corrected) == (3, 3, 1, 1, 1, 1)
    assert moe.agree_rate == 33.3 and results["抽查乙研究院"].agree_rate == 100.0
    actions = list(AuditEvent.objects.filter(action__startswith="spot_check.").values_list("action", flat=True))
    for action in ("spot_check.create", "spot_check.draw", "spot_check.assign", "spot_check.finding",
                   "spot_check.request_corrections", "spot_check.correct"):
        assert action in actions


def test_pages_as_each_role_sees_them(populated, login):
    world = populated
    check = create(world, size=2)
    url = reverse("reporting:spotcheck_detail", args=[check.pk])
    page = login(world.user("prov_bj_admin")).get(url).content.decode()
    assert "抽查甲大学" in page and "抽查乙研究院" in page and "seed-2025" in page
    ministry = login(world.user("moe_admin")).get(url).content.decode()
    # 教育部 reads its university's results, not the municipal institute's.
    assert "抽查甲大学" in ministry and "抽查乙研究院" not in ministry
    assert login(world.user("sasac_admin")).get(url).status_code == 404
    assert login(world.user("prov_gd_admin")).get(url).status_code == 404
    assert login(world.users["inst_a_admin"]).get(url).status_code == 403
    assert login(world.user("ent_gd_admin")).get(reverse("reporting:spotcheck_list")).status_code == 403
    listing = login(world.user("operator")).get(reverse("reporting:spotcheck_list")).content.decode()
    assert check.title in listing


def test_the_reviewer_works_through_the_pages(populated, login):
    world = populated
    check = create(world, size=1)
    client = login(world.user("prov_bj_admin"))
    client.post(reverse("reporting:spotcheck_assign", args=[check.pk]), {"reviewer": world.user("prov_bj_admin").pk})
    queue = client.get(reverse("reporting:spotcheck_review_queue")).content.decode()
    row = check.sampled.first()
    assert reverse("reporting:spotcheck_sampled", args=[row.pk]) in queue
    response = client.post(reverse("reporting:spotcheck_finding", args=[row.pk]),
                           {"finding": "disagree", "reason": ""}, follow=True)
    assert "核查结论为不一致时必须填写原因" in response.content.decode()
    client.post(reverse("reporting:spotcheck_finding", args=[row.pk]), {"finding": "data_error",
                                                                        "error_field": "prospect"})
    row.refresh_from_db()
    assert row.finding == Finding.DATA_ERROR and row.error_field == "prospect"


def test_the_api_reads_in_scope_and_takes_the_reviewers_finding(populated, login):
    world = populated
    check = create(world, size=1)
    province = world.user("prov_bj_admin")
    services.assign_reviewer(province, check, province.pk)
    row = check.sampled.filter(institution=world.orgs["inst_a"]).first()
    client = login(world.user("moe_admin"))
    listed = client.get("/api/v1/spot-checks/").json()["results"]
    assert check.pk in [c["id"] for c in listed]  # beside the world's spot_bj
    results = client.get(f"/api/v1/spot-checks/{check.pk}/results/").json()
    assert [r["institution"] for r in results] == ["抽查甲大学"]
    assert client.post(f"/api/v1/spot-check-records/{row.pk}/finding/", {"finding": "agree"},
                       content_type="application/json").status_code in (403, 404)
    client = login(province)
    refused = client.post(f"/api/v1/spot-check-records/{row.pk}/finding/", {"finding": "disagree"},
                          content_type="application/json")
    assert refused.status_code == 400 and "原因" in refused.content.decode()
    done = client.post(f"/api/v1/spot-check-records/{row.pk}/finding/", {"finding": "agree"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["finding"] == "agree"
    assert login(world.users["inst_a_admin"]).get(f"/api/v1/spot-check-records/{row.pk}/").status_code == 404


# A large population: drawn by a worker ------------------------------------------------------------


def test_a_population_past_the_limit_is_drawn_by_a_worker_with_its_progress_shown(
        populated, login, settings, django_capture_on_commit_callbacks, monkeypatch):
    world = populated
    in_request = sampled_ids(create(world, seed="seed-same"))
    settings.SPOTCHECK_DRAW_IN_REQUEST_MAX = 50  # the 90 inventoried records of the two institutions
    monkeypatch.setattr(draw, "PROGRESS_EVERY", 20)
    seen = []  # (percent told, percent kept on the check) at each progress report
    original = draw.draw

    def recording(*args, progress=None, **kwargs):
        def spy(percent: int) -> None:
            progress(percent)
            seen.append((percent, SpotCheck.objects.get(pk=check.pk).draw_progress))
        return original(*args, progress=spy if progress else None, **kwargs)

    with django_capture_on_commit_callbacks() as queued:
        check = create(world, seed="seed-same")
    assert check.status == SpotCheckStatus.DRAWING and check.population == 90 and not check.sampled.exists()
    client = login(world.user("prov_bj_admin"))
    url = reverse("reporting:spotcheck_detail", args=[check.pk])
    page = client.get(url).content.decode()
    assert "正在从 90 条已盘点记录中抽取样本" in page and 'hx-trigger="every 1s"' in page
    assert "样本仍在抽取中" in _refusal(services.assign_reviewer, world.user("prov_bj_admin"), check,
                                       world.user("prov_bj_admin").pk)
    monkeypatch.setattr(draw, "draw", recording)
    for callback in queued:
        callback()  # the worker's draw (Celery runs in-process in the tests)
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.REVIEWING and check.draw_progress == 100
    assert sampled_ids(check) == in_request  # the same seed, the same sample as drawn in a request
    assert seen == [(22, 22), (44, 44), (66, 66), (88, 88)]  # every 20 of the 90 records read, kept
    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    assert AuditEvent.objects.filter(action="spot_check.draw", target_id=str(check.pk)).count() == 1
    # Delivered again (a worker lost after the commit): nothing drawn twice.
    assert services.draw_sample(check.pk).status == SpotCheckStatus.REVIEWING
    assert check.sampled.count() == len(in_request)


def test_a_draw_that_fails_in_the_worker_leaves_no_record_and_says_why(populated, login, settings, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    world = populated
    settings.SPOTCHECK_DRAW_IN_REQUEST_MAX = 0

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(draw, "draw", broken)
    with django_capture_on_commit_callbacks(execute=True):
        check = create(world)
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.DRAW_FAILED and not check.sampled.exists()
    assert "没有抽取任何记录" in check.draw_error
    page = login(world.user("prov_bj_admin")).get(reverse("reporting:spotcheck_detail", args=[check.pk]))
    assert "没有抽取任何记录" in page.content.decode()
    assert "抽取失败" in _refusal(services.request_corrections, world.user("prov_bj_admin"), check)


def test_a_broker_out_of_reach_fails_the_draw_with_a_message(populated, settings, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    world = populated
    settings.SPOTCHECK_DRAW_IN_REQUEST_MAX = 0

    def unreachable(name, *args):
        raise services.QueueUnavailable("redis down")

    monkeypatch.setattr(services, "enqueue", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        check = create(world)
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.DRAW_FAILED and "后台任务队列暂时无法连接" in check.draw_error


def test_a_failed_draw_is_drawn_again_with_its_seed_by_its_organiser_only(
        populated, login, settings, monkeypatch, django_capture_on_commit_callbacks):
    """重新抽取: the failed check's organiser starts the draw again from its page; the same seed draws
    the sample an in-request draw gives; a check not failed, the platform (which reads it), another
    province, a ministry and an institution are refused with nothing written."""
    world = populated
    in_request = sampled_ids(create(world, seed="seed-retry"))
    settings.SPOTCHECK_DRAW_IN_REQUEST_MAX = 50
    working = draw.draw

    def broken(*args, **kwargs):
        raise RuntimeError("the worker lost its database")

    monkeypatch.setattr(draw, "draw", broken)
    with django_capture_on_commit_callbacks(execute=True):
        check = create(world, seed="seed-retry")
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.DRAW_FAILED
    url = reverse("reporting:spotcheck_detail", args=[check.pk])
    retry = reverse("reporting:spotcheck_retry_draw", args=[check.pk])
    organiser = login(world.user("prov_bj_admin"))
    assert 'id="pn-sc-retry"' in organiser.get(url).content.decode()
    platform_page = login(world.user("operator")).get(url)  # reads every check, organises its own
    assert platform_page.status_code == 200 and 'id="pn-sc-retry"' not in platform_page.content.decode()
    def spot_check_state() -> tuple:  # (sign-ins and refused requests are audited on their own)
        return (tuple(SpotCheck.objects.filter(pk=check.pk).values_list()), SampledRecord.objects.count(),
                AuditEvent.objects.filter(action__startswith="spot_check.").count())

    before = spot_check_state()
    for outsider in ("operator", "prov_gd_admin", "moe_admin", "inst_a_admin"):
        assert login(world.user(outsider)).post(retry).status_code in (403, 404), outsider
    assert spot_check_state() == before
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.DRAW_FAILED

    # Drawn again while the broker is still out of reach: failed again, with the broker's message.
    def unreachable(name, *args):
        raise services.QueueUnavailable("redis down")

    monkeypatch.setattr(draw, "draw", working)
    organiser = login(world.user("prov_bj_admin"))  # the one test client, signed in as the outsiders above
    with monkeypatch.context() as patched:
        patched.setattr(services, "enqueue", unreachable)
        with django_capture_on_commit_callbacks(execute=True):
            organiser.post(retry)
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.DRAW_FAILED and "后台任务队列暂时无法连接" in check.draw_error
    assert not check.sampled.exists()

    # The worker back: drawn, once, with the sample the seed gives.
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.post(retry)
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.REVIEWING and check.draw_error == "" and check.draw_progress == 100
    assert sampled_ids(check) == in_request
    assert AuditEvent.objects.filter(action="spot_check.redraw", target_id=str(check.pk)).count() == 2
    assert AuditEvent.objects.filter(action="spot_check.draw", target_id=str(check.pk)).count() == 1
    before = spot_check_state()
    assert "只有抽取失败的抽查才能重新抽取" in _refusal(services.retry_draw, world.user("prov_bj_admin"), check)
    refused = organiser.post(retry, follow=True)
    assert "只有抽取失败的抽查才能重新抽取" in refused.content.decode()
    assert spot_check_state() == before


def _refusal(action, *args) -> str:
    with pytest.raises(SpotCheckError) as refused:
        action(*args)
    return refused.value.message
