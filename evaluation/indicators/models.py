"""The evaluation indicator system as data (DATA-STANDARD.md §6): a versioned tree of dimension →
indicator, with weights per scenario. An evaluation keeps the version it was scored with; the
platform edits by publishing a new version, never by rewriting one in use."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet


class IndicatorSystemQuerySet(ScopedQuerySet):
    """Every role that evaluates or reads evaluations reads the indicator systems; the platform edits."""

    def current(self) -> "IndicatorSystem | None":
        return self.filter(is_current=True).first()

    def _everyone(self, user):
        return self.all()

    _visible_to_ministry = _visible_to_province = _visible_to_institution = _everyone
    _visible_to_enterprise = _visible_to_expert = _everyone


class IndicatorSystem(models.Model):
    """One version of the tree, for one scenario (the default: 许可转让, licensing and transfer)."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    scenario = models.CharField(_("评价场景"), max_length=100)
    is_current = models.BooleanField(_("当前版本"), default=False)
    note = models.CharField(_("修订说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    objects = IndicatorSystemQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                               name="one_current_indicator_system")]
        verbose_name = _("评价指标体系")
        verbose_name_plural = _("评价指标体系")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Dimension(models.Model):
    """法律价值, 技术价值, 经济价值: reported 0–100, weighted into the overall value."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("维度"), max_length=50)
    weight = models.DecimalField(_("权重"), max_digits=4, decimal_places=3)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["system", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="unique_dimension_code")]
        verbose_name = _("评价维度")
        verbose_name_plural = _("评价维度")

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One indicator, scored 0–10 with its guidance shown beside it; weighted within its dimension."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("指标"), max_length=50)
    guidance = models.TextField(_("评分指引"), blank=True)
    weight = models.DecimalField(_("权重"), max_digits=4, decimal_places=3)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["dimension", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="unique_indicator_code")]
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")

    def __str__(self) -> str:
        return self.name
