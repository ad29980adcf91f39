"""Expert evaluation: enterprises' requests, the rounds a province organises, the random draw of
experts with every conflict of interest checked, and the assignments that come of it.

A draw is reproducible: its seed, the qualified candidates and the drawn experts are kept
(`Draw`), so that an auditor can run it again and get the same experts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from evaluation.choices import AssignmentStatus, RoundStatus
from evaluation.experts.models import Expert
from inventory.patents.models import Patent


class RoundQuerySet(NamedInAuditLog, ScopedQuerySet):
    """A province sees and runs its own rounds; the platform all of them."""

    def _visible_to_province(self, user):
        return self.filter(organiser_id=user.organization_id)

    _editable_by_province = _visible_to_province


class EvaluationRound(models.Model):
    """组织评价: patents of a province's institutions (or patents its enterprises asked about), each
    given to `experts_per_patent` experts drawn at random, due on `due_on`."""

    organiser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="evaluation_rounds",
                                  verbose_name=_("组织单位"))
    title = models.CharField(_("名称"), max_length=200)
    experts_per_patent = models.PositiveSmallIntegerField(_("每件专利专家数"), default=3)
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT,
                              db_index=True)
    patents = models.ManyToManyField(Patent, through="RoundPatent", related_name="evaluation_rounds")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("评价轮次")
        verbose_name_plural = _("评价轮次")

    def __str__(self) -> str:
        return self.title


class RoundPatent(models.Model):
    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="round_patents")
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="+")
    # The enterprise whose request brought the patent into the round, if any (its conflicts count).
    request = models.ForeignKey("evaluation.ExpertRequest", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="round_patents")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "patent"], name="unique_round_patent")]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.patent_id}"


class ExpertRequestQuerySet(NamedInAuditLog, ScopedQuerySet):
    """An enterprise sees its own requests; a province those of its enterprises or about its
    institutions' patents; an institution those about its patents."""

    def _visible_to_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)

    def _visible_to_province(self, user):
        province = user.organization.province_id
        return self.filter(Q(enterprise__province_id=province)
                           | Q(patent__ownerships__organization__province_id=province)).distinct()

    def _visible_to_institution(self, user):
        return self.filter(patent__ownerships__organization_id=user.organization_id).distinct()

    def _editable_by_enterprise(self, user):
        return self.filter(enterprise_id=user.organization_id)


class ExpertRequest(models.Model):
    """An enterprise asks for an expert evaluation of a patent (pushed to it, or from the library);
    its province takes it into a round."""

    enterprise = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="expert_requests",
                                   verbose_name=_("申请企业"))
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="expert_requests",
                               verbose_name=_("专利"))
    push = models.ForeignKey("matching.Push", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="expert_requests")
    note = models.CharField(_("说明"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    objects = ExpertRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "patent"], name="unique_expert_request")]
        verbose_name = _("专家评价申请")
        verbose_name_plural = _("专家评价申请")

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.patent_id}"


class AssignmentQuerySet(NamedInAuditLog, ScopedQuerySet):
    """An expert sees their own assignments; a province those of its rounds; the platform all."""

    def _visible_to_expert(self, user):
        return self.filter(expert__user_id=user.pk)

    def _visible_to_province(self, user):
        return self.filter(round__organiser_id=user.organization_id)

    _editable_by_expert = _visible_to_expert
    _editable_by_province = _visible_to_province


class Assignment(models.Model):
    """One patent given to one expert in a round. The patent's details open only once the expert
    has declared no conflict of interest (status ACCEPTED)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="assignments")
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=16, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED, db_index=True)
    declared_at = models.DateTimeField(_("声明无利益冲突时间"), null=True, blank=True)
    closed_reason = models.CharField(_("回避或谢绝原因"), max_length=500, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="replacements", verbose_name=_("替换的分配"))
    reminded_at = models.DateTimeField(_("最近提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("分配时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "patent", "expert"], name="unique_assignment")]
        indexes = [models.Index(fields=["expert", "status"], name="assignment_expert_status")]
        verbose_name = _("评价任务")
        verbose_name_plural = _("评价任务")

    def __str__(self) -> str:
        return f"{self.patent_id} → {self.expert_id}"


class DrawQuerySet(ScopedQuerySet):
    def _visible_to_province(self, user):
        return self.filter(round__organiser_id=user.organization_id)


class Draw(models.Model):
    """One random draw (随机抽取) for one patent of a round: the seed, the qualified candidates in
    the order drawn from, why the others were excluded (counts by reason) and who was drawn."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="draws")
    patent = models.ForeignKey(Patent, on_delete=models.CASCADE, related_name="+")
    seed = models.CharField(_("随机种子"), max_length=64)
    candidates = models.JSONField(_("合格候选专家"), default=list)
    excluded = models.JSONField(_("排除原因统计"), default=dict)
    drawn = models.JSONField(_("抽中专家"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("抽取时间"), default=timezone.now)

    objects = DrawQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("专家抽取记录")
        verbose_name_plural = _("专家抽取记录")

    def __str__(self) -> str:
        return f"{self.round_id}: {self.patent_id} ({self.seed})"


class CoInventorLink(models.Model):
    """Two inventor names that appear together on a patent of an organisation (each institution owning
    the patent), with the latest application year they did (name_a < name_b). Built in bulk from the
    base library's inventor lists (evaluation.rounds.coinventors); read by the conflict check, never
    shown. Keeping the organisation narrows a common name (王伟) to the place the co-invention
    happened: a conflict needs it at the expert's employer or at the patent's owner."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name_a = models.CharField(max_length=64)
    name_b = models.CharField(max_length=64)
    last_year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name_a", "name_b", "organization"],
                                               name="unique_coinventor_pair")]
        indexes = [models.Index(fields=["name_b", "name_a"], name="coinventor_reverse")]

    def __str__(self) -> str:
        return f"{self.name_a} · {self.name_b}"
