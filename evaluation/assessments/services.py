"""The rules of evaluations (评价): who may evaluate which patent, the computation of the scores, drafts,
submission, withdrawal, each change with its audit event in the same transaction.

    evaluation = start_expert_evaluation(expert_user, assignment)     # an ACCEPTED assignment of theirs
    evaluation = start_enterprise_evaluation(enterprise_user, patent)  # pushed to it, or in the library
    evaluation, problems = save_draft(user, evaluation, values)        # loose: keeps what is valid
    submit(user, evaluation)                                           # full check, then locked
    withdraw(user, evaluation, reason)                                 # stays in the history

Values are those of the form and the API: prospect, improvement_needs, cooperation_modes (list of
matching.choices.CooperationMode; empty = 暂无), reasons (NonConversionReason), reason_other,
scores ({indicator id: 0–10, one decimal}), comments ({dimension code: text}), summary.
A refusal raises EvaluationError ({field: Chinese message}) and writes nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from evaluation.assessments.models import LIVE, Evaluation, IndicatorScore
from evaluation.choices import AssignmentStatus, EvaluationStatus, EvaluatorKind, NonConversionReason, Prospect
from evaluation.indicators.models import Dimension, IndicatorSystem
from evaluation.indicators.services import with_tree
from evaluation.rounds.models import Assignment
from inventory.models import InventoryRecord, Patent, PatentOwnership
from inventory.patents import InvalidPatentNumber, normalize_application_number
from matching.choices import ANSWERED, CooperationMode, DismissReason
from matching.pushes import services as pushes
from matching.pushes.models import Push

SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(10)
TEXT_MAX = 2000
REASON_MAX = 500
VALUE_FIELDS = ("prospect", "improvement_needs", "cooperation_modes", "reasons", "reason_other", "scores",
                "comments", "summary")
# How a coded reason of "no cooperation" answers the push it came from (matching's dismissal codes).
DISMISS_REASON = {
    NonConversionReason.TOO_EARLY: DismissReason.TOO_EARLY,
    NonConversionReason.PRICE: DismissReason.PRICE,
    NonConversionReason.NOT_OUR_FIELD: DismissReason.NOT_OUR_FIELD,
    NonConversionReason.DESCRIPTION_UNCLEAR: DismissReason.UNCLEAR,
}


class EvaluationError(Exception):
    """An evaluation change refused: {field: Chinese message}; nothing was written. `locked` when the
    evaluation's state forbids the change (submitted, withdrawn), as opposed to bad input."""

    def __init__(self, errors: Mapping[str, str] | str, *, locked: bool = False) -> None:
        self.errors = {"__all__": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(self.errors.values()))
        self.locked = locked


# --- scores and their computation ------------------------------------------------------------------

def parse_score(value: object) -> Decimal | None:
    """A score as typed: None when blank; ValueError with a Chinese message when it is not a number
    from 0 to 10 with at most one decimal."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        score = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(_("“%(value)s”不是数字,请填写 0 到 10 之间的分数") % {"value": text[:20]}) from None
    if not score.is_finite():
        raise ValueError(_("“%(value)s”不是数字,请填写 0 到 10 之间的分数") % {"value": text[:20]})
    if score < SCORE_MIN or score > SCORE_MAX:
        raise ValueError(_("得分应在 0 到 10 之间(填写的是 %(value)s)") % {"value": text[:20]})
    if score != score.quantize(Decimal("0.1")):
        raise ValueError(_("得分最多保留一位小数"))
    return score.quantize(Decimal("0.1"))


@dataclass
class DimensionResult:
    dimension: Dimension
    score: Decimal | None  # 0–100, over the indicators scored so far
    scored: int
    total: int

    @property
    def complete(self) -> bool:
        return self.scored == self.total


@dataclass
class Computation:
    """The dimension scores and the overall value of a set of indicator scores, as stored and explained."""

    system: IndicatorSystem
    dimensions: list[DimensionResult] = field(default_factory=list)
    overall: Decimal | None = None

    def stored_dimensions(self) -> dict[str, float]:
        """Evaluation.dimension_scores: the complete dimensions only."""
        return {r.dimension.code: float(r.score) for r in self.dimensions if r.complete and r.score is not None}


def _two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def compute(system: IndicatorSystem, scores: Mapping[int, Decimal]) -> Computation:
    """The one computation of an evaluation's value, from its indicator scores (0–10) under `system`
    (its tree prefetched or not):

    - a dimension's score (0–100) is the weighted mean of its indicators' scores × 10, the weights
      being those of its indicators in this version (divided by their sum, so that equal weights
      rounded to three decimals still give the plain mean); over the indicators scored so far;
    - the overall value (0–100) is the weighted sum of the dimension scores with the dimensions'
      weights (divided by their sum, 1 within rounding), once every indicator is scored.
    Both are rounded to two decimals; the overall value is computed from the unrounded dimensions."""
    result = Computation(system=system)
    exact: list[tuple[Decimal, Decimal]] = []
    for dimension in system.dimensions.all():
        indicators = list(dimension.indicators.all())
        scored = [(i.weight, scores[i.pk]) for i in indicators if scores.get(i.pk) is not None]
        weights = sum((w for w, _s in scored), Decimal(0))
        value = sum((w * s for w, s in scored), Decimal(0)) * 10 / weights if weights else None
        result.dimensions.append(DimensionResult(dimension, _two(value) if value is not None else None,
                                                 len(scored), len(indicators)))
        if value is not None and len(scored) == len(indicators):
            exact.append((dimension.weight, value))
    if result.dimensions and len(exact) == len(result.dimensions):
        total = sum((w for w, _v in exact), Decimal(0))
        result.overall = _two(sum((w * v for w, v in exact), Decimal(0)) / total) if total else None
    return result


def scores_of(evaluation: Evaluation) -> dict[int, Decimal]:
    return dict(evaluation.scores.values_list("indicator_id", "score"))


def with_tree_of(evaluation: Evaluation) -> IndicatorSystem:
    """The version the evaluation is scored with, its tree prefetched."""
    return with_tree(IndicatorSystem.objects.filter(pk=evaluation.system_id)).get()


def parsed_scores(raw: Mapping[Any, object]) -> dict[int, Decimal]:
    """The valid scores among those typed, by indicator id (the others are left out)."""
    scores: dict[int, Decimal] = {}
    for key, value in raw.items():
        try:
            score = parse_score(value)
            indicator = int(key)
        except (TypeError, ValueError):
            continue
        if score is not None:
            scores[indicator] = score
    return scores


def computation_of(evaluation: Evaluation) -> Computation | None:
    if evaluation.system_id is None:
        return None
    return compute(with_tree_of(evaluation), scores_of(evaluation))


# --- who may evaluate what -------------------------------------------------------------------------

def owner_of(patent: Patent):
    """The patent's first institution patentee (its ownership of the lowest position)."""
    ownership = (PatentOwnership.objects.filter(patent=patent).select_related("organization")
                 .order_by("position", "pk").first())
    return ownership.organization if ownership else None


def evaluable_patents(user) -> QuerySet[Patent]:
    """The patents an enterprise may evaluate: those pushed to it and those of the conversion
    resource library. Nothing for any other role."""
    if role_of(user) != Role.ENTERPRISE:
        return Patent.objects.none()
    pushed = Push.objects.visible_to(user).values("patent_id")
    library = InventoryRecord.objects.visible_to(user, "library").values("patent_id")
    return Patent.objects.filter(Q(pk__in=pushed) | Q(pk__in=library))


def _live(evaluations: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    return evaluations.filter(LIVE)


def _duplicate() -> EvaluationError:
    return EvaluationError(_("已有该专利的评价(草稿或已提交),同一评价主体在同一轮次对同一专利只能有一份评价;"
                             "请继续编辑原评价,或撤回后重新评价"))


def assignment_problem(user, assignment: Assignment | None) -> str:
    """Why `user` may not evaluate under `assignment` ("" when they may)."""
    if assignment is None or role_of(user) != Role.EXPERT or assignment.expert.user_id != user.pk:
        return _("您没有该专利的评价任务,不能评价")
    if assignment.status == AssignmentStatus.RECUSED:
        return _("您已回避该专利的评价,不能评价")
    if assignment.status == AssignmentStatus.DECLINED:
        return _("您已谢绝该评价任务,不能评价")
    if assignment.status == AssignmentStatus.ASSIGNED:
        return _("请先声明与该专利无利益冲突,再开始评价")
    if assignment.status == AssignmentStatus.SUBMITTED:
        return _("该评价任务已提交,如需修改请先撤回原评价")
    return ""


def start_expert_evaluation(user, assignment: Assignment | None, *, request=None) -> Evaluation:
    """A draft for an ACCEPTED assignment of the expert `user`, scored with the current indicator system."""
    problem = assignment_problem(user, assignment)
    if problem:
        raise EvaluationError(problem)
    system = IndicatorSystem.objects.filter(is_current=True).first()
    owner = owner_of(assignment.patent)
    if system is None or owner is None:
        raise EvaluationError(_("该专利暂时无法评价(缺少指标体系或高校院所权利人)"))
    if _live(Evaluation.objects.filter(patent=assignment.patent, expert=assignment.expert,
                                       round=assignment.round)).exists():
        raise _duplicate()
    return _create(user, request, patent=assignment.patent, owner=owner, evaluator_kind=EvaluatorKind.EXPERT,
                   expert=assignment.expert, round=assignment.round, assignment=assignment, system=system)


def start_enterprise_evaluation(user, patent: Patent, *, request=None) -> Evaluation:
    """A draft of the enterprise of `user` for a patent pushed to it or in the library; linked to the
    push when the patent was pushed to it."""
    if role_of(user) != Role.ENTERPRISE:
        raise EvaluationError(_("只有企业可以发起企业评价"))
    if not evaluable_patents(user).filter(pk=patent.pk).exists():
        raise EvaluationError(_("该专利既未推送给本企业,也不在专利转化资源库中,不能评价"))
    system = IndicatorSystem.objects.filter(is_current=True).first()
    owner = owner_of(patent)
    if system is None or owner is None:
        raise EvaluationError(_("该专利暂时无法评价(缺少指标体系或高校院所权利人)"))
    enterprise = user.organization
    if _live(Evaluation.objects.filter(patent=patent, enterprise=enterprise, round__isnull=True)).exists():
        raise _duplicate()
    push = Push.objects.visible_to(user).filter(patent=patent).first()
    return _create(user, request, patent=patent, owner=owner, evaluator_kind=EvaluatorKind.ENTERPRISE,
                   enterprise=enterprise, push=push, system=system)


def _create(user, request, **fields) -> Evaluation:
    now = timezone.now()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(created_by=user, created_at=now, **fields)
            audit("assessment.start", actor=user, request=request, target=evaluation,
                  organization=getattr(user, "organization", None),
                  after={"status": evaluation.status, "patents": [evaluation.patent_id]})
    except IntegrityError:
        # A concurrent start won the database's one-live-evaluation constraint.
        raise _duplicate() from None
    return evaluation


def live_evaluation_for_assignment(assignment: Assignment) -> Evaluation | None:
    return _live(Evaluation.objects.filter(assignment=assignment)).first()


# --- values --------------------------------------------------------------------------------------

def _list(values: Mapping[str, Any], name: str) -> list[str]:
    raw = values.get(name) or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(v) for v in raw if str(v or "").strip()]


def _clean_scores(evaluation: Evaluation, raw: Mapping[Any, object], problems: dict[str, str]) -> dict[int, Decimal]:
    indicator_ids = set(evaluation.system.dimensions.values_list("indicators__pk", flat=True)) \
        if evaluation.system_id else set()
    scores: dict[int, Decimal] = {}
    for key, value in raw.items():
        try:
            indicator = int(key)
        except (TypeError, ValueError):
            continue
        if indicator not in indicator_ids:
            problems[f"score_{key}"] = _("该指标不属于本评价使用的指标体系版本")
            continue
        try:
            score = parse_score(value)
        except ValueError as error:
            problems[f"score_{indicator}"] = str(error)
            continue
        if score is not None:
            scores[indicator] = score
    return scores


def _clean_comments(evaluation: Evaluation, raw: Mapping[str, object], problems: dict[str, str]) -> dict[str, str]:
    codes = set(evaluation.system.dimensions.values_list("code", flat=True)) if evaluation.system_id else set()
    comments = {}
    for code, value in raw.items():
        text = str(value or "").strip()
        if code in codes and text:
            if len(text) > TEXT_MAX:
                problems[f"comment_{code}"] = _("意见最多 %(n)d 个字") % {"n": TEXT_MAX}
            else:
                comments[code] = text
    return comments


def _clean_enterprise(values: Mapping[str, Any], cleaned: dict[str, Any], problems: dict[str, str]) -> None:
    """产业化前景, 产学研合作意愿 and the coded reasons of 暂无 (kept only when no mode is chosen)."""
    prospect = str(values.get("prospect") or "")
    if prospect and prospect not in Prospect.values:
        problems["prospect"] = _("“%(value)s”不是可选的产业化前景") % {"value": prospect[:20]}
    else:
        cleaned["prospect"] = prospect
    modes = _list(values, "cooperation_modes")
    bad = [m for m in modes if m not in CooperationMode.values]
    if bad:
        problems["cooperation_modes"] = _("“%(value)s”不是可选的合作方式") % {"value": "、".join(bad[:4])}
    else:
        cleaned["cooperation_modes"] = [m for m in CooperationMode.values if m in modes]
    reasons = _list(values, "reasons")
    bad = [r for r in reasons if r not in NonConversionReason.values]
    if bad:
        problems["reasons"] = _("“%(value)s”不是可选的原因") % {"value": "、".join(bad[:4])}
    else:
        keep = not cleaned.get("cooperation_modes")
        cleaned["reasons"] = [r for r in NonConversionReason.values if r in reasons] if keep else []
    other = str(values.get("reason_other") or "").strip()
    if len(other) > REASON_MAX:
        problems["reason_other"] = _("其他原因最多 %(n)d 个字") % {"n": REASON_MAX}
    else:
        cleaned["reason_other"] = other if NonConversionReason.OTHER in cleaned.get("reasons", []) else ""


def clean_values(evaluation: Evaluation, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The storable part of `values` for this evaluation's kind and version, and the problems of the
    rest ({field: Chinese message}). Only what is valid is kept: a draft keeps what can be kept."""
    problems: dict[str, str] = {}
    cleaned: dict[str, Any] = {"scores": _clean_scores(evaluation, values.get("scores") or {}, problems),
                               "comments": _clean_comments(evaluation, values.get("comments") or {}, problems)}
    for name in ("summary", "improvement_needs"):
        text = str(values.get(name) or "").strip()
        if len(text) > TEXT_MAX:
            problems[name] = _("最多 %(n)d 个字") % {"n": TEXT_MAX}
        else:
            cleaned[name] = text
    if evaluation.evaluator_kind == EvaluatorKind.ENTERPRISE:
        _clean_enterprise(values, cleaned, problems)
    return cleaned, problems


def completeness_errors(evaluation: Evaluation, cleaned: Mapping[str, Any]) -> dict[str, str]:
    """What a submission needs beyond valid values, {field: Chinese message}."""
    errors: dict[str, str] = {}
    if evaluation.evaluator_kind == EvaluatorKind.EXPERT:
        for dimension in evaluation.system.dimensions.all():
            for indicator in dimension.indicators.all():
                if indicator.pk not in cleaned["scores"]:
                    errors[f"score_{indicator.pk}"] = _("请为“%(name)s”打分(0–10)") % {"name": indicator.name}
        if not cleaned.get("summary"):
            errors["summary"] = _("请填写综合意见")
    else:
        if not cleaned.get("prospect"):
            errors["prospect"] = _("请选择产业化前景")
        if not cleaned.get("cooperation_modes"):
            if not cleaned.get("reasons"):
                errors["reasons"] = _("暂无合作意愿时,请至少选择一项原因")
            elif NonConversionReason.OTHER in cleaned["reasons"] and not cleaned.get("reason_other"):
                errors["reason_other"] = _("选择“其他”原因时请填写说明")
    return errors


def values_of(evaluation: Evaluation) -> dict[str, Any]:
    """An evaluation's stored values, in the shape the services take."""
    return {"prospect": evaluation.prospect, "improvement_needs": evaluation.improvement_needs,
            "cooperation_modes": list(evaluation.cooperation_modes), "reasons": list(evaluation.reasons),
            "reason_other": evaluation.reason_other, "scores": scores_of(evaluation),
            "comments": dict(evaluation.comments), "summary": evaluation.summary}


# --- drafts, submission, withdrawal ----------------------------------------------------------------

def _editable(user, evaluation: Evaluation) -> Evaluation:
    """The evaluation, locked for update, if `user` may change it now; EvaluationError otherwise."""
    # Only the evaluation's own row is locked (PostgreSQL locks no nullable side of an outer join).
    found = (Evaluation.objects.editable_by(user).select_for_update(of=("self",))
             .select_related("system", "assignment", "assignment__expert").filter(pk=evaluation.pk).first())
    if found is None:
        raise EvaluationError(_("您不能修改这份评价"), locked=True)
    if found.status == EvaluationStatus.SUBMITTED:
        raise EvaluationError(_("评价已提交并锁定,不能再修改;如需修改请先撤回"), locked=True)
    if found.status == EvaluationStatus.WITHDRAWN:
        raise EvaluationError(_("评价已撤回,不能再修改;可以重新开始一份评价"), locked=True)
    if found.evaluator_kind == EvaluatorKind.EXPERT:
        problem = assignment_problem(user, found.assignment)
        if problem:
            raise EvaluationError(problem, locked=True)
    return found


def _store(evaluation: Evaluation, cleaned: Mapping[str, Any]) -> Computation:
    for name in ("prospect", "improvement_needs", "cooperation_modes", "reasons", "reason_other", "comments",
                 "summary"):
        if name in cleaned:
            setattr(evaluation, name, cleaned[name])
    scores = cleaned["scores"]
    IndicatorScore.objects.filter(evaluation=evaluation).exclude(indicator_id__in=list(scores)).delete()
    stored = scores_of(evaluation)
    changed = [i for i, s in scores.items() if stored.get(i) != s]
    IndicatorScore.objects.filter(evaluation=evaluation, indicator_id__in=changed).delete()
    IndicatorScore.objects.bulk_create([IndicatorScore(evaluation=evaluation, indicator_id=i, score=scores[i])
                                        for i in changed])
    system = with_tree(IndicatorSystem.objects.filter(pk=evaluation.system_id)).get()
    result = compute(system, scores)
    evaluation.dimension_scores = result.stored_dimensions()
    evaluation.overall = result.overall
    evaluation.save()
    return result


def save_draft(user, evaluation: Evaluation, values: Mapping[str, Any], *,
               request=None) -> tuple[Evaluation, dict[str, str], Computation]:
    """Store what is valid of `values` in a draft (what autosave posts); the problems of the rest are
    returned, not raised. A locked evaluation (submitted, withdrawn, or an expert's assignment no
    longer accepted) is refused with EvaluationError(locked=True)."""
    with transaction.atomic():
        evaluation = _editable(user, evaluation)
        cleaned, problems = clean_values(evaluation, values)
        # A field the evaluator typed wrongly keeps its stored value rather than being emptied.
        for name in ("prospect", "cooperation_modes", "reasons", "reason_other", "summary", "improvement_needs"):
            if name in problems:
                cleaned.pop(name, None)
        previous = scores_of(evaluation)
        for key in problems:
            if key.startswith("score_") and key[6:].isdigit() and int(key[6:]) in previous:
                cleaned["scores"][int(key[6:])] = previous[int(key[6:])]
        result = _store(evaluation, cleaned)
    return evaluation, problems, result


def update_draft(user, evaluation: Evaluation, values: Mapping[str, Any], *, request=None) -> Evaluation:
    """Replace a draft's values, all or nothing (the API's update): EvaluationError with every
    problem per field, nothing written, when any value is invalid."""
    with transaction.atomic():
        evaluation = _editable(user, evaluation)
        cleaned, problems = clean_values(evaluation, values)
        if problems:
            raise EvaluationError(problems)
        _store(evaluation, cleaned)
    return evaluation


def submit(user, evaluation: Evaluation, *, request=None) -> Evaluation:
    """Check the draft in full and submit it: locked from then on, submitted_at recorded, the
    expert's assignment SUBMITTED, an enterprise's push answered. Refused with every problem per
    field, nothing written, when anything is missing or wrong."""
    with transaction.atomic():
        evaluation = _editable(user, evaluation)
        cleaned, problems = clean_values(evaluation, values_of(evaluation))
        problems.update(completeness_errors(evaluation, cleaned))
        if problems:
            raise EvaluationError(problems)
        result = _store(evaluation, cleaned)
        now = timezone.now()
        evaluation.status = EvaluationStatus.SUBMITTED
        evaluation.submitted_at = now
        evaluation.evaluated_on = timezone.localdate(now)
        evaluation.save(update_fields=["status", "submitted_at", "evaluated_on", "updated_at"])
        if evaluation.assignment_id:
            Assignment.objects.filter(pk=evaluation.assignment_id).update(status=AssignmentStatus.SUBMITTED,
                                                                          submitted_at=now)
        audit("assessment.submit", actor=user, request=request, target=evaluation,
              organization=getattr(user, "organization", None),
              after={"status": evaluation.status, "overall": str(result.overall) if result.overall is not None
                     else None})
    if evaluation.push_id:
        _answer_push(user, evaluation, request)
    return evaluation


def _answer_push(user, evaluation: Evaluation, request) -> None:
    """Let the push the enterprise evaluated record its answer, through matching's own services: a
    cooperation intent is interest, none is a dismissal with the nearest coded reason. A push that
    was already answered (or whose patent left the library) keeps its state: the evaluation stands."""
    push = Push.objects.filter(pk=evaluation.push_id).first()
    if push is None or push.status in ANSWERED:
        return
    try:
        with transaction.atomic():
            if evaluation.cooperation_modes:
                pushes.express_interest(user, push, request=request)
            else:
                codes = [DISMISS_REASON.get(r) for r in evaluation.reasons]
                reason = next((c for c in codes if c), DismissReason.OTHER)
                labels = "、".join(str(NonConversionReason(r).label) for r in evaluation.reasons)
                note = "; ".join(filter(None, [labels, evaluation.reason_other]))[:pushes.MAX_NOTE_CHARS]
                pushes.dismiss(user, push, reason, note or labels, request=request)
    except (pushes.PushError, Http404):
        pass


def withdraw(user, evaluation: Evaluation, reason: str, *, request=None) -> Evaluation:
    """Withdraw a submitted evaluation, by its evaluator, with a reason: it stays, WITHDRAWN, in the
    history; an expert's assignment is open again for a new draft."""
    reason = str(reason or "").strip()
    if not reason:
        raise EvaluationError({"reason": _("请填写撤回原因")})
    if len(reason) > REASON_MAX:
        raise EvaluationError({"reason": _("撤回原因最多 %(n)d 个字") % {"n": REASON_MAX}})
    with transaction.atomic():
        found = Evaluation.objects.editable_by(user).select_for_update().filter(pk=evaluation.pk).first()
        if found is None:
            raise EvaluationError(_("您不能撤回这份评价"), locked=True)
        if found.status != EvaluationStatus.SUBMITTED:
            raise EvaluationError(_("只有已提交的评价可以撤回"), locked=True)
        now = timezone.now()
        found.status = EvaluationStatus.WITHDRAWN
        found.withdrawn_at = now
        found.withdraw_reason = reason
        found.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "updated_at"])
        if found.assignment_id:
            Assignment.objects.filter(pk=found.assignment_id, status=AssignmentStatus.SUBMITTED).update(
                status=AssignmentStatus.ACCEPTED, submitted_at=None)
        audit("assessment.withdraw", actor=user, request=request, target=found,
              organization=getattr(user, "organization", None),
              before={"status": EvaluationStatus.SUBMITTED}, after={"status": found.status})
    return found


# --- reading ---------------------------------------------------------------------------------------

def history_of(user, evaluation: Evaluation) -> QuerySet[Evaluation]:
    """The same evaluator's evaluations of the same patent (in the same round), the given one
    included, newest first, as far as `user` sees them."""
    same = Evaluation.objects.visible_to(user).filter(patent_id=evaluation.patent_id, round_id=evaluation.round_id)
    if evaluation.evaluator_kind == EvaluatorKind.EXPERT:
        same = same.filter(expert_id=evaluation.expert_id)
    else:
        same = same.filter(enterprise_id=evaluation.enterprise_id)
    return same.order_by("-created_at", "-pk")


def discloses_evaluator(user, evaluation: Evaluation) -> bool:
    """Whether `user` reads who evaluated: the evaluator, the platform, the province that organised
    the round or where the enterprise is; an institution and a ministry read the evaluation only
    (an enterprise allowing direct contact is named to the institution by the feedback pages)."""
    role = role_of(user)
    if role == Role.OPERATOR:
        return True
    if evaluation.evaluator_kind == EvaluatorKind.ENTERPRISE:
        if role == Role.ENTERPRISE:
            return evaluation.enterprise_id == user.organization_id
        return role == Role.PROVINCE and evaluation.enterprise.province_id == user.organization.province_id
    if role == Role.EXPERT:
        return evaluation.expert.user_id == user.pk
    return role == Role.PROVINCE and evaluation.round is not None and \
        evaluation.round.organiser_id == user.organization_id


def evaluator_label(user, evaluation: Evaluation) -> str:
    if discloses_evaluator(user, evaluation):
        if evaluation.evaluator_kind == EvaluatorKind.ENTERPRISE:
            return evaluation.enterprise.name
        return evaluation.expert.name
    return _("某企业") if evaluation.evaluator_kind == EvaluatorKind.ENTERPRISE else _("评价专家")


def pending_pushes(user, limit: int = 50) -> list[Push]:
    """The pushes of an enterprise whose patent it has no live evaluation of yet, newest first."""
    if role_of(user) != Role.ENTERPRISE:
        return []
    evaluated = _live(Evaluation.objects.filter(enterprise_id=user.organization_id, round__isnull=True)).values(
        "patent_id")
    return list(Push.objects.visible_to(user).exclude(patent_id__in=evaluated).select_related("patent")
                .order_by("-created_at", "-pk")[:limit])


def open_assignments(user, limit: int = 100) -> list[Assignment]:
    """An expert's ACCEPTED assignments without a live evaluation, soonest due first."""
    if role_of(user) != Role.EXPERT:
        return []
    evaluated = _live(Evaluation.objects.filter(expert__user_id=user.pk, assignment__isnull=False)).values(
        "assignment_id")
    return list(Assignment.objects.visible_to(user).filter(status=AssignmentStatus.ACCEPTED)
                .exclude(pk__in=evaluated).select_related("patent", "round").order_by("due_on", "pk")[:limit])


def library_patent(user, application_number: str) -> Patent | None:
    """The patent an enterprise may evaluate with this application number, or None."""
    try:
        number = normalize_application_number(application_number)
    except (InvalidPatentNumber, ValueError):
        return None
    return evaluable_patents(user).filter(application_number=number).first()
