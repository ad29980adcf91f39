"""Quarterly statistics as frozen snapshots (DATA-STANDARD.md §8).

A `StatRun` is one computation of a quarter for every scope, under one version of the
definitions. Until it is published it is a draft, and recomputing the quarter replaces its rows
(the same data gives the same rows). Publishing freezes it: its rows are never written again, and a
later computation of the quarter is a correction, a new revision beside it whose differences are
shown; publishing the correction supersedes the earlier revision. Provinces and ministries sign
off their own figures of a run (`SignOff`); the platform publishes the national bulletin
(`Bulletin`) with the run.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Province
from accounts.scoping import ScopedQuerySet


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("待发布")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已更正")


class ScopeKind(models.TextChoices):
    NATIONAL = "national", _("全国")
    MINISTRY = "ministry", _("部委")
    PROVINCE = "province", _("省份")
    INSTITUTION = "institution", _("机构")


class StatRunQuerySet(ScopedQuerySet):
    """A run is a quarter's header: every role that reads statistics reads every run (its rows are scoped)."""

    def current(self, quarter: str) -> StatRun | None:
        """The run a quarter is shown with: its published revision, else its latest draft."""
        runs = self.filter(quarter=quarter)
        return (runs.filter(status=RunStatus.PUBLISHED).first()
                or runs.filter(status=RunStatus.DRAFT).order_by("-revision").first())

    def _everyone(self, user):
        return self.all()

    _visible_to_ministry = _visible_to_province = _visible_to_institution = _everyone


class StatRun(models.Model):
    quarter = models.CharField(_("季度"), max_length=7, db_index=True)
    revision = models.PositiveSmallIntegerField(_("版次"), default=1)
    definition_version = models.CharField(_("统计口径版本"), max_length=32)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.DRAFT)
    # Why a correction was made (revision > 1), said by whoever computed it.
    note = models.CharField(_("更正说明"), max_length=500, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    seconds = models.FloatField(_("计算用时(秒)"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = StatRunQuerySet.as_manager()

    class Meta:
        ordering = ["-quarter", "-revision"]
        verbose_name = _("季度统计")
        verbose_name_plural = _("季度统计")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "revision"], name="one_run_per_quarter_revision"),
            models.UniqueConstraint(fields=["quarter"], condition=Q(status="published"),
                                    name="one_published_run_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} v{self.revision}"

    @property
    def is_frozen(self) -> bool:
        return self.status != RunStatus.DRAFT


class QuarterlyStatQuerySet(ScopedQuerySet):
    """Who reads which figures (ARCHITECTURE.md): the platform every row; a ministry the national row,
    its own and its institutions'; a province the national row, its own and its institutions'; an
    institution the national row and its own. Enterprises, experts, inventors and the three
    administrators read none."""

    def _visible_to_ministry(self, user):
        org = user.organization_id
        return self.filter(Q(scope=ScopeKind.NATIONAL) | Q(scope=ScopeKind.MINISTRY, organization_id=org)
                           | Q(scope=ScopeKind.INSTITUTION, ministry_id=org))

    def _visible_to_province(self, user):
        code = user.organization.province_id
        if code is None:
            return self.filter(scope=ScopeKind.NATIONAL)
        return self.filter(Q(scope=ScopeKind.NATIONAL) | Q(scope=ScopeKind.PROVINCE, province_id=code)
                           | Q(scope=ScopeKind.INSTITUTION, province_id=code))

    def _visible_to_institution(self, user):
        return self.filter(Q(scope=ScopeKind.NATIONAL)
                           | Q(scope=ScopeKind.INSTITUTION, organization_id=user.organization_id))

    def _editable_by_operator(self, user):
        # Rows are written by the computation alone (reporting.statistics.services).
        return self.none()


class QuarterlyStat(models.Model):
    """The figures of one scope in one run. Counts only: rates are shown from their counts
    (definitions.rate), so a rate over an empty denominator stays "—"."""

    run = models.ForeignKey(StatRun, on_delete=models.PROTECT, related_name="stats", verbose_name=_("季度统计"))
    definition_version = models.CharField(_("统计口径版本"), max_length=32)
    scope = models.CharField(_("口径"), max_length=16, choices=ScopeKind.choices)
    # Province scope: that province; institution scope: the institution's province (for the province's view).
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("省份"))
    # Ministry scope: that ministry; institution scope: the institution.
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("单位"))
    # Institution scope: its supervising ministry (for the ministry's view), if any.
    ministry = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("主管部委"))
    in_scope = models.PositiveIntegerField(_("盘点范围专利数"), default=0)
    inventoried = models.PositiveIntegerField(_("已盘点专利数"), default=0)
    in_library = models.PositiveIntegerField(_("入库数"), default=0)
    transfers = models.PositiveIntegerField(_("转让登记数"), default=0)
    licences = models.PositiveIntegerField(_("许可备案数"), default=0)
    open_licences = models.PositiveIntegerField(_("开放许可备案数"), default=0)
    valid = models.PositiveIntegerField(_("有效专利数"), default=0)
    implemented = models.PositiveIntegerField(_("已实施专利数"), default=0)
    self_reported = models.PositiveIntegerField(_("自报实施"), default=0)
    industrialised = models.PositiveIntegerField(_("已产业化专利数"), default=0)
    product_filings = models.PositiveIntegerField(_("专利产品备案数"), default=0)
    sleeping = models.PositiveIntegerField(_("沉睡专利数"), default=0)
    enterprise_evaluations = models.PositiveIntegerField(_("企业评价数"), default=0)
    expert_evaluations = models.PositiveIntegerField(_("专家评价数"), default=0)
    pushes = models.PositiveIntegerField(_("推送数"), default=0)
    pushes_viewed = models.PositiveIntegerField(_("已查看推送数"), default=0)
    pushes_interested = models.PositiveIntegerField(_("有意向推送数"), default=0)
    # {"library_by_intent": {"transfer": n, …}, "library_by_industry": {"1": n, …},
    #  "library_by_maturity": {"1": n, …}, "reasons": {"price": n, …}}
    breakdown = models.JSONField(_("分项"), default=dict, blank=True)

    objects = QuarterlyStatQuerySet.as_manager()

    class Meta:
        ordering = ["run", "scope", "province", "organization"]
        verbose_name = _("季度统计数据")
        verbose_name_plural = _("季度统计数据")
        constraints = [
            models.UniqueConstraint(fields=["run", "scope", "province", "organization"],
                                    name="one_stat_per_run_and_scope", nulls_distinct=False),
        ]
        indexes = [models.Index(fields=["run", "scope"]), models.Index(fields=["organization", "run"])]

    def __str__(self) -> str:
        return f"{self.run_id} {self.scope} {self.province_id or ''}{self.organization_id or ''}"

    def save(self, *args, **kwargs) -> None:
        # The model's own guard; the computation writes in bulk and checks the run first.
        if self.run.is_frozen:
            raise ValidationError(_("%(run)s 已发布,已冻结,不能改写;请计算更正版本") % {"run": self.run})
        super().save(*args, **kwargs)


class SignOffQuerySet(ScopedQuerySet):
    def _visible_to_ministry(self, user):
        return self.filter(organization_id=user.organization_id)

    def _visible_to_province(self, user):
        return self.filter(province_id=user.organization.province_id, organization__isnull=True)

    def _editable_by_operator(self, user):
        return self.none()


class SignOff(models.Model):
    """A province's or a ministry's confirmation of its own figures in a run (签认)."""

    run = models.ForeignKey(StatRun, on_delete=models.PROTECT, related_name="signoffs")
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("签认意见"), max_length=500, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField(_("签认时间"), default=timezone.now)

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["run", "province", "organization"]
        verbose_name = _("统计签认")
        verbose_name_plural = _("统计签认")
        constraints = [
            models.UniqueConstraint(fields=["run", "province", "organization"], name="one_signoff_per_scope",
                                    nulls_distinct=False),
            models.CheckConstraint(condition=Q(province__isnull=True) ^ Q(organization__isnull=True),
                                   name="signoff_names_one_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.province_id or self.organization_id}"


class BulletinQuerySet(ScopedQuerySet):
    """A published bulletin (通报) goes to the ministries and provinces (and the institutions read it)."""

    def _published(self, user):
        return self.filter(run__status__in=[RunStatus.PUBLISHED, RunStatus.SUPERSEDED])

    _visible_to_ministry = _visible_to_province = _visible_to_institution = _published


class Bulletin(models.Model):
    """The national bulletin (通报) published with a run."""

    run = models.OneToOneField(StatRun, on_delete=models.PROTECT, related_name="bulletin")
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("要点"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = BulletinQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("进展通报")
        verbose_name_plural = _("进展通报")

    def __str__(self) -> str:
        return self.title
