"""Feedback to institutions (精准对接) and the reasons patents do not convert.

- `patent_summaries`: per patent, what the submitted evaluations in the user's scope say (counts by
  kind, mean scores, prospects, cooperation intents, coded reasons), one grouped query;
- `answer`: an institution answers an evaluation of its patent (plan an improvement, propose joint
  development — the evaluating enterprise is notified —, or contact the enterprise where it agreed
  to be contacted), with its audit event;
- `reason_breakdown`: for a ministry, a province or the platform, the coded reasons and the
  prospects by industry sector and by institution, grouped in SQL;
- `Disclosure`: whose names and contact details a user may read on these pages and files.

Everything is read through `Evaluation.objects.visible_to(user).submitted()`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, Max, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record as audit
from accounts.models import Organization
from accounts.roles import Role, role_of
from evaluation.assessments.models import Evaluation
from evaluation.choices import EvaluationStatus, EvaluatorKind, FeedbackAction, NonConversionReason, Prospect
from evaluation.feedback.models import FeedbackAnswer
from evaluation.indicators.models import IndicatorSystem
from matching.choices import CooperationMode
from matching.needs.models import EnterpriseProfile
from notifications import notify

NOTE_MAX = 2000
TOP_INSTITUTIONS = 50
# The standard's three value dimensions (DATA-STANDARD.md §6), their codes where no indicator
# system is published yet.
DEFAULT_DIMENSIONS = (("legal", "法律价值"), ("technical", "技术价值"), ("economic", "经济价值"))


class FeedbackError(Exception):
    """A refused answer, with its message in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the indicator system's dimensions --------------------------------------------------------------

@dataclass(frozen=True)
class DimensionWeights:
    """The dimensions an uploaded row's value columns are stored under, and their weights (None:
    no indicator system is published, the overall value is the mean)."""

    codes: dict[str, str]  # dimension name (法律价值…) → code
    weights: dict[str, Decimal] | None
    system_id: int | None

    def overall(self, scores: dict[str, Decimal]) -> Decimal | None:
        """The overall value of the given dimension scores (code → 0–100): weighted by the current
        system's dimension weights over the dimensions given, else their mean."""
        if not scores:
            return None
        weights = self.weights
        if weights and all(code in weights for code in scores) and sum(weights[c] for c in scores) > 0:
            total = sum(weights[code] * value for code, value in scores.items())
            value = total / sum(weights[code] for code in scores)
        else:
            value = sum(scores.values()) / len(scores)
        return Decimal(value).quantize(Decimal("0.01"))


def dimension_weights() -> DimensionWeights:
    """The current indicator system's dimensions by name, or the standard's three (two queries)."""
    system = IndicatorSystem.objects.current()
    codes = {name: code for code, name in DEFAULT_DIMENSIONS}
    if system is None:
        return DimensionWeights(codes, None, None)
    dimensions = list(system.dimensions.values_list("code", "name", "weight"))
    codes.update({name: code for code, name, _weight in dimensions})
    return DimensionWeights(codes, {code: weight for code, _name, weight in dimensions}, system.pk)


def dimension_labels() -> list[tuple[str, str]]:
    """(code, name) of the dimensions the summaries report: the current system's, else the standard's."""
    system = IndicatorSystem.objects.current()
    if system is not None:
        found = list(system.dimensions.values_list("code", "name"))
        if found:
            return found
    return list(DEFAULT_DIMENSIONS)


# --- what a user may read of the evaluators ---------------------------------------------------------

@dataclass
class Disclosure:
    """Whose names and contacts `user` reads: an enterprise's name where the user sees the
    enterprise itself (its province's office, the platform, the enterprise) or where the
    enterprise agreed to be contacted directly (EnterpriseProfile.allow_direct_contact); its
    contact details only in the second case for an institution. Experts are named to the
    platform and the provinces only: institutions and ministries read expert reviews unsigned."""

    user: object
    seen: set[int] = field(default_factory=set)
    contactable: set[int] = field(default_factory=set)

    @classmethod
    def for_enterprises(cls, user, enterprise_ids: Iterable[int | None]) -> "Disclosure":
        ids = {pk for pk in enterprise_ids if pk}
        if not ids:
            return cls(user)
        seen = set(Organization.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        contactable = set(EnterpriseProfile.objects.filter(enterprise_id__in=ids, allow_direct_contact=True)
                          .values_list("enterprise_id", flat=True))
        return cls(user, seen, contactable)

    @classmethod
    def for_evaluations(cls, user, evaluations: QuerySet) -> "Disclosure":
        """For every enterprise evaluating in `evaluations`, as subqueries (an export of any size)."""
        ids = evaluations.filter(enterprise__isnull=False).order_by().values("enterprise_id")
        seen = set(Organization.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        contactable = set(EnterpriseProfile.objects.filter(enterprise_id__in=ids, allow_direct_contact=True)
                          .values_list("enterprise_id", flat=True))
        return cls(user, seen, contactable)

    def names_experts(self) -> bool:
        return role_of(self.user) in (Role.OPERATOR, Role.PROVINCE)

    def shows_enterprise(self, enterprise_id: int | None) -> bool:
        return enterprise_id in self.seen or enterprise_id in self.contactable

    def may_contact(self, enterprise_id: int | None) -> bool:
        return bool(enterprise_id) and enterprise_id in self.contactable

    def evaluator(self, evaluation: Evaluation) -> str:
        """The evaluator as this user may read it."""
        if evaluation.evaluator_kind == EvaluatorKind.EXPERT:
            if not self.names_experts():
                return _("评价专家")
            return evaluation.expert.name if evaluation.expert_id else evaluation.evaluator_name
        if evaluation.enterprise_id is None:
            # An uploaded row naming an enterprise that is no platform party: the name as written.
            return evaluation.evaluator_name
        if self.shows_enterprise(evaluation.enterprise_id):
            return evaluation.enterprise.name
        return _("企业(未公开名称)")

    def credit_code(self, evaluation: Evaluation) -> str:
        if evaluation.evaluator_kind != EvaluatorKind.ENTERPRISE or evaluation.enterprise_id is None:
            return ""
        return evaluation.enterprise.credit_code or "" if self.shows_enterprise(evaluation.enterprise_id) else ""

    def contact(self, evaluation: Evaluation) -> dict | None:
        """The enterprise's contact details, where it agreed to be contacted (None otherwise)."""
        if not self.may_contact(evaluation.enterprise_id):
            return None
        enterprise = evaluation.enterprise
        return {"name": enterprise.name, "contact_name": enterprise.contact_name,
                "contact_phone": enterprise.contact_phone, "contact_email": enterprise.contact_email}


# --- summaries per patent ---------------------------------------------------------------------------

def feedback_evaluations(user) -> QuerySet:
    """The submitted evaluations in the user's scope (an institution: of its patents)."""
    return Evaluation.objects.visible_to(user).submitted()


def _contains(field_name: str, code: str) -> Q:
    # A JSON list holds the code as a quoted string: matched in its text, which SQLite and
    # PostgreSQL both serialise with the quotes (codes are lowercase ASCII, none inside another).
    return Q(**{f"{field_name}__icontains": f'"{code}"'})


def _counts(distinct: bool = False) -> dict:
    """The aggregates of a group of evaluations: by kind, prospect, cooperation mode and reason."""
    def count(condition: Q | None = None) -> Count:
        return Count("pk", filter=condition, distinct=distinct)

    sums = {
        "evaluations": count(),
        "enterprises": count(Q(evaluator_kind=EvaluatorKind.ENTERPRISE)),
        "experts": count(Q(evaluator_kind=EvaluatorKind.EXPERT)),
        **{f"prospect_{value}": count(Q(prospect=value)) for value in Prospect.values},
        **{f"mode_{value}": count(_contains("cooperation_modes", value)) for value in CooperationMode.values},
        # 暂无 is an enterprise's answer: an expert's evaluation states no cooperation intent at all.
        "mode_none": count(Q(cooperation_modes=[], evaluator_kind=EvaluatorKind.ENTERPRISE)),
        **{f"reason_{value}": count(_contains("reasons", value)) for value in NonConversionReason.values},
    }
    return sums


def patent_summaries(evaluations: QuerySet, dimensions: list[tuple[str, str]]) -> QuerySet:
    """Per patent: the counts of `_counts`, the mean overall and dimension scores (where given) and
    the last submission; one grouped query (a values queryset, newest evaluated patent first)."""
    means = {f"dim_{code}": Avg(Cast(KeyTextTransform(code, "dimension_scores"), FloatField()))
             for code, _name in dimensions}
    return (evaluations.order_by().values("patent_id", "patent__application_number", "patent__title")
            .annotate(**_counts(), overall_mean=Avg("overall"), last_submitted=Max("submitted_at"), **means)
            .order_by("-last_submitted", "patent_id"))


def describe(rows: list[dict], evaluations: QuerySet, dimensions: list[tuple[str, str]]) -> list[dict]:
    """The summaries ready to show: labels and the lists of each count, and the improvement needs
    of the patents shown (one more query for the page, not one per patent)."""
    needs: dict[int, list[str]] = {}
    ids = [row["patent_id"] for row in rows]
    if ids:
        for patent_id, text in (evaluations.filter(patent_id__in=ids).exclude(improvement_needs="")
                                .order_by("patent_id", "-submitted_at", "-pk")
                                .values_list("patent_id", "improvement_needs")):
            needs.setdefault(patent_id, []).append(text)
    prospects, modes, reasons = dict(Prospect.choices), dict(CooperationMode.choices), dict(NonConversionReason.choices)
    described = []
    for row in rows:
        described.append({
            **row,
            "dimension_means": [(name, row.get(f"dim_{code}")) for code, name in dimensions],
            "prospects": [(str(prospects[v]), row[f"prospect_{v}"]) for v in Prospect.values],
            "modes": [(str(modes[v]), row[f"mode_{v}"]) for v in CooperationMode.values if row[f"mode_{v}"]]
            + ([(_("暂无"), row["mode_none"])] if row["mode_none"] else []),
            "reasons": [(str(reasons[v]), row[f"reason_{v}"]) for v in NonConversionReason.values
                        if row[f"reason_{v}"]],
            "improvement_needs": needs.get(row["patent_id"], []),
        })
    return described


def patent_summary(user, patent_id: int) -> dict | None:
    """One patent's summary over the submitted evaluations the user sees (None: none)."""
    dimensions = dimension_labels()
    evaluations = feedback_evaluations(user)
    rows = list(patent_summaries(evaluations.filter(patent_id=patent_id), dimensions))
    return describe(rows, evaluations, dimensions)[0] if rows else None


def patent_evaluations(user, patent_id: int) -> list[Evaluation]:
    """The submitted evaluations of one patent in the user's scope, with their answers."""
    return list(feedback_evaluations(user).filter(patent_id=patent_id)
                .select_related("enterprise", "expert").prefetch_related("answers")
                .order_by("-submitted_at", "-pk"))


# --- answering an evaluation ------------------------------------------------------------------------

JOINT_RD_TITLE = gettext_lazy("专利权人提议与贵企业联合研发")


def _answerable(user, evaluation_id: int) -> Evaluation:
    """The evaluation the institution may answer, or a FeedbackError saying why not."""
    if role_of(user) != Role.INSTITUTION:
        raise FeedbackError(_("只有专利权人机构可以答复评价"))
    evaluation = (Evaluation.objects.select_related("enterprise", "patent")
                  .filter(pk=evaluation_id).first())
    if evaluation is None or evaluation.owner_id != user.organization_id:
        raise FeedbackError(_("该评价不是对本机构专利的评价,无法答复"))
    if evaluation.status == EvaluationStatus.WITHDRAWN:
        raise FeedbackError(_("该评价已被评价方撤回,无法答复"))
    if evaluation.status != EvaluationStatus.SUBMITTED:
        raise FeedbackError(_("该评价尚未提交,无法答复"))
    if not Evaluation.objects.visible_to(user).filter(pk=evaluation.pk).exists():
        # A department's staff answer only their department's patents.
        raise FeedbackError(_("该评价不是对本机构专利的评价,无法答复"))
    return evaluation


def answer(user, evaluation_id: int, action: str, note: str = "", *, request=None) -> FeedbackAnswer:
    """Record the institution's answer to one submitted evaluation of its patent, with its audit
    event; a joint-development proposal notifies the evaluating enterprise's users. Refusals raise
    FeedbackError with the reason in Chinese, nothing written."""
    note = (note or "").strip()
    if action not in FeedbackAction.values:
        raise FeedbackError(_("请选择答复方式:计划改进、提议联合研发或联系企业"))
    if len(note) > NOTE_MAX:
        raise FeedbackError(_("说明最多 %(n)d 个字") % {"n": NOTE_MAX})
    evaluation = _answerable(user, evaluation_id)
    if action == FeedbackAction.IMPROVE and not note:
        raise FeedbackError(_("请填写改进计划"))
    if action in (FeedbackAction.JOINT_RD, FeedbackAction.CONTACT) and evaluation.enterprise_id is None:
        raise FeedbackError(_("该评价不是平台注册企业所作,无法提议联合研发或联系企业"))
    if action == FeedbackAction.CONTACT and not Disclosure.for_enterprises(
            user, [evaluation.enterprise_id]).may_contact(evaluation.enterprise_id):
        raise FeedbackError(_("该企业未同意机构直接联系,无法查看联系方式"))
    with transaction.atomic():
        if action == FeedbackAction.JOINT_RD and FeedbackAnswer.objects.filter(
                evaluation=evaluation, action=FeedbackAction.JOINT_RD).exists():
            raise FeedbackError(_("已向该企业提议过联合研发,请等待企业回复"))
        created = FeedbackAnswer.objects.create(evaluation=evaluation, action=action, note=note, created_by=user)
        audit("evaluation.feedback_answer", actor=user, request=request, target=created,
              organization=user.organization,
              after={"evaluation": evaluation.pk, "action": action, "note": note})
        if action == FeedbackAction.JOINT_RD:
            recipients = get_user_model().objects.filter(organization_id=evaluation.enterprise_id, is_active=True)
            body = _("%(institution)s 就贵企业对专利 %(number)s “%(title)s”的评价,提议开展联合研发。%(note)s") % {
                "institution": user.organization.name, "number": evaluation.patent.application_number,
                "title": evaluation.patent.title, "note": note}
            notify(recipients, "evaluation.joint_rd", str(JOINT_RD_TITLE), body,
                   url=reverse("evaluation:feedback_answers"), organizations=[evaluation.enterprise_id])
    return created


# --- why patents do not convert ---------------------------------------------------------------------

def reason_breakdown(user) -> dict:
    """The submitted evaluations in scope: totals, and by industry sector and by institution the
    counts of prospects and coded non-conversion reasons (three grouped queries). A patent in
    several sectors counts in each; an evaluation counts once per sector."""
    evaluations = feedback_evaluations(user).order_by()
    totals = evaluations.aggregate(**_counts())
    sector = Coalesce(F("patent__industry_links__industry__parent_id"), F("patent__industry_links__industry_id"))
    sectors = list(evaluations.annotate(sector=sector).values("sector")
                   .annotate(**_counts(distinct=True)).order_by("-evaluations", "sector"))
    institutions = list(evaluations.values("owner_id", "owner__name").annotate(**_counts())
                        .order_by("-evaluations", "owner_id")[:TOP_INSTITUTIONS])
    return {"totals": totals, "sectors": sectors, "institutions": institutions}


def reason_columns() -> list[tuple[str, str]]:
    """(key, label) of the counts the reasons page and its file show, in order."""
    return ([("evaluations", _("评价数"))]
            + [(f"prospect_{v}", _("前景%(label)s") % {"label": label}) for v, label in Prospect.choices]
            + [(f"reason_{v}", str(label)) for v, label in NonConversionReason.choices])
