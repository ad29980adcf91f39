"""Match cycles (匹配批次): one run of the matcher over a set of enterprises, in chunks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet


class CycleQuerySet(NamedInAuditLog, ScopedQuerySet):
    """The platform sees every cycle; a province those it organised."""

    def _visible_to_province(self, user):
        return self.filter(organizer_id=user.organization_id)

    _editable_by_province = _visible_to_province


class MatchCycle(models.Model):
    class Kind(models.TextChoices):
        DAILY = "daily", _("每日匹配")
        PROVINCE = "province", _("省局组织对接推广")
        PLATFORM = "platform", _("平台手动匹配")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Who organised it: the platform for daily and platform cycles, a provincial office for its own.
    organizer = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("组织方")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # A province's cycle reaches only its enterprises; optionally only the patents it selected.
    province = models.ForeignKey("accounts.Province", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("省份"))
    patent_ids = models.JSONField(_("指定专利"), default=list, blank=True)
    # The calendar day of a daily cycle: one daily cycle per day, however often beat fires.
    day = models.DateField(_("日期"), null=True, blank=True)
    chunks_total = models.PositiveIntegerField(_("分片数"), default=0)
    chunks_done = models.PositiveIntegerField(_("已完成分片"), default=0)
    enterprises = models.PositiveIntegerField(_("企业数"), default=0)
    candidates = models.PositiveBigIntegerField(_("候选数"), default=0)
    pushes_created = models.PositiveIntegerField(_("新推送数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["day"], condition=models.Q(kind="daily"), name="one_daily_cycle_a_day"),
        ]
        verbose_name = _("匹配批次")
        verbose_name_plural = _("匹配批次")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class MatchChunk(models.Model):
    """One chunk of a cycle's enterprises. Done at most once: a redelivered task finds it done."""

    cycle = models.ForeignKey(MatchCycle, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    enterprise_ids = models.JSONField(default=list)
    done_at = models.DateTimeField(null=True, blank=True)
    pushes_created = models.PositiveIntegerField(default=0)
    candidates = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="unique_cycle_chunk")]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.number}"
