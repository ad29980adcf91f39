"""Quarterly statistics (DATA-STANDARD.md §8): every figure on a hand-built institution whose
patents sit on each boundary of the definitions, the roll-up to province, ministry and nation,
recomputing, freezing, corrections and their differences, sign-off, the bulletin, the trace from a
number to its list, and the refusals (a future quarter, another province's sign-off, rewriting a
frozen run)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent, Organization, Province
from evaluation.choices import EvaluationStatus, EvaluatorKind, Prospect
from evaluation.models import Evaluation
from inventory.choices import (
    ConversionKind,
    ImplementationStatus,
    InventoryStatus,
    LegalStatus,
    LicenseType,
    PatentType,
)
from inventory.models import Conversion, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number
from matching.choices import PushStatus
from matching.models import Push
from notifications.models import Notification
from reporting.statistics import services
from reporting.statistics.compute import COUNT_FIELDS
from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, SignOff, StatRun
from reporting.statistics.quarters import Quarter, QuarterError
from reporting.statistics.services import StatisticsError
from reporting.statistics.trace import trace

Q4 = Quarter(2025, 4)  # D = 2025-12-31
ZJ = "330000"


def moment(day: str, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def _patent(inst, serial: int, *, granted: str, valid: bool = True, funded: str = "", **record) -> Patent:
    patent = Patent.objects.create(
        application_number=make_application_number(2017, "1", 3000000 + serial), title=f"统计样本专利{serial}",
        patent_type=PatentType.INVENTION, application_date=dt.date(2017, 1, 5),
        grant_date=dt.date.fromisoformat(granted),
        legal_status=LegalStatus.VALID if valid else LegalStatus.INVALID, funding_project_number=funded)
    PatentOwnership.objects.create(patent=patent, organization=inst, position=1)
    InventoryRecord.objects.create(patent=patent, institution=inst, **record)
    return patent


def _conversion(patent, inst, kind, **fields) -> Conversion:
    return Conversion.objects.create(patent=patent, institution=inst, kind=kind, counterparty="某公司", **fields)


@pytest.fixture
def sample(world):
    """浙江统计大学 (supervised by 教育部), alone in 浙江, with one patent per boundary."""
    inst = Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="浙江统计大学",
                                       province=Province.objects.get(code=ZJ), supervisor=world.orgs["moe"],
                                       institution_type="university")
    done = {"status": InventoryStatus.INVENTORIED}
    p1 = _patent(inst, 1, granted="2020-01-01", inventoried_at=moment("2025-11-01"), in_library=True,
                 intents=["transfer", "license"], industry_codes=["1.5", "1.2"], maturity=6,
                 implementation_status=ImplementationStatus.SELF, **done)
    # Granted exactly five years before D, funded in the base library, not implemented: sleeping;
    # declared implemented without a record: 自报实施; inventoried the day after D: not yet.
    _patent(inst, 2, granted="2020-12-31", funded="国自然 61972001", inventoried_at=moment("2026-01-01", 0),
                 implementation_status=ImplementationStatus.SELF, **done)
    # Funded by its record but granted a day too late to sleep; an open licence that ended the day before D.
    p3 = _patent(inst, 3, granted="2021-01-01", is_financially_funded=True)
    # Inventoried, with no time recorded (counted as inventoried).
    p4 = _patent(inst, 4, granted="2019-05-05", inventoried_at=None, **done)
    p5 = _patent(inst, 5, granted="2018-03-03")
    # Expired: outside every figure of patents, but its transfer registered in the quarter counts
    # (§8 counts registrations, whatever the patent's later status).
    p6 = _patent(inst, 6, granted="2018-03-03", valid=False)
    _patent(inst, 7, granted="2026-01-10")  # granted after D
    _conversion(p1, inst, ConversionKind.SELF, effective_date=dt.date(2025, 12, 31))
    _conversion(p3, inst, ConversionKind.LICENSE, license_type=LicenseType.OPEN, effective_date=dt.date(2025, 1, 1),
                license_end_date=dt.date(2025, 12, 30), registration_date=dt.date(2025, 10, 1),
                registration_number="2025990000001")
    _conversion(p4, inst, ConversionKind.TRANSFER, effective_date=dt.date(2025, 12, 15),
                registration_date=dt.date(2026, 1, 5), registration_number="2025110000001")
    _conversion(p5, inst, ConversionKind.LICENSE, license_type=LicenseType.ORDINARY, effective_date=dt.date(2025, 6, 1),
                registration_date=dt.date(2025, 7, 1), registration_number="2025990000002", industrialised=True,
                product_filing_number="CP2025000001", product_filing_date=dt.date(2025, 10, 1))
    _conversion(p6, inst, ConversionKind.TRANSFER, effective_date=dt.date(2025, 11, 1),
                registration_date=dt.date(2025, 11, 2), registration_number="2025110000002")
    enterprise = world.orgs["ent_gd"]
    common = dict(patent=p1, owner=inst, prospect=Prospect.FAIR, dimension_scores={}, overall=Decimal("70"),
                  evaluated_on=dt.date(2025, 11, 10))
    Evaluation.objects.create(evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=enterprise,
                              status=EvaluationStatus.SUBMITTED, submitted_at=moment("2025-11-11"),
                              reasons=["price", "advantage_unclear"], **common)
    Evaluation.objects.create(evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=world.orgs["ent_bj_soe"],
                              status=EvaluationStatus.SUBMITTED, submitted_at=moment("2026-01-01", 0), **common)
    push = dict(patent=p1, institution=inst, institution_province_id=ZJ)
    Push.objects.create(enterprise=enterprise, created_at=moment("2025-10-10"), viewed_at=moment("2025-10-11"),
                        status=PushStatus.INTERESTED, answered_at=moment("2025-10-12"), **push)
    Push.objects.create(enterprise=world.orgs["ent_bj_soe"], created_at=moment("2025-12-20"),
                        viewed_at=moment("2026-01-03"), status=PushStatus.VIEWED, **push)
    return inst


EXPECTED = {
    "in_scope": 5, "valid": 5, "inventoried": 2, "in_library": 1, "transfers": 1, "licences": 1, "open_licences": 1,
    "implemented": 3, "self_reported": 1, "industrialised": 1, "product_filings": 1, "sleeping": 1,
    "enterprise_evaluations": 1, "expert_evaluations": 0, "pushes": 2, "pushes_viewed": 1, "pushes_interested": 1,
}


def _values(stat: QuarterlyStat) -> dict:
    return {name: getattr(stat, name) for name in COUNT_FIELDS}


def _rows(run: StatRun) -> list[tuple]:
    return sorted((s.scope, s.province_id or "", s.organization_id or 0, s.ministry_id or 0,
                   tuple(_values(s).values()), repr(s.breakdown)) for s in run.stats.all())


def test_every_figure_of_an_institution_on_the_definitions_boundaries(sample):
    run = services.compute_quarter(Q4)
    stat = run.stats.get(scope=ScopeKind.INSTITUTION, organization=sample)
    assert _values(stat) == EXPECTED
    assert stat.breakdown == {
        "library_by_industry": {"1": 1}, "library_by_intent": {"license": 1, "transfer": 1},
        "library_by_maturity": {"6": 1}, "reasons": {"advantage_unclear": 1, "price": 1}}
    assert (stat.province_id, stat.ministry_id, stat.definition_version) == (ZJ, sample.supervisor_id,
                                                                             run.definition_version)
    # 浙江 holds only this institution: its row is the institution's.
    assert _values(run.stats.get(scope=ScopeKind.PROVINCE, province_id=ZJ)) == EXPECTED


def test_provinces_ministries_and_the_nation_are_the_sums_of_their_institutions(sample):
    run = services.compute_quarter(Q4)
    institutions = list(run.stats.filter(scope=ScopeKind.INSTITUTION))
    assert len(institutions) == Organization.objects.filter(kind=Organization.Kind.INSTITUTION).count()
    assert run.stats.filter(scope=ScopeKind.PROVINCE).count() == Province.objects.count()
    assert run.stats.filter(scope=ScopeKind.MINISTRY).count() == Organization.objects.filter(kind="ministry").count()

    def total(rows) -> dict:
        return {name: sum(getattr(row, name) for row in rows) for name in COUNT_FIELDS}

    assert _values(run.stats.get(scope=ScopeKind.NATIONAL)) == total(institutions)
    moe = run.stats.get(scope=ScopeKind.MINISTRY, organization_id=sample.supervisor_id)
    assert _values(moe) == total([row for row in institutions if row.ministry_id == sample.supervisor_id])
    beijing = run.stats.get(scope=ScopeKind.PROVINCE, province_id="110000")
    assert _values(beijing) == total([row for row in institutions if row.province_id == "110000"])
    assert beijing.in_scope == 4  # the world's four Beijing patents are valid and granted in 2021


def test_computing_again_gives_the_same_rows_in_the_same_draft(sample, world):
    first = services.compute_quarter(Q4)
    assert not first.signoffs.exists()  # the world's sign-offs were of other figures: cleared
    services.sign_off(first, user=world.user("prov_bj_admin"))
    before = _rows(first)
    again = services.compute_quarter(Q4)
    assert again.pk == first.pk and again.revision == 1 and again.status == RunStatus.DRAFT
    assert _rows(again) == before
    assert again.signoffs.count() == 1  # the same figures: the sign-off stands
    _conversion(Patent.objects.get(title="统计样本专利5"), sample, ConversionKind.TRANSFER,
                effective_date=dt.date(2025, 10, 20), registration_date=dt.date(2025, 10, 25),
                registration_number="2025110000010")
    services.compute_quarter(Q4)
    assert not again.signoffs.exists()  # the figures moved: sign again


def test_a_published_quarter_is_frozen_and_a_correction_is_a_new_revision(sample, world):
    run = services.compute_quarter(Q4)
    services.publish(run, user=world.user("operator"), summary="盘点覆盖率稳步提高")
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED and run.is_frozen
    frozen = _rows(run)
    stat = run.stats.get(scope=ScopeKind.INSTITUTION, organization=sample)
    stat.implemented = 99
    with pytest.raises(ValidationError):
        stat.save()
    with pytest.raises(StatisticsError, match="已发布并冻结"):
        services.recompute_run(run)

    # New data after publication: a transfer registered in the quarter.
    patent = Patent.objects.get(title="统计样本专利5")
    _conversion(patent, sample, ConversionKind.TRANSFER, effective_date=dt.date(2025, 10, 20),
                registration_date=dt.date(2025, 10, 25), registration_number="2025110000009")
    correction = services.compute_quarter(Q4, note="补录转让登记")
    assert (correction.revision, correction.status, correction.note) == (2, RunStatus.DRAFT, "补录转让登记")
    run.refresh_from_db()
    assert _rows(run) == frozen and run.status == RunStatus.PUBLISHED
    changes = services.differences(run, correction, world.user("operator"))
    changed = {(c.scope.scope, c.figure, c.before, c.after) for c in changes}
    assert ("institution", "transfers", 1, 2) in changed and ("national", "transfers", 1, 2) in changed
    assert ("province", "transfers", 1, 2) in changed and ("ministry", "transfers", 1, 2) in changed
    # A province reads the differences of its own rows only.
    seen_by_guangdong = services.differences(run, correction, world.user("prov_gd_admin"))
    assert {c.scope.scope for c in seen_by_guangdong} == {"national"}  # 浙江's rows are not 广东's

    services.publish(correction, user=world.user("operator"))
    run.refresh_from_db()
    assert run.status == RunStatus.SUPERSEDED and StatRun.objects.current(str(Q4)) == correction
    assert "更正版" in correction.bulletin.title


def test_publishing_notifies_ministries_and_provinces_and_is_audited(sample, world):
    run = services.compute_quarter(Q4)
    services.publish(run, user=world.user("operator"))
    notified = set(Notification.objects.filter(kind="statistics.bulletin").values_list("recipient__username",
                                                                                       flat=True))
    assert {"moe_admin", "sasac_admin", "prov_bj_admin", "prov_gd_admin"} <= notified
    assert not notified & {"inst_bj_moe_admin", "ent_gd_admin", "operator"}
    assert AuditEvent.objects.filter(action="statistics.publish", target_id=str(run.pk)).exists()
    with pytest.raises(StatisticsError, match="不能重复发布"):
        services.publish(run, user=world.user("operator"))


def test_sign_off_own_figures_only(sample, world):
    run = services.compute_quarter(Q4)
    before = (SignOff.objects.count(), AuditEvent.objects.filter(action="statistics.signoff").count())
    with pytest.raises(StatisticsError, match="只能签认本单位"):
        services.sign_off(run, user=world.user("prov_bj_admin"), province="440000")
    with pytest.raises(StatisticsError, match="只能签认本单位"):
        services.sign_off(run, user=world.user("moe_admin"), ministry=world.orgs["sasac"].pk)
    assert (SignOff.objects.count(), AuditEvent.objects.filter(action="statistics.signoff").count()) == before
    signed = services.sign_off(run, user=world.user("prov_bj_admin"), note="已核对")
    assert (signed.province_id, signed.organization_id) == ("110000", None)
    services.sign_off(run, user=world.user("moe_admin"))
    with pytest.raises(StatisticsError, match="已于"):
        services.sign_off(run, user=world.user("prov_bj_admin"))
    client_refusals = []
    for name in ("inst_bj_moe_admin", "ent_gd_admin", "operator"):
        with pytest.raises(Exception) as refused:
            services.sign_off(run, user=world.user(name))
        client_refusals.append(type(refused.value).__name__)
    assert set(client_refusals) == {"PermissionDenied"}


@pytest.mark.parametrize("text", ["2099Q1", "2026Q4", "2025Q5", "二〇二五年四季度", "", "2019Q4"])
def test_a_quarter_that_cannot_be_counted_is_refused_in_chinese(world, text):
    with pytest.raises(QuarterError) as refused:
        Quarter.ended(text, today=dt.date(2026, 12, 5))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))


def test_quarters_know_their_days():
    assert (Q4.start, Q4.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert Quarter(2024, 1).end == dt.date(2024, 3, 31)
    assert Quarter.last_ended(dt.date(2026, 1, 1)) == Q4
    assert Quarter.parse(" 2025q4 ") == Q4


def test_every_count_traces_to_the_list_it_counted(sample, world):
    run = services.compute_quarter(Q4)
    stat = run.stats.get(scope=ScopeKind.INSTITUTION, organization=sample)
    operator = world.user("operator")
    for name in COUNT_FIELDS:
        _kind, rows = trace(stat, name, operator)
        assert rows.count() == getattr(stat, name), name
    # The province of 浙江 has no account in the world: 广东's office reads none of 浙江's rows.
    assert not QuarterlyStat.objects.visible_to(world.user("prov_gd_admin")).filter(pk=stat.pk).exists()


def test_the_pages_show_trace_and_export_in_scope(sample, world, login):
    run = services.compute_quarter(Q4)
    stat = run.stats.get(scope=ScopeKind.INSTITUTION, organization=sample)
    client = login(world.user("operator"))
    page = client.get(reverse("reporting:stat_run", kwargs={"pk": run.pk}) + f"?province={ZJ}")
    assert page.status_code == 200 and "浙江统计大学" in page.content.decode()
    trace_url = reverse("reporting:stat_trace", kwargs={"pk": stat.pk})
    listed = client.get(trace_url + "?figure=implemented")
    assert listed.status_code == 200 and listed.content.decode().count("统计样本专利") == 3
    exported = client.get(trace_url + "?figure=implemented&format=xlsx")
    book = load_workbook(io.BytesIO(b"".join(exported.streaming_content)))  # read to the end: closes the file
    assert [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)] == sorted(
        Patent.objects.filter(title__in=["统计样本专利1", "统计样本专利4", "统计样本专利5"])
        .values_list("application_number", flat=True))
    assert AuditEvent.objects.filter(action="export.statistics_trace").exists()
    assert client.get(trace_url + "?figure=coverage").status_code == 404  # a rate: its counts are traced
    other = login(world.user("prov_gd_admin"))
    assert other.get(trace_url + "?figure=implemented").status_code == 404
    assert login(world.user("ent_gd_admin")).get(reverse("reporting:stat_list")).status_code == 403


def test_the_command_and_the_page_compute_a_past_quarter(sample, world, login, capsys):
    call_command("compute_stats", "2025Q1")
    assert "2025Q1 revision 1" in capsys.readouterr().out
    client = login(world.user("operator"))
    before = StatRun.objects.count()
    response = client.post(reverse("reporting:stat_compute"), {"quarter": "2099Q1"}, follow=True)
    assert "尚未结束" in response.content.decode() and StatRun.objects.count() == before
    client.post(reverse("reporting:stat_compute"), {"quarter": "2025Q2"})
    assert StatRun.objects.get(quarter="2025Q2").stats.filter(scope="national").exists()


def test_the_api_lists_scoped_figures_with_rates(sample, world, login):
    run = services.compute_quarter(Q4)
    client = login(world.user("prov_bj_admin"))
    response = client.get("/api/v1/statistics/figures/", {"run": run.pk})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(r["scope"], r["province"]) for r in rows if r["scope"] != "institution"} == {
        ("national", None), ("province", "110000")}
    assert {r["province"] for r in rows if r["scope"] == "institution"} == {"110000"}
    operator = login(world.user("operator"))
    zj = operator.get("/api/v1/statistics/figures/", {"run": run.pk, "province": ZJ, "scope": "institution"})
    rates = zj.json()["results"][0]["rates"]
    assert rates["implementation_rate"] == 60.0 and rates["coverage"] == 40.0 and rates["view_rate"] == 50.0
    refused = login(world.user("prov_bj_admin")).post("/api/v1/statistics/signoffs/",
                                                      {"run": run.pk, "province": "440000"},
                                                      content_type="application/json")
    assert refused.status_code == 400 and "只能签认本单位" in refused.json()["detail"]
    assert not SignOff.objects.exists()
    signed = login(world.user("prov_bj_admin")).post("/api/v1/statistics/signoffs/", {"run": run.pk, "note": "无误"},
                                                     content_type="application/json")
    assert signed.status_code == 201 and signed.json()["province"] == "110000"
    assert login(world.user("prov_bj_admin")).post("/api/v1/statistics/runs/compute/", {"quarter": "2025Q3"},
                                                   content_type="application/json").status_code == 403


def test_only_the_operator_may_request_a_computation(sample, world):
    before = StatRun.objects.count()
    with pytest.raises(PermissionDenied, match="仅平台运营可以计算季度统计"):
        services.request_computation("2025Q3", user=world.user("prov_bj_admin"))
    assert str(services.request_computation("2025Q3", user=world.user("operator"))) == "2025Q3"
    assert StatRun.objects.count() > before  # the operator's request ran (Celery in-process in the tests)
