"""The fixture world's additions for the evaluation area 'assessments' (called at the end of world.build_world).

- forms_ent_gd_submitted: 广东专精特新 evaluated 北京示范大学's library patent pushed to it
  (bj_moe_library), submitted: read by the enterprise, the patent's institution (institution-level
  staff: the patent is in no department), both provinces (the enterprise's and the institution's),
  教育部 (which supervises the institution) and the platform; changed (withdrawn) by the enterprise.
- forms_ent_bj_withdrawn: 北京中央企业 withdrew its evaluation of 广东省人民医院's library patent: a
  withdrawn evaluation is read by its enterprise and the platform only.
- forms_expert_draft: the world's `expert` drafts an evaluation on an accepted assignment of a
  round 北京 organises (forms_round, forms_assignment): read by the expert and the platform (the
  organising province reads it once submitted); changed by the expert alone.

The expert's library entry is the experts area's when it has one for the world's `expert`;
otherwise it is created here (forms_expert), recommended by 北京 and approved.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Province
from evaluation.assessments.models import Evaluation, IndicatorScore
from evaluation.choices import AssignmentStatus, EvaluationStatus, EvaluatorKind, ExpertStatus, Prospect, RoundStatus
from evaluation.experts.models import Expert
from evaluation.indicators.models import Indicator, IndicatorSystem
from evaluation.rounds.models import Assignment, EvaluationRound, RoundPatent
from matching.pushes.models import Push

from .isolation.expectations import INST_BJ_MOE
from .isolation.objects import WorldObject

AUDIT = {"visible_to:audit": frozenset({"auditor"})}


def _obj(key, obj, viewers, editors) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors), dict(AUDIT))


def _expert(world) -> tuple[Expert, list[WorldObject]]:
    user = world.users["expert"]
    expert = Expert.objects.filter(user=user).first()
    if expert is not None:
        return expert, []
    expert = Expert.objects.create(
        name="评价专家甲", employer_name="某工业技术研究院", title="研究员", industry_codes=["1.5"],
        ipc_prefixes=["G06V"], phone="13799990001", email="forms.reviewer@experts.example.cn",
        recommending_province=Province.objects.get(code="110000"), status=ExpertStatus.APPROVED, user=user,
        decided_at=timezone.now())
    viewers = {"operator", "prov_bj_admin", "prov_gd_admin", "expert"}
    return expert, [_obj("forms_expert", expert, viewers, {"operator", "prov_bj_admin", "expert"})]


def extend(world) -> dict[str, list]:
    o, u, p = world.orgs, world.users, world.patents
    now = timezone.now()
    system = IndicatorSystem.objects.get(is_current=True)
    indicators = list(Indicator.objects.filter(dimension__system=system).order_by("dimension__position", "position"))
    expert, expert_objects = _expert(world)
    round_ = EvaluationRound.objects.create(organiser=o["prov_bj"], title="北京高校专利价值评价(表单)",
                                            experts_per_patent=1, due_on=timezone.localdate() + dt.timedelta(days=30),
                                            status=RoundStatus.OPEN, created_by=u["prov_bj_admin"])
    RoundPatent.objects.create(round=round_, patent=p["bj_moe_library"])
    assignment = Assignment.objects.create(round=round_, patent=p["bj_moe_library"], expert=expert,
                                           due_on=round_.due_on, status=AssignmentStatus.ACCEPTED, declared_at=now)
    draft = Evaluation.objects.create(
        patent=p["bj_moe_library"], owner=o["inst_bj_moe"], evaluator_kind=EvaluatorKind.EXPERT, expert=expert,
        round=round_, assignment=assignment, system=system, comments={"legal": "权利要求层次较完整"},
        created_by=u["expert"])
    IndicatorScore.objects.bulk_create([IndicatorScore(evaluation=draft, indicator=i, score=Decimal("7.0"))
                                        for i in indicators[:7]])
    submitted = Evaluation.objects.create(
        patent=p["bj_moe_library"], owner=o["inst_bj_moe"], evaluator_kind=EvaluatorKind.ENTERPRISE,
        enterprise=o["ent_gd"], push=Push.objects.filter(enterprise=o["ent_gd"], patent=p["bj_moe_library"]).first(),
        system=system, status=EvaluationStatus.SUBMITTED, prospect=Prospect.GOOD,
        improvement_needs="希望提高在低照度场景下的识别准确率", cooperation_modes=["licence"],
        summary="技术与本企业产品线契合", submitted_at=now, evaluated_on=timezone.localdate(),
        created_by=u["ent_gd_admin"])
    withdrawn = Evaluation.objects.create(
        patent=p["gd_library"], owner=o["inst_gd_local"], evaluator_kind=EvaluatorKind.ENTERPRISE,
        enterprise=o["ent_bj_soe"], system=system, status=EvaluationStatus.WITHDRAWN, prospect=Prospect.POOR,
        reasons=["price"], submitted_at=now, withdrawn_at=now, withdraw_reason="填写有误,重新评价",
        created_by=u["ent_bj_soe_admin"])
    world.evaluations = {"forms_ent_gd_submitted": submitted, "forms_ent_bj_withdrawn": withdrawn,
                         "forms_expert_draft": draft}
    world.forms_assignment = assignment
    organiser = {"operator", "prov_bj_admin"}
    return {
        "evaluation.evaluation": [
            _obj("forms_ent_gd_submitted", submitted,
                 {"operator", "ent_gd_admin", *INST_BJ_MOE, "prov_gd_admin", "prov_bj_admin", "moe_admin"},
                 {"ent_gd_admin"}),
            _obj("forms_ent_bj_withdrawn", withdrawn, {"operator", "ent_bj_soe_admin"}, {"ent_bj_soe_admin"}),
            _obj("forms_expert_draft", draft, {"operator", "expert"}, {"expert"}),
        ],
        "evaluation.evaluationround": [_obj("forms_round", round_, organiser, organiser)],
        "evaluation.assignment": [_obj("forms_assignment", assignment, {*organiser, "expert"},
                                       {*organiser, "expert"})],
        **({"evaluation.expert": expert_objects} if expert_objects else {}),
    }


def fingerprint() -> tuple:
    return (
        tuple(Evaluation.objects.order_by("pk").values_list(
            "pk", "status", "prospect", "cooperation_modes", "reasons", "summary", "overall", "submitted_at",
            "withdrawn_at", "withdraw_reason")),
        tuple(IndicatorScore.objects.order_by("pk").values_list("pk", "score")),
        tuple(Assignment.objects.order_by("pk").values_list("pk", "status", "submitted_at")),
    )


def grow(world, library_patents: list) -> None:
    """One round of tests/world_growth.py for this area, per new library patent: a submitted
    evaluation by 广东专精特新 (with scores), a withdrawn one by 北京中央企业, and an assignment of the
    world's expert in the forms round with a draft."""
    o, u = world.orgs, world.users
    system = IndicatorSystem.objects.get(is_current=True)
    indicators = list(Indicator.objects.filter(dimension__system=system)[:5])
    base = world.forms_assignment
    now = timezone.now()
    for patent in library_patents:
        owner = patent.ownerships.order_by("position").first().organization
        # The feedback area's growth may already have given 广东专精特新 its one live evaluation of
        # this patent: the scores go onto that one.
        submitted = Evaluation.objects.filter(patent=patent, enterprise=o["ent_gd"], round__isnull=True).exclude(
            status=EvaluationStatus.WITHDRAWN).first() or Evaluation.objects.create(
            patent=patent, owner=owner, evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=o["ent_gd"],
            push=Push.objects.filter(enterprise=o["ent_gd"], patent=patent).first(), system=system,
            status=EvaluationStatus.SUBMITTED, prospect=Prospect.FAIR, cooperation_modes=["joint_rd"],
            submitted_at=now, created_by=u["ent_gd_admin"])
        IndicatorScore.objects.bulk_create([IndicatorScore(evaluation=submitted, indicator=i, score=Decimal("6.0"))
                                            for i in indicators])
        Evaluation.objects.create(
            patent=patent, owner=owner, evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=o["ent_bj_soe"],
            system=system, status=EvaluationStatus.WITHDRAWN, reasons=["too_early"], submitted_at=now,
            withdrawn_at=now, withdraw_reason="重新评价", created_by=u["ent_bj_soe_admin"])
        assignment = Assignment.objects.create(round=base.round, patent=patent, expert=base.expert,
                                               due_on=base.due_on, status=AssignmentStatus.ACCEPTED, declared_at=now)
        Evaluation.objects.create(
            patent=patent, owner=owner, evaluator_kind=EvaluatorKind.EXPERT, expert=base.expert, round=base.round,
            assignment=assignment, system=system, created_by=u["expert"])
