"""The national inventory milestones (DATA-STANDARD.md §7), as data the platform edits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Milestone(models.Model):
    class AppliesTo(models.TextChoices):
        DEMO = "demo", _("国家知识产权示范高校")
        DEMO_AND_PILOT = "demo_and_pilot", _("国家知识产权示范高校和试点高校")
        OTHERS = "others", _("其他高校和科研机构")
        ALL = "all", _("所有高校和科研机构")

    name = models.CharField(_("名称"), max_length=100)
    applies_to = models.CharField(_("适用范围"), max_length=16, choices=AppliesTo.choices)
    # A fixed deadline for the stock granted up to `granted_until`, or a rolling one
    # (`days_after_grant`) for patents granted after it.
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    days_after_grant = models.PositiveSmallIntegerField(_("授权后天数"), null=True, blank=True)
    granted_until = models.DateField(_("授权日截至"), null=True, blank=True)
    granted_after = models.DateField(_("授权日晚于"), null=True, blank=True)
    target_percent = models.PositiveSmallIntegerField(_("目标盘点比例(%)"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("盘点里程碑")
        verbose_name_plural = _("盘点里程碑")

    def __str__(self) -> str:
        return self.name
