"""The evaluation forms: the indicator system as data and its versions, the
expert's and the enterprise's forms with autosaved drafts, submission, lock, withdrawal and history,
every refusal, the scope of each role, and the API (evaluation.indicators, evaluation.assessments)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Province
from evaluation.assessments import services
from evaluation.assessments.models import Evaluation, IndicatorScore
from evaluation.choices import AssignmentStatus, EvaluationStatus, ExpertStatus
from evaluation.experts.models import Expert
from evaluation.indicators import services as indicators
from evaluation.indicators.models import Indicator, IndicatorSystem
from evaluation.rounds.models import Assignment
from matching.choices import PushStatus
from matching.pushes.models import Push

pytestmark = pytest.mark.django_db


def system() -> IndicatorSystem:
    return indicators.current_system()


def tree(version: IndicatorSystem | None = None) -> dict[str, list[Indicator]]:
    version = version or system()
    return {d.code: list(d.indicators.all()) for d in version.dimensions.all()}


def full_scores(version: IndicatorSystem | None = None) -> dict:
    """The hand-computed case: 法律价值 6×7 and 0 → mean 6 → 60; 技术价值 9,9,9,6,6,6 → 7.5 → 75;
    经济价值 10,8,6,4,2 → 6 → 60; overall 0.3×60 + 0.4×75 + 0.3×60 = 66.00."""
    t = tree(version)
    given = {"legal": [7, 7, 7, 7, 7, 7, 0], "technical": [9, 9, 9, 6, 6, 6], "economic": [10, 8, 6, 4, 2]}
    return {str(i.pk): str(score) for code, items in t.items() for i, score in zip(items, given[code], strict=True)}


def expert_draft(world) -> Evaluation:
    return world.evaluations["forms_expert_draft"]


def new_assignment(world, status=AssignmentStatus.ACCEPTED, patent="gd_library") -> Assignment:
    base = world.forms_assignment
    return Assignment.objects.create(round=base.round, patent=world.patents[patent], expert=base.expert,
                                     due_on=base.due_on, status=status)


# --- the indicator system --------------------------------------------------------------------------

def test_the_default_system_is_shipped_as_version_one():
    current = system()
    assert (current.version, current.scenario, current.is_current) == (1, "许可转让", True)
    dims = {d.name: d for d in current.dimensions.all()}
    assert {name: d.weight for name, d in dims.items()} == {
        "法律价值": Decimal("0.300"), "技术价值": Decimal("0.400"), "经济价值": Decimal("0.300")}
    assert [i.name for i in dims["法律价值"].indicators.all()] == [
        "稳定性", "不可规避性", "依赖性", "侵权可判定性", "剩余有效期", "多国申请", "许可状况"]
    assert [i.name for i in dims["技术价值"].indicators.all()] == [
        "先进性", "行业发展趋势", "适用范围", "配套技术依存度", "可替代性", "成熟度"]
    assert [i.name for i in dims["经济价值"].indicators.all()] == [
        "市场应用情况", "市场规模前景", "市场占有率", "竞争情况", "政策适应性"]
    for dimension in dims.values():
        weights = {i.weight for i in dimension.indicators.all()}
        assert len(weights) == 1  # equal within the dimension
        for indicator in dimension.indicators.all():
            assert "0 分" in indicator.guidance and "5 分" in indicator.guidance and "10 分" in indicator.guidance


def test_computation_matches_the_hand_computed_value():
    result = services.compute(system(), services.parsed_scores(full_scores()))
    assert [(r.dimension.code, r.score) for r in result.dimensions] == [
        ("legal", Decimal("60.00")), ("technical", Decimal("75.00")), ("economic", Decimal("60.00"))]
    assert result.overall == Decimal("66.00")
    # Partly scored: the dimension is the mean so far, and there is no overall value yet.
    legal = tree()["legal"]
    partial = services.compute(system(), {legal[0].pk: Decimal("8"), legal[1].pk: Decimal("6")})
    assert partial.dimensions[0].score == Decimal("70.00") and not partial.dimensions[0].complete
    assert partial.overall is None and partial.stored_dimensions() == {}


@pytest.mark.parametrize("raw,message", [("-1", "0 到 10"), ("10.5", "0 到 10"), ("abc", "不是数字"),
                                         ("7.25", "一位小数"), ("NaN", "不是数字")])
def test_a_score_out_of_range_or_not_a_number_is_refused(raw, message):
    with pytest.raises(ValueError, match=message):
        services.parse_score(raw)


def _publish_values(**changes):
    values = indicators.tree_values(system())
    values["note"] = "调整权重"
    for dimension in values["dimensions"]:
        dimension.update(changes.get(dimension["code"], {}))
    return values


def test_the_platform_publishes_a_new_version_and_evaluations_keep_theirs(world):
    draft = expert_draft(world)
    values = _publish_values(legal={"weight": "0.2"}, technical={"weight": "0.5"})
    values["dimensions"][0]["indicators"][0]["guidance"] = "新的评分指引"
    new = indicators.publish_version(world.user("operator"), values)
    assert (new.version, new.is_current) == (2, True)
    assert not IndicatorSystem.objects.get(version=1).is_current
    assert new.dimensions.get(code="technical").weight == Decimal("0.500")
    assert new.dimensions.get(code="legal").indicators.first().guidance == "新的评分指引"
    assert AuditEvent.objects.filter(action="indicator.publish").exists()
    draft.refresh_from_db()
    assert draft.system.version == 1  # kept
    assert world.evaluations["forms_ent_gd_submitted"].system.version == 1
    # A new evaluation is scored with the new version; the page of the old one names its version.
    evaluation = services.start_expert_evaluation(world.user("expert"), new_assignment(world))
    assert evaluation.system_id == new.pk
    client = world_client(world, "ent_gd_admin")
    page = client.get(reverse("evaluation:evaluation_detail", args=[world.evaluations["forms_ent_gd_submitted"].pk]))
    assert "v1" in page.content.decode()


def world_client(world, username):
    from django.test import Client

    client = Client()
    client.force_login(world.user(username))
    return client


@pytest.mark.parametrize("changes,key,text", [
    ({"legal": {"weight": "0.5"}}, "dimensions", "各维度的权重之和应为 1"),
    ({"legal": {"weight": "abc"}}, "dimension_legal_weight", "不是数字"),
    ({"legal": {"weight": "1.5"}}, "dimension_legal_weight", "0 到 1"),
    ({"legal": {"name": ""}}, "dimension_legal_name", "请填写名称"),
])
def test_weights_that_do_not_sum_to_one_are_refused(world, changes, key, text):
    with pytest.raises(indicators.IndicatorError) as caught:
        indicators.publish_version(world.user("operator"), _publish_values(**changes))
    assert text in caught.value.errors[key]
    assert IndicatorSystem.objects.count() == 1


def test_indicator_weights_within_a_dimension_must_sum_to_one(world):
    values = _publish_values()
    values["dimensions"][2]["indicators"][0]["weight"] = "0.5"
    with pytest.raises(indicators.IndicatorError) as caught:
        indicators.publish_version(world.user("operator"), values)
    assert "维度“经济价值”内各指标的权重之和应为 1" in caught.value.errors["dimension_economic_indicators"]
    with pytest.raises(PermissionDenied):
        indicators.publish_version(world.user("prov_bj_admin"), _publish_values())


def test_indicator_pages(world):
    expert = world_client(world, "expert")
    page = expert.get(reverse("evaluation:indicator_current")).content.decode()
    assert "侵权可判定性" in page and "发布新版本" not in page
    assert expert.get(reverse("evaluation:indicator_publish")).status_code == 403
    operator = world_client(world, "operator")
    form = operator.get(reverse("evaluation:indicator_publish"))
    assert form.status_code == 200
    data = {"name": "专利价值评价指标体系", "scenario": "许可转让", "note": ""}
    for d in system().dimensions.all():
        data[f"dimension_{d.code}_name"] = d.name
        data[f"dimension_{d.code}_weight"] = "0.9" if d.code == "legal" else str(d.weight)
        for i in d.indicators.all():
            data[f"indicator_{d.code}_{i.code}_name"] = i.name
            data[f"indicator_{d.code}_{i.code}_weight"] = str(i.weight)
            data[f"indicator_{d.code}_{i.code}_guidance"] = i.guidance
    refused = operator.post(reverse("evaluation:indicator_publish"), data)
    assert refused.status_code == 400 and "各维度的权重之和应为 1" in refused.content.decode()
    data["dimension_legal_weight"] = "0.3"
    done = operator.post(reverse("evaluation:indicator_publish"), data)
    assert done.status_code == 302 and IndicatorSystem.objects.get(is_current=True).version == 2


# --- the expert form -------------------------------------------------------------------------------

def test_expert_fills_saves_and_submits(world):
    expert = world.user("expert")
    draft = expert_draft(world)
    values = {"scores": full_scores(), "comments": {"legal": "稳定", "technical": "领先"}, "summary": "建议许可"}
    draft, problems, computation = services.save_draft(expert, draft, values)
    assert problems == {} and computation.overall == Decimal("66.00")
    draft.refresh_from_db()
    assert draft.overall == Decimal("66.00")
    assert draft.dimension_scores == {"legal": 60.0, "technical": 75.0, "economic": 60.0}
    services.submit(expert, draft)
    draft.refresh_from_db()
    assignment = Assignment.objects.get(pk=draft.assignment_id)
    assert draft.status == EvaluationStatus.SUBMITTED and draft.submitted_at is not None
    assert assignment.status == AssignmentStatus.SUBMITTED and assignment.submitted_at is not None
    assert AuditEvent.objects.filter(action="assessment.submit", target_id=str(draft.pk)).exists()


def test_incomplete_submission_is_refused_per_field_and_nothing_is_submitted(world):
    expert = world.user("expert")
    draft = expert_draft(world)
    before = (draft.status, draft.summary, IndicatorScore.objects.filter(evaluation=draft).count())
    with pytest.raises(services.EvaluationError) as caught:
        services.submit(expert, draft)
    errors = caught.value.errors
    assert errors["summary"] == "请填写综合意见"
    missing = [key for key in errors if key.startswith("score_")]
    assert len(missing) == 11  # the world's draft scored the 7 legal indicators of 18
    assert "请为“先进性”打分(0–10)" in errors.values()
    draft.refresh_from_db()
    assert (draft.status, draft.summary, IndicatorScore.objects.filter(evaluation=draft).count()) == before
    assert Assignment.objects.get(pk=draft.assignment_id).status == AssignmentStatus.ACCEPTED


def test_a_draft_keeps_what_is_valid_and_reports_the_rest(world):
    expert = world.user("expert")
    draft = expert_draft(world)
    first, second, third = tree()["technical"][:3]
    legal = tree()["legal"][0]
    _d, problems, _c = services.save_draft(expert, draft, {
        "scores": {str(first.pk): "8.5", str(second.pk): "11", str(third.pk): "abc", str(legal.pk): "-0.1"},
        "summary": "草稿"})
    assert set(problems) == {f"score_{second.pk}", f"score_{third.pk}", f"score_{legal.pk}"}
    stored = services.scores_of(draft)
    assert stored[first.pk] == Decimal("8.5") and second.pk not in stored and third.pk not in stored
    assert stored[legal.pk] == Decimal("7.0")  # the stored score stays when the new one is wrong


def test_expert_without_assignment_or_after_recusal_is_refused(world):
    expert = world.user("expert")
    with pytest.raises(services.EvaluationError, match="没有该专利的评价任务"):
        services.start_expert_evaluation(expert, None)
    for status, text in ((AssignmentStatus.RECUSED, "已回避"), (AssignmentStatus.DECLINED, "已谢绝"),
                         (AssignmentStatus.ASSIGNED, "声明")):
        assignment = new_assignment(world, status)
        with pytest.raises(services.EvaluationError, match=text):
            services.start_expert_evaluation(expert, assignment)
        assignment.delete()
    # Another expert's assignment.
    other_user = type(expert).objects.create(username="expert2", is_expert=True)
    other = Expert.objects.create(name="乙", employer_name="某所", phone="13799990002",
                                  recommending_province=Province.objects.get(code="110000"),
                                  status=ExpertStatus.APPROVED, user=other_user)
    assignment = Assignment.objects.create(round=world.forms_assignment.round, patent=world.patents["gd_library"],
                                           expert=other, due_on=timezone.localdate())
    with pytest.raises(services.EvaluationError, match="没有该专利的评价任务"):
        services.start_expert_evaluation(expert, assignment)
    # Recused after starting: the draft is locked.
    Assignment.objects.filter(pk=world.forms_assignment.pk).update(status=AssignmentStatus.RECUSED)
    with pytest.raises(services.EvaluationError, match="已回避") as caught:
        services.save_draft(expert, expert_draft(world), {"summary": "x"})
    assert caught.value.locked
    assert Evaluation.objects.filter(expert__user=expert).count() == 1


def test_a_second_live_evaluation_in_the_same_round_is_refused(world):
    before = Evaluation.objects.count()
    with pytest.raises(services.EvaluationError, match="同一评价主体在同一轮次对同一专利只能有一份评价"):
        services.start_expert_evaluation(world.user("expert"), world.forms_assignment)
    with pytest.raises(services.EvaluationError, match="只能有一份评价"):
        services.start_enterprise_evaluation(world.user("ent_gd_admin"), world.patents["bj_moe_library"])
    assert Evaluation.objects.count() == before


# --- the enterprise form ---------------------------------------------------------------------------

def test_enterprise_evaluates_a_library_patent_with_a_coded_reason(world):
    admin = world.user("ent_gd_admin")
    Push.objects.filter(enterprise=world.orgs["ent_gd"], patent=world.patents["gd_library"]).delete()
    evaluation = services.start_enterprise_evaluation(admin, world.patents["gd_library"])
    assert evaluation.owner == world.orgs["inst_gd_local"] and evaluation.push is None
    services.save_draft(admin, evaluation, {"prospect": "fair", "cooperation_modes": [], "reasons": ["other"]})
    with pytest.raises(services.EvaluationError) as caught:
        services.submit(admin, evaluation)
    assert caught.value.errors == {"reason_other": "选择“其他”原因时请填写说明"}
    services.save_draft(admin, evaluation, {"prospect": "fair", "reasons": ["other", "price"],
                                            "reason_other": "需中试"})
    services.submit(admin, evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED
    assert (evaluation.reasons, evaluation.reason_other, evaluation.cooperation_modes) == (["price", "other"],
                                                                                           "需中试", [])


def test_enterprise_submission_needs_prospect_and_cooperation_or_reasons(world):
    admin = world.user("ent_bj_soe_admin")
    evaluation = services.start_enterprise_evaluation(admin, world.patents["bj_moe_library"])
    with pytest.raises(services.EvaluationError) as caught:
        services.submit(admin, evaluation)
    assert caught.value.errors == {"prospect": "请选择产业化前景", "reasons": "暂无合作意愿时,请至少选择一项原因"}
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.DRAFT


def test_enterprise_evaluation_of_a_pushed_patent_answers_the_push(world):
    admin = world.user("ent_gd_admin")
    push = Push.objects.get(enterprise=world.orgs["ent_gd"], patent=world.patents["gd_library"])
    evaluation = services.start_enterprise_evaluation(admin, world.patents["gd_library"])
    assert evaluation.push_id == push.pk
    services.save_draft(admin, evaluation, {"prospect": "good", "cooperation_modes": ["licence", "joint_rd"],
                                            "reasons": ["price"], "scores": {}})
    services.submit(admin, evaluation)
    evaluation.refresh_from_db()
    push.refresh_from_db()
    assert evaluation.cooperation_modes == ["licence", "joint_rd"] and evaluation.reasons == []
    assert push.status == PushStatus.INTERESTED


def test_enterprise_refused_for_a_patent_neither_pushed_nor_in_the_library(world):
    before = Evaluation.objects.count()
    with pytest.raises(services.EvaluationError, match="既未推送给本企业,也不在专利转化资源库中"):
        services.start_enterprise_evaluation(world.user("ent_gd_admin"), world.patents["gd_private"])
    with pytest.raises(services.EvaluationError, match="只有企业"):
        services.start_enterprise_evaluation(world.user("inst_bj_moe_admin"), world.patents["bj_moe_library"])
    client = world_client(world, "ent_gd_admin")
    assert client.get(reverse("evaluation:patent_evaluate", args=[world.patents["gd_private"].pk])).status_code == 404
    assert client.post(reverse("evaluation:patent_evaluate_start",
                               args=[world.patents["gd_private"].pk])).status_code == 404
    assert Evaluation.objects.count() == before


def test_enterprise_scores_are_optional_but_checked(world):
    admin = world.user("ent_bj_soe_admin")
    evaluation = services.start_enterprise_evaluation(admin, world.patents["bj_moe_library"])
    economic = tree()["economic"]
    values = {"prospect": "good", "cooperation_modes": ["assignment"],
              "scores": {str(i.pk): "8" for i in economic}}
    services.save_draft(admin, evaluation, values)
    services.submit(admin, evaluation)
    evaluation.refresh_from_db()
    assert evaluation.dimension_scores == {"economic": 80.0} and evaluation.overall is None


# --- lock, withdrawal, history ---------------------------------------------------------------------

def test_submitted_is_locked_and_withdrawal_keeps_history(world):
    admin = world.user("ent_gd_admin")
    submitted = world.evaluations["forms_ent_gd_submitted"]
    with pytest.raises(services.EvaluationError) as caught:
        services.save_draft(admin, submitted, {"summary": "改"})
    assert caught.value.locked
    client = world_client(world, "ent_gd_admin")
    draft_url = reverse("evaluation:evaluation_draft", args=[submitted.pk])
    assert client.post(draft_url, {"summary": "改"}).status_code == 403
    assert client.post(reverse("evaluation:evaluation_submit", args=[submitted.pk]), {}).status_code == 403
    with pytest.raises(services.EvaluationError, match="请填写撤回原因"):
        services.withdraw(admin, submitted, "  ")
    with pytest.raises(services.EvaluationError, match="不能撤回"):
        services.withdraw(world.user("ent_bj_soe_admin"), submitted, "x")
    response = client.post(reverse("evaluation:evaluation_withdraw", args=[submitted.pk]), {"reason": "价格信息有误"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.withdraw_reason) == (EvaluationStatus.WITHDRAWN, "价格信息有误")
    assert submitted.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="assessment.withdraw").exists()
    # A new draft, and the withdrawn one stays in the history of the evaluation page.
    response = client.post(reverse("evaluation:patent_evaluate_start", args=[world.patents["bj_moe_library"].pk]))
    new = Evaluation.objects.get(enterprise=world.orgs["ent_gd"], status=EvaluationStatus.DRAFT)
    assert response["Location"] == reverse("evaluation:evaluation_edit", args=[new.pk])
    page = client.get(reverse("evaluation:evaluation_detail", args=[new.pk])).content.decode()
    assert "评价历史" in page and "价格信息有误" in page and "已撤回" in page


def test_expert_withdrawal_reopens_the_assignment(world):
    expert = world.user("expert")
    draft = expert_draft(world)
    services.save_draft(expert, draft, {"scores": full_scores(), "summary": "意见"})
    services.submit(expert, draft)
    services.withdraw(expert, draft, "打分有误")
    assert Assignment.objects.get(pk=draft.assignment_id).status == AssignmentStatus.ACCEPTED
    again = services.start_expert_evaluation(expert, Assignment.objects.get(pk=draft.assignment_id))
    assert again.pk != draft.pk and again.status == EvaluationStatus.DRAFT


# --- pages ------------------------------------------------------------------------------------------

def test_autosave_stores_the_draft_and_answers_the_computation(world):
    client = world_client(world, "expert")
    draft = expert_draft(world)
    page = client.get(reverse("evaluation:evaluation_edit", args=[draft.pk])).content.decode()
    assert 'hx-post="' + reverse("evaluation:evaluation_draft", args=[draft.pk]) in page
    assert "侵权可判定性" in page and "得分计算" in page
    data = {f"score_{k}": v for k, v in full_scores().items()}
    data |= {"comment_legal": "稳定", "summary": "自动保存的意见"}
    response = client.post(reverse("evaluation:evaluation_draft", args=[draft.pk]), data, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and "草稿已自动保存" in text and 'hx-swap-oob="true"' in text
    assert "66.00" in text and "75.00" in text
    draft.refresh_from_db()
    assert (draft.summary, draft.overall, draft.comments) == ("自动保存的意见", Decimal("66.00"), {"legal": "稳定"})
    bad = client.post(reverse("evaluation:evaluation_draft", args=[draft.pk]),
                      {**data, f"score_{tree()['legal'][0].pk}": "12"}, HTTP_HX_REQUEST="true")
    assert "以下内容未保存" in bad.content.decode() and "0 到 10" in bad.content.decode()


def test_submit_page_shows_messages_per_field_then_submits(world):
    client = world_client(world, "ent_gd_admin")
    evaluation = services.start_enterprise_evaluation(world.user("ent_gd_admin"), world.patents["gd_library"])
    url = reverse("evaluation:evaluation_submit", args=[evaluation.pk])
    refused = client.post(url, {"cooperation_modes": "none"})
    text = refused.content.decode()
    assert refused.status_code == 400 and "请选择产业化前景" in text and "暂无合作意愿时,请至少选择一项原因" in text
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.DRAFT
    done = client.post(url, {"prospect": "poor", "cooperation_modes": "none", "reasons": ["not_our_field"],
                             "improvement_needs": "需降低成本"})
    assert done.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED and evaluation.improvement_needs == "需降低成本"
    assert Push.objects.get(pk=evaluation.push_id).dismiss_reason == "not_our_field"
    assert client.get(reverse("evaluation:evaluation_edit", args=[evaluation.pk])).status_code == 302


def test_my_evaluations_per_role(world, django_assert_max_num_queries):
    client = world_client(world, "ent_gd_admin")
    with django_assert_max_num_queries(25):
        page = client.get(reverse("evaluation:my_evaluations")).content.decode()
    assert "bj_moe_library" in page and "待评价的专利" in page
    assert "gd_library" in page  # the push of gd_library waits for an evaluation
    found = client.get(reverse("evaluation:my_evaluations"), {"number": world.patents["gd_library"].application_number})
    assert found["Location"] == reverse("evaluation:patent_evaluate", args=[world.patents["gd_library"].pk])
    expert_page = world_client(world, "expert").get(reverse("evaluation:my_evaluations")).content.decode()
    assert "北京高校专利价值评价(表单)" in expert_page and "继续填写" in expert_page
    assert world_client(world, "inst_bj_moe_admin").get(reverse("evaluation:my_evaluations")).status_code == 403


def test_detail_scope_per_role(world):
    submitted = world.evaluations["forms_ent_gd_submitted"]
    url = reverse("evaluation:evaluation_detail", args=[submitted.pk])
    institution = world_client(world, "inst_bj_moe_admin").get(url).content.decode()
    assert "某企业" in institution and "广东专精特新科技有限公司" not in institution
    assert "广东专精特新科技有限公司" in world_client(world, "prov_gd_admin").get(url).content.decode()
    for username in ("ent_bj_soe_admin", "expert", "inst_gd_local_admin", "sasac_admin"):
        assert world_client(world, username).get(url).status_code == 404, username
    draft_url = reverse("evaluation:evaluation_detail", args=[expert_draft(world).pk])
    assert world_client(world, "inst_bj_moe_admin").get(draft_url).status_code == 404
    assert world_client(world, "prov_bj_admin").get(draft_url).status_code == 404  # a draft is the expert's
    assert world_client(world, "prov_bj_admin").get(
        reverse("evaluation:evaluation_edit", args=[expert_draft(world).pk])).status_code == 403


# --- the API ----------------------------------------------------------------------------------------

def test_api_reads_in_scope_and_writes_through_the_services(world):
    enterprise = world_client(world, "ent_bj_soe_admin")
    listed = enterprise.get("/api/v1/evaluations/").json()["results"]
    assert [row["id"] for row in listed] == [world.evaluations["forms_ent_bj_withdrawn"].pk]
    created = enterprise.post("/api/v1/evaluations/", {"patent": world.patents["bj_moe_library"].pk},
                              content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = enterprise.post("/api/v1/evaluations/", {"patent": world.patents["gd_private"].pk},
                              content_type="application/json")
    assert refused.status_code == 400 and "不能评价" in refused.content.decode()
    indicator = tree()["technical"][0].pk
    bad = enterprise.patch(f"/api/v1/evaluations/{pk}/", {"scores": [{"indicator": indicator, "score": "10.5"}]},
                           content_type="application/json")
    assert bad.status_code == 400
    ok = enterprise.patch(f"/api/v1/evaluations/{pk}/", {"prospect": "good", "cooperation_modes": ["equity"],
                                                         "scores": [{"indicator": indicator, "score": "9.5"}]},
                          content_type="application/json")
    assert ok.status_code == 200 and ok.json()["scores"] == [{"indicator": indicator, "score": "9.5"}]
    submitted = enterprise.post(f"/api/v1/evaluations/{pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    locked = enterprise.patch(f"/api/v1/evaluations/{pk}/", {"summary": "x"}, content_type="application/json")
    assert locked.status_code == 409
    assert enterprise.post(f"/api/v1/evaluations/{pk}/withdraw/", {}, content_type="application/json").status_code \
        == 400
    withdrawn = enterprise.post(f"/api/v1/evaluations/{pk}/withdraw/", {"reason": "重新评估"},
                                content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdraw_reason"] == "重新评估"
    institution = world_client(world, "inst_bj_moe_admin").get("/api/v1/evaluations/").json()["results"]
    # Every submitted evaluation of its patents, this area's world object among them (others add theirs).
    expected = set(Evaluation.objects.submitted().filter(owner=world.orgs["inst_bj_moe"]).values_list("pk", flat=True))
    assert {row["id"] for row in institution} == expected and world.evaluations["forms_ent_gd_submitted"].pk in expected
    assert institution[0]["evaluator_name"] is None
    assert world_client(world, "inst_bj_moe_admin").post(f"/api/v1/evaluations/{pk}/submit/").status_code == 404


def test_api_expert_starts_and_reads_the_indicator_systems(world):
    client = world_client(world, "expert")
    assignment = new_assignment(world)
    created = client.post("/api/v1/evaluations/", {"assignment": assignment.pk}, content_type="application/json")
    assert created.status_code == 201 and created.json()["system_version"] == 1
    systems = client.get("/api/v1/indicator-systems/").json()["results"]
    assert systems[0]["version"] == 1 and len(systems[0]["dimensions"]) == 3
    assert world_client(world, "auditor").get("/api/v1/indicator-systems/").json().get("results", []) == []

