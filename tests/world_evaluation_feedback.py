"""The fixture world's additions for the evaluation area 'feedback' (called at the end of world.build_world).

Evaluations written directly (the forms are another area's), each owned by its patent's first
institution patentee: 广东专精特新 submitted one of 北京示范大学's library patent (bj_moe_library)
and withdrew one of 广东省人民医院's (gd_library); an expert of the library (no account) submitted
one of 广东省人民医院's gd_private and one of 北京示范大学's 计算机学院 patent (bj_moe_private).
Each institution answered the submitted evaluation of its own patent it sees; each uploader kind
has one feedback-sheet batch. Expectations, by hand (ARCHITECTURE.md):

- an evaluation is read by its enterprise (any status), the platform, and once submitted by the
  owning institution (a department's staff: their department's patents), the provinces of the
  enterprise and of the owner, and the ministry supervising the owner; it is changed by its
  enterprise alone (the expert without an account: by nobody);
- an answer is read by whoever reads its evaluation, and written by the owning institution's staff
  who read the evaluation;
- a feedback batch is read by its organisation and the operator, committed or cancelled by its uploader.

No world enterprise lets institutions contact it directly (world_matching_needs' profiles): the
institutions read the evaluating enterprise unnamed and without contact details.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Province
from evaluation.assessments.models import Evaluation
from evaluation.choices import EvaluationStatus, EvaluatorKind, FeedbackAction, NonConversionReason, Prospect
from evaluation.experts.models import Expert
from evaluation.feedback.models import EVALUATIONS_BATCH_KIND, EvaluationsBatch, FeedbackAnswer

from .isolation.expectations import DEPT_ADMIN, INST_BJ_MOE
from .isolation.objects import WorldObject

AUDIT = {"visible_to:audit": frozenset({"auditor"})}


def _obj(key, obj, viewers, editors) -> WorldObject:
    return WorldObject(key, obj, frozenset(viewers), frozenset(editors), dict(AUDIT))


def extend(world) -> dict[str, list]:
    o, u, p = world.orgs, world.users, world.patents
    now = timezone.now()
    expert = Expert.objects.create(
        name="反馈评价专家", employer_name="华南理工评价中心", title="研究员", phone="13700990001",
        recommending_province=Province.objects.get(code="440000"), status="approved",
        industry_codes=["1.5"], ipc_prefixes=["G06V"])

    def evaluation(patent, owner, **fields) -> Evaluation:
        values = {"status": EvaluationStatus.SUBMITTED, "submitted_at": now, "evaluated_on": dt.date(2026, 11, 20)}
        return Evaluation.objects.create(patent=p[patent], owner=o[owner], **{**values, **fields})

    ent_bj_values = dict(evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=o["ent_gd"],
                         created_by=u["ent_gd_admin"], prospect=Prospect.FAIR,
                         improvement_needs="feedback 希望补充中试数据和能耗指标", cooperation_modes=[],
                         reasons=[NonConversionReason.ADVANTAGE_UNCLEAR, NonConversionReason.PRICE],
                         dimension_scores={"legal": 70.0, "technical": 80.0, "economic": 60.0},
                         overall=Decimal("71.00"), summary="技术有新意,优势需要数据支撑")
    # The forms' world may already hold ent_gd's live evaluation of this patent (one per evaluator
    # and patent outside a round): this area's values are written onto it rather than a second one.
    existing = Evaluation.objects.filter(patent=p["bj_moe_library"], enterprise=o["ent_gd"], round__isnull=True,
                                         status=EvaluationStatus.SUBMITTED).first()
    if existing is None:
        ent_bj = evaluation("bj_moe_library", "inst_bj_moe", **ent_bj_values)
    else:
        for name, value in {"evaluated_on": dt.date(2026, 11, 20), **ent_bj_values}.items():
            setattr(existing, name, value)
        existing.save()
        ent_bj = existing
    expert_gd = evaluation("gd_private", "inst_gd_local", evaluator_kind=EvaluatorKind.EXPERT, expert=expert,
                           prospect=Prospect.GOOD,
                           dimension_scores={"legal": 85.0, "technical": 90.0, "economic": 75.0},
                           overall=Decimal("84.00"), summary="可许可实施")
    expert_bj = evaluation("bj_moe_private", "inst_bj_moe", evaluator_kind=EvaluatorKind.EXPERT, expert=expert,
                           prospect=Prospect.POOR, improvement_needs="feedback 需要完善权利要求",
                           overall=Decimal("55.00"))
    withdrawn = evaluation("gd_library", "inst_gd_local", evaluator_kind=EvaluatorKind.ENTERPRISE,
                           enterprise=o["ent_gd"], created_by=u["ent_gd_admin"], prospect=Prospect.GOOD,
                           cooperation_modes=["licence"], status=EvaluationStatus.WITHDRAWN, withdrawn_at=now,
                           withdraw_reason="填写有误")
    answer_bj = FeedbackAnswer.objects.create(evaluation=ent_bj, action=FeedbackAction.IMPROVE,
                                              note="计划三个月内补充中试数据", created_by=u["inst_bj_moe_admin"])
    answer_gd = FeedbackAnswer.objects.create(evaluation=expert_gd, action=FeedbackAction.IMPROVE,
                                              note="按专家意见完善实施方案", created_by=u["inst_gd_local_admin"])
    batches = {}
    for key, org, user in (("feedback_gd_upload", o["ent_gd"], "ent_gd_admin"),
                           ("feedback_bj_province_upload", o["prov_bj"], "prov_bj_admin")):
        batches[key] = EvaluationsBatch.objects.create(
            kind=EVALUATIONS_BATCH_KIND, organization=org, created_by=u[user], file=f"imports/world/{key}.xlsx",
            original_name=f"{key}.xlsx", sha256="0" * 64, status=EvaluationsBatch.Status.VALIDATED,
            counts={"total": 0, "new": 0, "updated": 0, "unchanged": 0, "rejected": 0})

    ent_bj_viewers = {"operator", "ent_gd_admin", *INST_BJ_MOE, "prov_gd_admin", "prov_bj_admin", "moe_admin"}
    expert_gd_viewers = {"operator", "inst_gd_local_admin", "prov_gd_admin"}
    expert_bj_viewers = {"operator", *INST_BJ_MOE, DEPT_ADMIN, "prov_bj_admin", "moe_admin"}
    return {
        "evaluation.evaluation": [
            _obj("feedback_ent_gd_on_bj_moe_library", ent_bj, ent_bj_viewers, {"ent_gd_admin"}),
            _obj("feedback_expert_on_gd_private", expert_gd, expert_gd_viewers, ()),
            _obj("feedback_expert_on_bj_moe_private", expert_bj, expert_bj_viewers, ()),
            _obj("feedback_ent_gd_withdrawn_on_gd_library", withdrawn, {"operator", "ent_gd_admin"}, {"ent_gd_admin"}),
        ],
        "evaluation.feedbackanswer": [
            _obj("feedback_answer_bj_moe", answer_bj, ent_bj_viewers, INST_BJ_MOE),
            _obj("feedback_answer_gd_local", answer_gd, expert_gd_viewers, {"inst_gd_local_admin"}),
        ],
        "evaluation.evaluationsbatch": [
            _obj("feedback_gd_upload", batches["feedback_gd_upload"], {"operator", "ent_gd_admin"}, {"ent_gd_admin"}),
            _obj("feedback_bj_province_upload", batches["feedback_bj_province_upload"], {"operator", "prov_bj_admin"},
                 {"prov_bj_admin"}),
        ],
    }


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return (
        tuple(FeedbackAnswer.objects.order_by("pk").values_list()),
        tuple(Evaluation.objects.order_by("pk").values_list("pk", "status", "updated_at")),
    )


def grow(world, patents: list) -> None:
    """One round of tests/world_growth.py for this area: every new library patent evaluated by
    both world enterprises (with coded reasons) and answered by its owner, every other one by the
    library's expert; a feedback upload for each uploader kind."""
    o, u = world.orgs, world.users
    expert = Expert.objects.get(phone="13700990001")
    now = timezone.now()
    evaluations = []
    for patent in patents:
        owner_id = patent.inventory.institution_id
        common = {"patent": patent, "owner_id": owner_id, "status": EvaluationStatus.SUBMITTED, "submitted_at": now,
                  "evaluated_on": dt.date(2026, 11, 1)}
        if patent.inventory.in_library:
            for key, reasons in (("ent_gd", [NonConversionReason.MARKET_UNCLEAR]),
                                 ("ent_bj_soe", [NonConversionReason.TOO_EARLY, NonConversionReason.PRICE])):
                evaluations.append(Evaluation(
                    **common, evaluator_kind=EvaluatorKind.ENTERPRISE, enterprise=o[key], prospect=Prospect.FAIR,
                    reasons=reasons, improvement_needs=f"{patent.title} 改进需求", overall=Decimal("66.00"),
                    dimension_scores={"legal": 60.0, "technical": 70.0, "economic": 65.0}))
        else:
            evaluations.append(Evaluation(**common, evaluator_kind=EvaluatorKind.EXPERT, expert=expert,
                                          prospect=Prospect.GOOD, overall=Decimal("80.00")))
    created = Evaluation.objects.bulk_create(evaluations)
    FeedbackAnswer.objects.bulk_create([
        FeedbackAnswer(evaluation=e, action=FeedbackAction.IMPROVE, note="按企业意见改进")
        for e in created if e.enterprise_id == o["ent_gd"].pk])
    for org, user in ((o["ent_gd"], u["ent_gd_admin"]), (o["prov_bj"], u["prov_bj_admin"])):
        EvaluationsBatch.objects.create(
            kind=EVALUATIONS_BATCH_KIND, organization=org, created_by=user, file="imports/world/growth-feedback.xlsx",
            original_name=f"growth-feedback-{len(created)}-{now:%H%M%S%f}.xlsx", sha256="0" * 64,
            status=EvaluationsBatch.Status.COMMITTED,
            counts={"total": 1, "new": 1, "updated": 0, "unchanged": 0, "rejected": 0})
