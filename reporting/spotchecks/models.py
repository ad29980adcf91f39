"""Spot checks (随机抽查) of the inventory: the platform or a province office draws a reproducible
random sample of its institutions' inventory records, reviewers record one finding per sampled
record, and the institutions correct what was found wrong.

A spot check keeps its seed and the sizes of every stratum (institution × 是否入库 × 转化意愿) it
was drawn from, so the same seed on the same population draws the same records again
(reporting.spotchecks.draw)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from inventory.models import InventoryRecord
from reporting.spotchecks.labels import stratum_label


class SpotCheckStatus(models.TextChoices):
    # A large population is drawn by a worker (services.DRAW_IN_REQUEST_MAX): the check waits, its
    # progress shown, and fails with its reason rather than staying half drawn.
    DRAWING = "drawing", _("抽取中")
    DRAW_FAILED = "draw_failed", _("抽取失败")
    REVIEWING = "reviewing", _("核查中")
    CORRECTING = "correcting", _("整改中")


class Finding(models.TextChoices):
    AGREE = "agree", _("一致")
    DISAGREE = "disagree", _("不一致")
    DATA_ERROR = "data_error", _("数据错误")


# The findings an institution is asked to correct.
TO_CORRECT = (Finding.DISAGREE, Finding.DATA_ERROR)


class SpotCheckQuerySet(NamedInAuditLog, ScopedQuerySet):
    """Who reads a spot check (its parameters, strata and results per institution):

    - the platform every one;
    - a province office its own (those it organised);
    - a ministry, read-only, those covering at least one institution it supervises (the page then
      shows the results of those institutions only: the sampled records are scoped by themselves);
    - institutions read their findings (SampledRecord), never the spot check's page with the
      other institutions' results; enterprises, experts, inventors and the three administrators
      nothing.

    Changed (reviewers assigned, corrections requested) only by its organiser's staff."""

    actions = frozenset()

    def _visible_to_province(self, user):
        return self.filter(organiser_id=user.organization_id)

    def _visible_to_ministry(self, user):
        supervised = Organization.objects.supervised_by(user).values("pk")
        return self.filter(pk__in=SampledRecord.objects.filter(institution_id__in=supervised)
                           .values("spot_check_id"))

    def _editable_by_operator(self, user):
        return self.filter(organiser_id=user.organization_id)

    _editable_by_province = _visible_to_province


class SpotCheck(models.Model):
    organiser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="spot_checks",
                                  verbose_name=_("抽查单位"))
    title = models.CharField(_("名称"), max_length=200)
    quarter = models.CharField(_("季度"), max_length=7, db_index=True)
    seed = models.CharField(_("随机种子"), max_length=64)
    # Exactly one of the two: a number of records per institution, or a rate of its population.
    sample_size = models.PositiveIntegerField(_("每个机构抽取件数"), null=True, blank=True)
    sample_rate = models.DecimalField(_("抽取比例"), max_digits=5, decimal_places=4, null=True, blank=True)
    institutions = models.ManyToManyField(Organization, related_name="+", verbose_name=_("抽查机构"))
    # [{"institution": id, "screening": "in", "intents": [...], "population": n, "drawn": k}, ...]
    strata = models.JSONField(_("分层情况"), default=list)
    population = models.PositiveIntegerField(_("总体件数"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=SpotCheckStatus.choices,
                              default=SpotCheckStatus.REVIEWING)
    correction_requested_at = models.DateTimeField(_("要求整改时间"), null=True, blank=True)
    draw_progress = models.PositiveSmallIntegerField(_("抽取进度(%)"), default=100)
    draw_error = models.CharField(_("抽取失败原因"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("随机抽查")
        verbose_name_plural = _("随机抽查")
        constraints = [
            models.CheckConstraint(
                condition=(Q(sample_size__isnull=False, sample_rate__isnull=True)
                           | Q(sample_size__isnull=True, sample_rate__isnull=False)),
                name="spotcheck_size_or_rate"),
        ]

    def __str__(self) -> str:
        return self.title


class SampledRecordQuerySet(NamedInAuditLog, ScopedQuerySet):
    """Who reads a sampled record and its finding:

    - the platform every one; a province office those of its own spot checks;
    - a ministry those about the institutions it supervises (read-only);
    - an institution only the findings about its own records that it is asked to correct
      (不一致 or 数据错误, once the spot check requested corrections), never the rest of the sample;
      a department's staff those about their department's records;
    - nobody else.

    Changed (the finding recorded) by the reviewer assigned, a member of the organiser, while the
    spot check is under review; action "correct" (marked corrected with a note) by the
    institution's staff who read the finding. Reviewers are assigned through the spot check
    (SpotCheck.editable_by)."""

    actions = frozenset({"correct"})

    def _visible_to_province(self, user):
        return self.filter(spot_check__organiser_id=user.organization_id)

    def _visible_to_ministry(self, user):
        return self.filter(institution_id__in=Organization.objects.supervised_by(user).values("pk"))

    def _visible_to_institution(self, user):
        own = self.filter(institution_id=user.organization_id, finding__in=TO_CORRECT,
                          spot_check__status=SpotCheckStatus.CORRECTING)
        return own.filter(record__department_unit_id=user.department_id) if user.department_id else own

    def _reviewer(self, user):
        return self.filter(reviewer_id=user.pk, spot_check__organiser_id=user.organization_id,
                           spot_check__status=SpotCheckStatus.REVIEWING)

    _editable_by_operator = _editable_by_province = _reviewer

    def _editable_by_institution__correct(self, user):
        return self._visible_to_institution(user)


class SampledRecord(models.Model):
    """One inventory record drawn into a spot check, with its reviewer's finding and the
    institution's correction."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="sampled")
    record = models.ForeignKey(InventoryRecord, on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # The stratum it was drawn from: "<screening>|<intent+intent…>" ("-" for blank).
    stratum = models.CharField(_("分层"), max_length=80)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("核查人"))
    finding = models.CharField(_("核查结论"), max_length=16, choices=Finding.choices, blank=True, db_index=True)
    reason = models.CharField(_("不一致原因"), max_length=500, blank=True)
    error_field = models.CharField(_("错误字段"), max_length=40, blank=True)
    reviewed_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    correction_note = models.CharField(_("整改说明"), max_length=500, blank=True)
    corrected_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = SampledRecordQuerySet.as_manager()

    class Meta:
        ordering = ["institution_id", "pk"]
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        constraints = [models.UniqueConstraint(fields=["spot_check", "record"], name="unique_spot_check_record")]
        indexes = [models.Index(fields=["spot_check", "institution"], name="sampled_check_institution")]

    def __str__(self) -> str:
        return f"{self.spot_check_id}: {self.record_id}"

    @property
    def stratum_label(self) -> str:
        return stratum_label(self.stratum)
