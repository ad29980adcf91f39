"""Evaluations (评价) of a patent by an enterprise or by an expert, and their indicator scores.

An evaluation keeps the indicator system version it was scored with. A draft saves as the
evaluator types; submission locks it; a withdrawn submission needs a reason and stays, with its
status, beside the evaluation that replaces it (the history)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from evaluation.choices import EvaluationSource, EvaluationStatus, EvaluatorKind, Prospect
from evaluation.experts.models import Expert
from evaluation.indicators.models import IndicatorSystem
from evaluation.rounds.models import Assignment, EvaluationRound
from inventory.patents.models import Patent


class EvaluationQuerySet(NamedInAuditLog, ScopedQuerySet):
    """An enterprise its own evaluations; an expert their own; an institution the submitted
    evaluations of its patents (a department's staff: their department's); a province the
    evaluations of its rounds once submitted (drafts stay their evaluator's), and the submitted
    evaluations by its enterprises and of its institutions' patents; a ministry the
    submitted evaluations of its institutions' patents; the platform all."""

    def submitted(self) -> "EvaluationQuerySet":
        return self.filter(status=EvaluationStatus.SUBMITTED)

    def _visible_to_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _visible_to_expert(self, user):
        return self.filter(expert__user_id=user.pk)

    def _visible_to_institution(self, user):
        own = self.filter(status=EvaluationStatus.SUBMITTED, owner_id=user.organization_id)
        if user.department_id:
            own = own.filter(patent__inventory__department_unit_id=user.department_id)
        return own

    def _visible_to_province(self, user):
        # A draft is its evaluator's until submitted: the organising province follows a round's
        # progress by its assignments, and reads its evaluations once submitted (withdrawn included).
        organisation = user.organization
        return self.filter(Q(round__organiser_id=organisation.pk) & ~Q(status=EvaluationStatus.DRAFT)
                           | Q(status=EvaluationStatus.SUBMITTED)
                           & (Q(enterprise__province_id=organisation.province_id)
                              | Q(owner__province_id=organisation.province_id)))

    def _visible_to_ministry(self, user):
        return self.filter(status=EvaluationStatus.SUBMITTED,
                           owner__in=Organization.objects.supervised_by(user).values("pk"))

    def _editable_by_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    _editable_by_expert = _visible_to_expert

    def _editable_by_operator(self, user):
        # The platform reads every evaluation but never writes one in an evaluator's name.
        return self.none()


# A draft or a submission: what a withdrawal leaves behind is history.
LIVE = ~Q(status=EvaluationStatus.WITHDRAWN)


class Evaluation(models.Model):
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("专利"))
    # The patent's first institution patentee, kept here so that an institution's feedback page and
    # the aggregates by institution read one indexed table.
    owner = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="evaluations_received",
                              verbose_name=_("专利权人"))
    evaluator_kind = models.CharField(_("评价主体类型"), max_length=16, choices=EvaluatorKind.choices)
    enterprise = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="evaluations_made", verbose_name=_("评价企业"))
    expert = models.ForeignKey(Expert, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="evaluations", verbose_name=_("评价专家"))
    # An uploaded row names its evaluator as written when it is no platform party (评价主体名称).
    evaluator_name = models.CharField(_("评价主体名称"), max_length=200, blank=True)
    round = models.ForeignKey(EvaluationRound, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="evaluations", verbose_name=_("评价轮次"))
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="evaluations")
    push = models.ForeignKey("matching.Push", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="evaluations")
    system = models.ForeignKey(IndicatorSystem, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="evaluations", verbose_name=_("指标体系版本"))
    status = models.CharField(_("状态"), max_length=16, choices=EvaluationStatus.choices,
                              default=EvaluationStatus.DRAFT, db_index=True)
    source = models.CharField(_("来源"), max_length=8, choices=EvaluationSource.choices,
                              default=EvaluationSource.FORM)
    prospect = models.CharField(_("产业化前景"), max_length=8, choices=Prospect.choices, blank=True)
    improvement_needs = models.TextField(_("技术改进需求"), blank=True)
    # 产学研合作意愿: matching.choices.CooperationMode values; empty = 暂无.
    cooperation_modes = models.JSONField(_("产学研合作意愿"), default=list, blank=True)
    # With no cooperation: evaluation.choices.NonConversionReason values, and the text of "other".
    reasons = models.JSONField(_("不合作原因"), default=list, blank=True)
    reason_other = models.CharField(_("其他原因"), max_length=500, blank=True)
    # Per dimension code: 0–100 (computed from the indicator scores, or given in an uploaded row).
    dimension_scores = models.JSONField(_("维度得分"), default=dict, blank=True)
    overall = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    comments = models.JSONField(_("分维度意见"), default=dict, blank=True)
    summary = models.TextField(_("综合意见"), blank=True)
    evaluated_on = models.DateField(_("评价日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=500, blank=True)
    batch = models.ForeignKey("inventory.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluator_kind=EvaluatorKind.ENTERPRISE, expert__isnull=True)
                | Q(evaluator_kind=EvaluatorKind.EXPERT, enterprise__isnull=True),
                name="evaluation_one_evaluator_kind"),
            # One live evaluation (draft or submitted) per evaluator and patent, within a round or
            # outside any; a withdrawn one stays beside its replacement. Two constraints each, not
            # one with NULLS NOT DISTINCT, which SQLite lacks.
            *(models.UniqueConstraint(fields=["patent", party, *(["round"] if in_round else [])],
                                      condition=LIVE & Q(**{f"{party}__isnull": False, "round__isnull": not in_round}),
                                      name=f"one_live_{party}_evaluation{'_in_round' if in_round else ''}")
              for party in ("enterprise", "expert") for in_round in (False, True)),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="evaluation_owner_status"),
            models.Index(fields=["patent", "status"], name="evaluation_patent_status"),
        ]
        verbose_name = _("评价")
        verbose_name_plural = _("评价")

    def __str__(self) -> str:
        return f"{self.patent_id} · {self.get_evaluator_kind_display()}"


class IndicatorScore(models.Model):
    """One indicator's score (0–10) in one evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey("evaluation.Indicator", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="unique_indicator_score"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=10), name="indicator_score_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.score}"
