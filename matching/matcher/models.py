"""Match cycles (匹配批次): one run of the matcher over a set of enterprises, in chunks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from inventory.patents.models import Patent


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
    errors = models.PositiveIntegerField(_("出错分片数"), default=0)
    # Seconds spent bringing the library's segmented text up to date before planning.
    index_seconds = models.FloatField(_("索引更新用时(秒)"), default=0)
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
    # Seconds per step: load (the library), queries, candidates, scoring, writing.
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="unique_cycle_chunk")]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.number}"


class LibraryTerm(models.Model):
    """One word of the resource library's vocabulary. Its id is its column in the term matrix, so
    that new words append columns and the documents already indexed keep theirs."""

    term = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.term


class LibraryDocument(models.Model):
    """The segmented text (title, abstract, application scenarios) of one library patent, as raw
    term counts: `term_ids` int32 and `counts` uint16, little-endian. Weights (IDF) are not kept:
    they are computed from all the documents whenever the matcher loads the library."""

    patent = models.OneToOneField(Patent, primary_key=True, on_delete=models.CASCADE, related_name="+")
    term_ids = models.BinaryField(default=b"")
    counts = models.BinaryField(default=b"")
    # A hash of the text segmented: an entry whose text did not change is not segmented again.
    digest = models.CharField(max_length=32)
    indexed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.patent_id)
