"""Expert evaluation's requests, rounds and assignments: the random draw (reproducible, refused
with reasons when too few experts qualify), each conflict-of-interest rule case by case, the
declaration that opens a patent, recusal, decline and reassignment with their replacements, the
reminders (once a day), the scope of each role and the bounded query counts of a round's draw."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Province
from evaluation.choices import AssignmentStatus, ExpertStatus, RoundStatus
from evaluation.experts.models import Expert, Unavailability
from evaluation.rounds import conflicts, draw, services
from evaluation.rounds.coinventors import build_coinventors
from evaluation.rounds.conflicts import AFFILIATION, COINVENTOR, EMPLOYER, INVENTOR, conflicts_of
from evaluation.rounds.models import Assignment, CoInventorLink, Draw, EvaluationRound, ExpertRequest, RoundPatent
from evaluation.rounds.services import RoundError, RoundInput
from inventory.choices import LegalStatus, PatentType
from inventory.models import Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number
from matching.choices import PushStatus
from matching.models import Push
from notifications.models import Notification

pytestmark = pytest.mark.django_db

THIS_YEAR = dt.date.today().year
_serial = iter(range(1, 10_000))


def _gd() -> Province:
    return Province.objects.get(code="440000")


def expert(name: str = "", **fields) -> Expert:
    n = next(_serial)
    fields.setdefault("employer_name", f"无关单位{n}")
    fields.setdefault("ipc_prefixes", ["G06V"])
    fields.setdefault("status", ExpertStatus.APPROVED)
    return Expert.objects.create(name=name or f"专家{n:04d}", phone=f"1380100{n:04d}", recommending_province=_gd(),
                                 **fields)


@pytest.fixture
def only_new_experts(world):
    """Whatever experts the world holds leave the pool (its own assignment stays), so that each
    test counts exactly the experts it makes."""
    Expert.objects.update(status=ExpertStatus.RECOMMENDED)
    return world


def round_of(world, keys, k=2, *, requests=(), due_days=20) -> EvaluationRound:
    return services.create_round(world.user("prov_gd_admin"), RoundInput(
        title="测试轮次", due_on=dt.date.today() + dt.timedelta(days=due_days), experts_per_patent=k,
        application_numbers=tuple(world.patents[key].application_number for key in keys), request_ids=requests))


def _snapshot() -> tuple:
    return (tuple(EvaluationRound.objects.order_by("pk").values_list("pk", "status")),
            tuple(Assignment.objects.order_by("pk").values_list("pk", "status", "expert_id")),
            Draw.objects.count(), RoundPatent.objects.count(), ExpertRequest.objects.count())


# --- conflicts of interest, rule by rule ------------------------------------------------------------


def test_no_conflict_for_an_unrelated_expert(world):
    assert conflicts_of(expert(), world.patents["bj_moe_library"]) == []


def test_employer_owner_by_organisation(world):
    e = expert(employer=world.orgs["inst_bj_moe"], employer_name="北京示范大学某学院")
    assert conflicts_of(e, world.patents["bj_moe_library"]) == [EMPLOYER]
    assert conflicts_of(e, world.patents["gd_library"]) == []


def test_employer_owner_by_credit_code_alone(world):
    # No platform organisation, a differently written name: the credit code still catches it.
    e = expert(employer_credit_code="12100000400000624d", employer_name="北师示范大学")
    assert conflicts_of(e, world.patents["bj_moe_library"]) == [EMPLOYER]


def test_employer_owner_by_name(world):
    assert conflicts_of(expert(employer_name="广东省 人民医院"), world.patents["gd_library"]) == [EMPLOYER]


def test_employer_requesting_enterprise(world):
    ent = world.orgs["ent_gd"]
    by_code = expert(employer_credit_code=ent.credit_code)
    by_org = expert(employer=ent)
    patent = world.patents["gd_library"]
    assert conflicts_of(by_code, patent, [ent.pk]) == [EMPLOYER]
    assert conflicts_of(by_org, patent, [ent.pk]) == [EMPLOYER]
    assert conflicts_of(by_code, patent) == []  # not the requester of this evaluation


def test_declared_affiliation_by_credit_code_and_name(world):
    patent = world.patents["bj_moe_library"]
    by_code = expert(affiliations=[{"name": "兼职单位", "credit_code": "12100000400000624D"}])
    by_name = expert(affiliations=[{"name": "北京示范大学", "credit_code": ""}])
    soe = world.orgs["ent_bj_soe"]
    of_requester = expert(affiliations=[{"name": "", "credit_code": soe.credit_code}])
    assert conflicts_of(by_code, patent) == [AFFILIATION]
    assert conflicts_of(by_name, patent) == [AFFILIATION]
    assert conflicts_of(of_requester, patent, [soe.pk]) == [AFFILIATION]
    assert conflicts_of(of_requester, patent) == []


def test_inventor_with_unknown_or_owner_employer(world):
    patent = world.patents["gd_library"]  # inventors 张三, 李四
    assert conflicts_of(expert("张三", employer_name=""), patent) == [INVENTOR]
    at_owner = expert("李四", employer=world.orgs["inst_gd_local"])
    assert conflicts_of(at_owner, patent) == [INVENTOR, EMPLOYER]
    # A namesake working elsewhere is not the inventor.
    assert conflicts_of(expert("张三", employer=world.orgs["inst_bj_local"]), patent) == []


def test_coinventor_in_the_last_five_years_at_owner_or_employer(world):
    patent = world.patents["gd_library"]
    owner, elsewhere = world.orgs["inst_gd_local"], world.orgs["inst_bj_local"]
    CoInventorLink.objects.create(name_a="张三", name_b="王五", organization=owner, last_year=THIS_YEAR - 2)
    CoInventorLink.objects.create(name_a="李四", name_b="赵六", organization=elsewhere, last_year=THIS_YEAR - 1)
    CoInventorLink.objects.create(name_a="孙七", name_b="张三", organization=owner, last_year=THIS_YEAR - 6)
    CoInventorLink.objects.create(name_a="周八", name_b="李四", organization=world.orgs["inst_bj_moe"],
                                  last_year=THIS_YEAR)
    # Co-invented with 张三 at the patent's owner: a conflict wherever the expert works now.
    assert conflicts_of(expert("王五", employer=elsewhere), patent) == [COINVENTOR]
    # Co-invented with 李四 at the expert's own employer.
    assert conflicts_of(expert("赵六", employer=elsewhere), patent) == [COINVENTOR]
    # A namesake of 赵六 at another employer: the link was not theirs.
    assert conflicts_of(expert("赵六", employer=world.orgs["inst_bj_moe"]), patent) == []
    # Too long ago.
    assert conflicts_of(expert("孙七", employer=elsewhere), patent) == []
    # At a third organisation, neither the owner nor the expert's employer.
    assert conflicts_of(expert("周八", employer=elsewhere), patent) == []


def test_conflict_index_finds_every_rule_in_one_pass(world):
    patent = world.patents["gd_library"]
    CoInventorLink.objects.create(name_a="张三", name_b="王五", organization=world.orgs["inst_gd_local"],
                                  last_year=THIS_YEAR)
    made = {expert("张三", employer_name=""): INVENTOR, expert(employer=world.orgs["inst_gd_local"]): EMPLOYER,
            expert(affiliations=[{"name": "广东省人民医院"}]): AFFILIATION, expert("王五"): COINVENTOR, expert(): None}
    parties = conflicts.load_parties([patent.pk])[patent.pk]
    index = conflicts.ConflictIndex.build(conflicts.expert_facts(ids=[e.pk for e in made]))
    found = index.conflicts(parties)
    assert {e.pk: reason for e, reason in made.items() if reason} == found


# --- the co-inventor relation --------------------------------------------------------------------


def _patent(world, serial: int, year: int, inventors: list[str], owners: list[str]) -> Patent:
    patent = Patent.objects.create(
        application_number=make_application_number(year, "1", serial), title=f"共同发明 {serial}",
        patent_type=PatentType.INVENTION, application_date=dt.date(year, 5, 1), legal_status=LegalStatus.VALID,
        main_ipc="G06V 10/82", inventors=inventors)
    for position, key in enumerate(owners, start=1):
        PatentOwnership.objects.create(patent=patent, organization=world.orgs[key], position=position)
    return patent


def test_build_coinventors_pairs_names_per_owner_with_the_latest_year(world):
    _patent(world, 2000001, THIS_YEAR - 3, [" 王 五", "张三", "张三"], ["inst_gd_local"])
    _patent(world, 2000002, THIS_YEAR - 1, ["张三", "王五", "钱九"], ["inst_gd_local", "inst_bj_local"])
    _patent(world, 2000003, THIS_YEAR - 9, ["老甲", "老乙"], ["inst_gd_local"])  # before the window
    build_coinventors()
    links = set(CoInventorLink.objects.values_list("name_a", "name_b", "organization_id", "last_year"))
    gd, bj = world.orgs["inst_gd_local"].pk, world.orgs["inst_bj_local"].pk
    assert ("张三", "王五", gd, THIS_YEAR - 1) in links
    assert ("张三", "王五", bj, THIS_YEAR - 1) in links
    assert ("张三", "钱九", gd, THIS_YEAR - 1) in links
    assert all(a < b for a, b, _o, _y in links)
    assert not any("老甲" in (a, b) for a, b, _o, _y in links)
    count = len(links)
    build_coinventors()  # again: nothing new
    assert CoInventorLink.objects.count() == count
    build_coinventors(dt.date(2000, 1, 1))  # every year, the world's 2019 patents included
    assert CoInventorLink.objects.filter(name_a="张三", name_b="李四").exists()
    assert CoInventorLink.objects.filter(name_a="老乙", name_b="老甲").exists()


def test_build_coinventors_command(world):
    from django.core.management import call_command

    _patent(world, 2000004, THIS_YEAR, ["甲一", "乙二"], ["inst_gd_local"])
    call_command("build_coinventors")
    assert CoInventorLink.objects.filter(name_a="乙二", name_b="甲一").exists()


# --- the draw ------------------------------------------------------------------------------------


def test_ipc_levels_and_industry_matching():
    assert draw.ipc_levels("G06V 10/82") == ["G", "G06", "G06V", "G06V10", "G06V10/82"]
    assert draw.ipc_key("g06v 10") == "G06V10"
    pool = draw.Pool({1: None, 2: None, 3: None, 4: None}, {"1.1": {1}, "2": {2}}, {"1": {1}},
                     {"G06V10": {3}, "G06F1": {4}}, set(), draw.Counter(), 10)
    need = draw.PatentNeeds(9, "x", industries={"2.3"}, ipc=["G06V 10/82"])
    assert draw.matching_experts(pool, need) == {2, 3}  # G06F1 is not a prefix of G06V10/82
    assert draw.matching_experts(pool, draw.PatentNeeds(9, "x", industries={"1"})) == {1}


def test_draw_round_is_reproducible_from_its_records(only_new_experts):
    world = only_new_experts
    made = [expert() for _ in range(8)]
    evaluation_round = round_of(world, ["gd_private", "gd_library"], k=3)
    assert evaluation_round.status == RoundStatus.DRAFT
    assert services.draw_round(world.user("prov_gd_admin"), evaluation_round) == 6
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == RoundStatus.OPEN
    draws = list(Draw.objects.filter(round=evaluation_round))
    assert len(draws) == 2
    for record in draws:
        assert len(record.seed) == 32
        assert record.candidates == sorted(e.pk for e in made)
        assert draw.replay(record) == record.drawn
        assigned = set(Assignment.objects.filter(round=evaluation_round, patent_id=record.patent_id)
                       .values_list("expert_id", flat=True))
        assert assigned == set(record.drawn)
        assert record.excluded == {}
    # The same seed and candidates always give the same experts; another seed, in general, others.
    assert draw.pick("abc", [5, 3, 9, 1], 2) == draw.pick("abc", [1, 3, 5, 9], 2)
    assert AuditEvent.objects.filter(action="evaluation_round.draw").count() == 1
    users = Notification.objects.filter(kind="evaluation.assignment").count()
    assert users == 0  # these experts have no account yet: nobody to tell


def test_draw_refused_when_too_few_qualify_says_why_and_writes_nothing(only_new_experts):
    world = only_new_experts
    expert(), expert()
    away = expert()
    Unavailability.objects.create(expert=away, starts_on=dt.date.today(), ends_on=dt.date.today() + dt.timedelta(5))
    expert(employer=world.orgs["inst_gd_local"])
    expert(ipc_prefixes=["A01B"])
    busy = expert()
    evaluation_round = round_of(world, ["gd_library"], k=3)
    for _ in range(10):
        other = EvaluationRound.objects.create(organiser=world.orgs["prov_gd"], title="x", due_on=dt.date.today())
        Assignment.objects.create(round=other, patent=world.patents["gd_private"], expert=busy,
                                  due_on=dt.date.today())
    before = _snapshot()
    with pytest.raises(RoundError) as refused:
        services.draw_round(world.user("prov_gd_admin"), evaluation_round)
    message = refused.value.message
    assert "需要 3 名,只找到 2 名" in message
    assert "评价期间不可用 1 名" in message
    assert "在办评价任务已达上限 1 名" in message
    assert "任职于专利权人或申请评价的企业 1 名" in message
    assert "产业和专业领域均不匹配" in message
    assert _snapshot() == before


def test_draw_skips_conflicted_experts_and_the_requester_counts(only_new_experts):
    world = only_new_experts
    request = ExpertRequest.objects.get(enterprise=world.orgs["ent_gd"])
    RoundPatent.objects.filter(request=request).delete()
    clean = [expert() for _ in range(3)]
    at_requester = expert(employer_credit_code=world.orgs["ent_gd"].credit_code)
    evaluation_round = round_of(world, [], k=3, requests=(request.pk,))
    services.draw_round(world.user("prov_gd_admin"), evaluation_round)
    record = Draw.objects.get(round=evaluation_round)
    assert sorted(record.drawn) == sorted(e.pk for e in clean)
    assert at_requester.pk not in record.candidates
    assert record.excluded[conflicts.EMPLOYER] == 1


def test_draw_of_a_round_runs_in_a_bounded_number_of_queries(only_new_experts):
    world = only_new_experts
    for _ in range(12):
        expert()

    def queries_for(keys) -> int:
        evaluation_round = round_of(world, keys, k=2)
        with CaptureQueriesContext(connection) as captured:
            services.draw_round(world.user("prov_gd_admin"), evaluation_round)
        return len(captured)

    small = queries_for(["gd_private"])
    large = queries_for(["gd_private", "gd_library", "co_owned"])
    assert large == small
    assert small <= 30


# --- rounds: bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    ({"title": " "}, "请填写评价轮次名称"),
    ({"due_on": dt.date.today()}, "截止日期须晚于今天"),
    ({"experts_per_patent": 8}, "每件专利专家数须在 1 到 7 之间"),
    ({"experts_per_patent": 0}, "每件专利专家数须在 1 到 7 之间"),
    ({"application_numbers": ("not-a-number",)}, "申请号格式不正确"),
    ({"application_numbers": ()}, "请至少选择一件专利"),
])
def test_round_bad_input_refused(world, change, message):
    data = {"title": "轮次", "due_on": dt.date.today() + dt.timedelta(days=9), "experts_per_patent": 3,
            "application_numbers": (world.patents["gd_private"].application_number,), **change}
    before = _snapshot()
    with pytest.raises(RoundError, match=message):
        services.create_round(world.user("prov_gd_admin"), RoundInput(**data))
    assert _snapshot() == before


def test_round_refuses_another_provinces_patents(world):
    with pytest.raises(RoundError, match="不属于本省高校和科研机构"):
        round_of(world, ["bj_moe_private"])
    with pytest.raises(RoundError, match="只有省级知识产权局"):
        services.create_round(world.user("inst_gd_local_admin"), RoundInput(
            "x", dt.date.today() + dt.timedelta(days=3), 1, (world.patents["gd_private"].application_number,)))


# --- assignments: declaration, recusal, decline, reassignment ---------------------------------------


@pytest.fixture
def drawn(only_new_experts):
    """A round of gd_library with one drawn expert who has an account, and spare experts."""
    world = only_new_experts
    from accounts.models import User

    account = User.objects.create(username="rounds_drawn", full_name="抽中专家", is_expert=True)
    first = expert(user=account)
    spare = [expert() for _ in range(3)]
    evaluation_round = round_of(world, ["gd_library"], k=1)
    # Only the expert with an account qualifies for the draw itself; the spares join afterwards.
    Expert.objects.filter(pk__in=[e.pk for e in spare]).update(status=ExpertStatus.RECOMMENDED)
    services.draw_round(world.user("prov_gd_admin"), evaluation_round)
    Expert.objects.filter(pk__in=[e.pk for e in spare]).update(status=ExpertStatus.APPROVED)
    assignment = Assignment.objects.get(round=evaluation_round)
    assert assignment.expert_id == first.pk
    return world, account, assignment, spare


def test_assignment_page_shows_nothing_of_the_patent_before_the_declaration(drawn, client):
    world, account, assignment, _spare = drawn
    patent = world.patents["gd_library"]
    client.force_login(account)
    page = client.get(reverse("evaluation:assignment_detail", args=[assignment.pk])).content.decode()
    assert "测试轮次" in page and "利益冲突声明" in page
    assert patent.title not in page and patent.application_number not in page and "张三" not in page
    listing = client.get(reverse("evaluation:assignment_list")).content.decode()
    assert patent.title not in listing
    api = client.get(f"/api/v1/assignments/{assignment.pk}/").json()
    assert api["patent"] is None
    # Declaring without ticking the statement is refused.
    client.post(reverse("evaluation:assignment_declare", args=[assignment.pk]))
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ASSIGNED
    client.post(reverse("evaluation:assignment_declare", args=[assignment.pk]), {"confirm": "1"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED and assignment.declared_at is not None
    page = client.get(reverse("evaluation:assignment_detail", args=[assignment.pk])).content.decode()
    assert patent.title in page and patent.application_number in page
    assert client.get(f"/api/v1/assignments/{assignment.pk}/").json()["patent"]["id"] == patent.pk
    assert AuditEvent.objects.filter(action="assignment.declare").count() == 1


def test_declared_conflict_recuses_and_draws_a_replacement(drawn):
    _world, account, assignment, spare = drawn
    replacement = services.recuse(account, assignment, "曾为该专利权人提供咨询")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED
    assert assignment.closed_reason == "曾为该专利权人提供咨询"
    assert replacement.replaces_id == assignment.pk and replacement.expert_id in {e.pk for e in spare}
    assert replacement.status == AssignmentStatus.ASSIGNED and replacement.due_on == assignment.due_on
    assert AuditEvent.objects.filter(action="assignment.recuse").count() == 1
    record = Draw.objects.filter(round=assignment.round, patent=assignment.patent).latest("pk")
    assert assignment.expert_id not in record.candidates and draw.replay(record) == [replacement.expert_id]
    with pytest.raises(RoundError, match="已经结束"):
        services.recuse(account, assignment, "again")


def test_conflict_detected_at_declaration_recuses(drawn):
    _world, account, assignment, _spare = drawn
    # An affiliation with the owner declared after the draw.
    Expert.objects.filter(pk=assignment.expert_id).update(affiliations=[{"name": "广东省人民医院"}])
    result = services.declare(account, assignment)
    assert result.status == AssignmentStatus.RECUSED
    assert "系统检测到利益冲突" in Assignment.objects.get(pk=assignment.pk).closed_reason
    assert Assignment.objects.filter(replaces=assignment).count() == 1
    assert AuditEvent.objects.filter(action="assignment.recuse").count() == 1


def test_decline_with_a_reason_draws_a_replacement(drawn):
    _world, account, assignment, _spare = drawn
    before = _snapshot()
    with pytest.raises(RoundError, match="请填写谢绝原因"):
        services.decline(account, assignment, "  ")
    assert _snapshot() == before
    replacement = services.decline(account, assignment, "出差")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DECLINED and assignment.closed_reason == "出差"
    assert replacement is not None and replacement.replaces_id == assignment.pk


def test_decline_after_declaration_is_refused(drawn):
    _world, account, assignment, _spare = drawn
    services.declare(account, assignment)
    before = _snapshot()
    with pytest.raises(RoundError, match="不能谢绝"):
        services.decline(account, assignment, "太忙")
    assert _snapshot() == before


def test_no_replacement_left_tells_the_province(drawn):
    world, account, assignment, spare = drawn
    Expert.objects.filter(pk__in=[e.pk for e in spare]).update(status=ExpertStatus.REJECTED)
    assert services.decline(account, assignment, "出差") is None
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.DECLINED
    assert Notification.objects.filter(kind="evaluation.replacement_failed",
                                       recipient=world.user("prov_gd_admin")).count() == 1


def test_reassign_by_the_province_checks_the_named_expert(drawn):
    world, _account, assignment, spare = drawn
    province = world.user("prov_gd_admin")
    conflicted = expert(employer=world.orgs["inst_gd_local"])
    before = _snapshot()
    with pytest.raises(RoundError, match="任职于专利权人"):
        services.reassign(province, assignment, "逾期未评", expert_id=conflicted.pk)
    assert _snapshot() == before
    made = services.reassign(province, assignment, "逾期未评", expert_id=spare[0].pk)
    assert made.expert_id == spare[0].pk and made.replaces_id == assignment.pk
    assert Assignment.objects.get(pk=assignment.pk).closed_reason == "组织单位重新分配:逾期未评"
    with pytest.raises(Http404):  # another province's round: not found
        services.reassign(world.user("prov_bj_admin"), made, "x")


def test_other_experts_cannot_act_on_an_assignment(drawn, world):
    _world, _account, assignment, _spare = drawn
    with pytest.raises(Http404):
        services.declare(world.user("expert"), assignment)


# --- requests --------------------------------------------------------------------------------------


def test_enterprise_requests_from_a_push_and_from_the_library(world, login):
    user = world.user("ent_bj_soe_admin")
    push = Push.objects.get(enterprise=world.orgs["ent_bj_soe"], patent=world.patents["gd_library"])
    client = login(user)
    response = client.post("/api/v1/expert-requests/", {"push": push.pk, "note": "请专家看看"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    # A push already answered (dismissed) keeps its answer; the request is still made.
    assert Push.objects.get(pk=push.pk).status == PushStatus.DISMISSED
    again = client.post("/api/v1/expert-requests/", {"push": push.pk}, content_type="application/json")
    assert again.status_code == 409 and "已经申请过" in again.json()["detail"]
    library = client.post("/api/v1/expert-requests/", {"patent": world.patents["bj_moe_library"].pk},
                          content_type="application/json")
    assert library.status_code == 201
    private = client.post("/api/v1/expert-requests/", {"patent": world.patents["gd_private"].pk},
                          content_type="application/json")
    assert private.status_code == 404
    assert Push.objects.get(enterprise=world.orgs["ent_bj_soe"], patent=world.patents["bj_moe_library"]).status \
        == PushStatus.INTERESTED


def test_request_from_an_unanswered_push_answers_it(world):
    user = world.user("ent_gd_admin")
    push = Push.objects.get(enterprise=world.orgs["ent_gd"], patent=world.patents["bj_moe_library"])
    made = services.request_expert_evaluation(user, push.patent, push=push)
    assert Push.objects.get(pk=push.pk).status == PushStatus.EVALUATION_REQUESTED
    assert made.push_id == push.pk
    assert AuditEvent.objects.filter(action="expert_request.create").count() == 1


def test_pushes_answered_in_matching_become_requests(world):
    push = Push.objects.get(enterprise=world.orgs["ent_bj_soe"], patent=world.patents["bj_moe_library"])
    Push.objects.filter(pk=push.pk).update(status=PushStatus.EVALUATION_REQUESTED)
    assert services.collect_push_requests() == 1
    assert services.collect_push_requests() == 0
    assert ExpertRequest.objects.filter(push=push, enterprise=world.orgs["ent_bj_soe"]).exists()


def test_province_sees_its_enterprises_requests_and_names_only_its_own(world, login):
    ExpertRequest.objects.create(enterprise=world.orgs["ent_bj_soe"], patent=world.patents["gd_library"])
    rows = login(world.user("prov_gd_admin")).get("/api/v1/expert-requests/").json()["results"]
    names = sorted(r["enterprise_name"] for r in rows)
    assert names == ["广东专精特新科技有限公司", "某企业"]
    page = login(world.user("prov_gd_admin")).get(reverse("evaluation:request_list")).content.decode()
    assert "北京中央企业集团有限公司" not in page
    assert login(world.user("prov_bj_admin")).get("/api/v1/expert-requests/").json()["results"][0][
        "enterprise_name"] == "北京中央企业集团有限公司"


# --- scope --------------------------------------------------------------------------------------------


def test_rounds_scope_per_role(world, login):
    # Other areas' world objects add rounds and assignments of their own: compare with the scope.
    def rounds(username):
        return login(world.user(username)).get("/api/v1/evaluation-rounds/").json()["results"]

    def organised_by(username):
        return set(EvaluationRound.objects.filter(organiser=world.user(username).organization)
                   .values_list("title", flat=True))

    assert "rounds_广东专家评价" in {r["title"] for r in rounds("prov_gd_admin")}
    assert {r["title"] for r in rounds("prov_gd_admin")} == organised_by("prov_gd_admin")
    assert {r["title"] for r in rounds("prov_bj_admin")} == organised_by("prov_bj_admin")
    assert "rounds_广东专家评价" not in {r["title"] for r in rounds("prov_bj_admin")}
    assert len(rounds("operator")) == EvaluationRound.objects.count()
    assert login(world.user("ent_gd_admin")).get(reverse("evaluation:round_list")).status_code == 403
    rows = login(world.user("expert")).get("/api/v1/assignments/").json()["results"]
    assert len(rows) == Assignment.objects.filter(expert__user=world.user("expert")).count()
    undeclared = [row for row in rows if row["status"] == AssignmentStatus.ASSIGNED]
    assert undeclared and all(row["patent"] is None for row in undeclared)
    assert login(world.user("prov_gd_admin")).get("/api/v1/assignments/").json()["results"][0]["patent"] is not None
    bj_rounds = set(EvaluationRound.objects.filter(organiser=world.user("prov_bj_admin").organization)
                    .values_list("pk", flat=True))
    assert {row["round"] for row in login(world.user("prov_bj_admin")).get("/api/v1/assignments/").json()["results"]
            } <= bj_rounds


def test_round_pages_for_the_province(only_new_experts, login):
    world = only_new_experts
    for _ in range(2):
        expert()
    client = login(world.user("prov_gd_admin"))
    response = client.post(reverse("evaluation:round_create"), {
        "title": "页面轮次", "due_on": str(dt.date.today() + dt.timedelta(days=10)), "experts_per_patent": "2",
        "application_numbers": world.patents["gd_private"].application_number})
    made = EvaluationRound.objects.get(title="页面轮次")
    assert response.status_code == 302 and response["Location"].endswith(f"/rounds/{made.pk}/")
    client.post(reverse("evaluation:round_draw", args=[made.pk]))
    assert Assignment.objects.filter(round=made).count() == 2
    listing = client.get(reverse("evaluation:round_list")).content.decode()
    assert "页面轮次" in listing and "0 / 2" in listing
    detail = client.get(reverse("evaluation:round_detail", args=[made.pk])).content.decode()
    assert world.patents["gd_private"].application_number in detail and "随机种子" in detail


def test_round_progress_counts(world):
    evaluation_round = EvaluationRound.objects.get(title="rounds_广东专家评价")
    Assignment.objects.filter(round=evaluation_round).update(due_on=dt.date.today() - dt.timedelta(days=1))
    progress = services.attach_progress([evaluation_round])[0].progress
    assert progress["active"] == 1 and progress["submitted"] == 0 and progress["overdue"] == 1
    assert progress["patents"] == 1 and progress["by_status"][AssignmentStatus.ASSIGNED] == 1


def test_round_list_queries_do_not_grow_with_rounds(world, login, django_assert_max_num_queries):
    client = login(world.user("prov_gd_admin"))
    client.get(reverse("evaluation:round_list"))
    for n in range(5):
        EvaluationRound.objects.create(organiser=world.orgs["prov_gd"], title=f"轮次{n}",
                                       due_on=dt.date.today() + dt.timedelta(days=3))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("evaluation:round_list"))
    for n in range(10):
        EvaluationRound.objects.create(organiser=world.orgs["prov_gd"], title=f"更多{n}",
                                       due_on=dt.date.today() + dt.timedelta(days=3))
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("evaluation:round_list"))
    assert len(more) == len(few)


# --- reminders ------------------------------------------------------------------------------------------


def test_reminders_before_and_after_the_due_date_once_a_day(world, settings):
    settings.EVALUATION_REMINDER_DAYS = 3
    from accounts.models import User

    account = User.objects.create(username="rounds_reminded", full_name="被提醒专家", is_expert=True)
    e = expert(user=account)
    evaluation_round = EvaluationRound.objects.get(title="rounds_广东专家评价")
    today = timezone.localdate()
    soon = Assignment.objects.create(round=evaluation_round, patent=world.patents["gd_private"], expert=e,
                                     due_on=today + dt.timedelta(days=2))
    late = Assignment.objects.create(round=evaluation_round, patent=world.patents["co_owned"], expert=e,
                                     due_on=today - dt.timedelta(days=1))
    Assignment.objects.create(round=evaluation_round, patent=world.patents["bj_moe_library"], expert=e,
                              due_on=today + dt.timedelta(days=10))
    counts = services.send_reminders(today)
    assert counts == {"due_soon": 1, "overdue": 1}
    kinds = sorted(Notification.objects.filter(recipient=account).values_list("kind", flat=True))
    assert kinds == ["evaluation.due_soon", "evaluation.overdue"]
    assert services.send_reminders(today) == {"due_soon": 0, "overdue": 0}
    assert Notification.objects.filter(recipient=account).count() == 2
    Assignment.objects.filter(pk__in=[soon.pk, late.pk]).update(
        reminded_at=timezone.now() - dt.timedelta(days=1))
    assert services.send_reminders(today) == {"due_soon": 1, "overdue": 1}
    from evaluation.rounds.tasks import remind_assignments_task

    assert remind_assignments_task() == {"due_soon": 0, "overdue": 0}


# --- the home card ---------------------------------------------------------------------------------------


def test_expert_home_card_counts_open_assignments(world, login):
    page = login(world.user("expert")).get(reverse("home")).content.decode()
    assert "评价任务" in page and "其中待声明利益冲突 1 项" in page
    assert "专利评价工作启动后" not in page


def test_round_patents_keep_their_request(world):
    request = ExpertRequest.objects.get(enterprise=world.orgs["ent_gd"])
    assert RoundPatent.objects.get(request=request).patent_id == world.patents["gd_library"].pk
    # Taken by a round: no longer offered to the province.
    assert not services.open_requests(world.user("prov_gd_admin")).filter(pk=request.pk).exists()

