"""The expert library (专利评价专家库): experts recommended by provinces, approved by the platform.

The library is open to the platform and every province (to organise evaluation rounds); an expert
sees their own entry. Phones and e-mails are personal data: shown only to the platform and the
recommending province (evaluation.experts.privacy), masked everywhere else."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Province
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from evaluation.choices import ExpertStatus
from inventory.models import ImportBatch

# The kind of the expert-recommendation sheet's import batches (read through ExpertsBatch).
EXPERTS_BATCH_KIND = ImportBatch.Kind.EXPERTS


class ExpertQuerySet(NamedInAuditLog, ScopedQuerySet):
    """The platform: every entry. A province: the approved library and every entry it recommended
    (pending and rejected included). An expert: their own entry. Nobody else."""

    def approved(self) -> "ExpertQuerySet":
        return self.filter(status=ExpertStatus.APPROVED)

    def _visible_to_province(self, user):
        return self.filter(Q(status=ExpertStatus.APPROVED) | Q(recommending_province_id=user.organization.province_id))

    def _visible_to_expert(self, user):
        return self.filter(user_id=user.pk)

    def _editable_by_province(self, user):
        # A province edits the entries it recommended (corrections, withdrawal of a recommendation).
        return self.filter(recommending_province_id=user.organization.province_id)

    def _editable_by_expert(self, user):
        # An expert keeps their own profile: specialties, unavailability, affiliations, conflicts.
        return self.filter(user_id=user.pk, status=ExpertStatus.APPROVED)


class Expert(models.Model):
    """One person in the expert library. Identified by mobile phone: a recommendation sheet's row
    with a known phone updates that expert's entry (the sheet is idempotent)."""

    name = models.CharField(_("姓名"), max_length=64)
    employer_name = models.CharField(_("工作单位"), max_length=200)
    # The employer matched to a platform organisation by credit code where one exists: conflicts of
    # interest are checked by organisation, not by name.
    employer = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="experts", verbose_name=_("工作单位(平台机构)"))
    employer_credit_code = models.CharField(_("工作单位统一社会信用代码"), max_length=18, blank=True)
    title = models.CharField(_("职称"), max_length=64, blank=True)
    industry_codes = models.JSONField(_("所属产业"), default=list, blank=True)  # §5 codes
    ipc_prefixes = models.JSONField(_("专业领域"), default=list, blank=True)  # IPC prefixes at any depth
    phone = models.CharField(_("手机"), max_length=32, unique=True)
    email = models.EmailField(_("邮箱"), blank=True)
    recommending_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="recommended_experts",
                                              verbose_name=_("推荐省份"))
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("推荐人"))
    status = models.CharField(_("状态"), max_length=16, choices=ExpertStatus.choices, default=ExpertStatus.RECOMMENDED,
                              db_index=True)
    decision_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("审核人"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # The expert's account, created on approval (first login forces a password change).
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="expert_profile", verbose_name=_("账号"))
    # Declared by the expert: organisations they are affiliated with beyond the employer
    # ([{"name": …, "credit_code": …}]) and known conflicts in free text.
    affiliations = models.JSONField(_("其他任职单位"), default=list, blank=True)
    declared_conflicts = models.TextField(_("已知利益冲突"), blank=True)
    created_at = models.DateTimeField(_("推荐时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["recommending_province", "status"], name="expert_province_status")]
        verbose_name = _("评价专家")
        verbose_name_plural = _("评价专家")

    def __str__(self) -> str:
        return f"{self.name}({self.employer_name})"


class UnavailabilityQuerySet(ScopedQuerySet):
    """Who sees an expert sees their periods of unavailability; the expert edits them."""

    def _visible_to_province(self, user):
        return self.filter(expert__in=Expert.objects.visible_to(user).values("pk"))

    def _visible_to_expert(self, user):
        return self.filter(expert__user_id=user.pk)

    _editable_by_expert = _visible_to_expert


class Unavailability(models.Model):
    """A period in which the expert takes no assignment (the draw skips them)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="unavailabilities")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = UnavailabilityQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="unavailability_ends_after_start")]
        verbose_name = _("不可用时段")
        verbose_name_plural = _("不可用时段")

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class ExpertsBatchQuerySet(NamedInAuditLog, ScopedQuerySet):
    """The expert-recommendation sheet's uploads: a province's office reads its own organisation's
    uploads and commits or cancels its own (its admin any of them); the operator reads them all."""

    def _visible_to_province(self, user):
        return self.filter(organization_id=user.organization_id)

    def _editable_by_province(self, user):
        own = self.filter(organization_id=user.organization_id)
        return own if user.is_org_admin else own.filter(created_by=user)

    def _editable_by_operator(self, user):
        return self.none()


class ExpertsBatchManager(models.Manager.from_queryset(ExpertsBatchQuerySet)):
    def get_queryset(self) -> ExpertsBatchQuerySet:
        return super().get_queryset().filter(kind=EXPERTS_BATCH_KIND)


class ExpertsBatch(ImportBatch):
    """An upload of the expert-recommendation sheet (专家推荐): an ImportBatch of kind "experts",
    with its own scope."""

    objects = ExpertsBatchManager()

    class Meta:
        proxy = True
        verbose_name = _("专家推荐上传")
        verbose_name_plural = _("专家推荐上传")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
