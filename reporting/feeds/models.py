"""The province data interfaces (DATA-STANDARD.md §9): the journal each province's feed is read from,
what each province was last sent, its push endpoint, and the batches pushed to it.

- `FeedEntry` is the journal: one row per change of one record of one province (an upsert with
  the record's snapshot, or a tombstone), appended in sets by reporting.feeds.journal.sync and never
  rewritten; its id is the cursor, so replaying from any cursor gives the same records in the same order.
- `FeedState` is what the journal last said of each record of a province (the digest of its
  snapshot), which is how a sync finds what changed without reading the journal back.
- `FeedEndpoint` is the province's setting: where it is pushed to, the secret the batches are
  signed with, and whether its purpose needs the contacts' phones and e-mails (off by default).
- `FeedBatch` is a contiguous cursor range of the journal, its body fixed once made (a retry and a
  resend send the same bytes under the same batch_id); `FeedDelivery` logs each attempt.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from accounts.scoping import ScopedQuerySet


class RecordKind(models.TextChoices):
    PATENT = "patent", _("专利")
    EVALUATION = "evaluation", _("评价")


class Op(models.TextChoices):
    UPSERT = "upsert", _("新增或更新")
    DELETE = "delete", _("删除")


class ProvinceFeedQuerySet(ScopedQuerySet):
    """A provincial office reads its own province's feed; the platform every province's. A
    province's administrator changes its own (endpoint, resend); the operator any."""

    def _visible_to_province(self, user):
        return self.filter(province_id=user.organization.province_id)

    def _editable_by_province(self, user):
        return self._visible_to_province(user) if user.is_org_admin else self.none()


class EntryQuerySet(ProvinceFeedQuerySet):
    """The journal is read, never changed by anyone (only the sync appends to it)."""

    def _editable_by_province(self, user):
        return self.none()

    def _editable_by_operator(self, user):
        return self.none()


class FeedEndpoint(models.Model):
    """A province's feed setting and push endpoint (one per province, made when first needed)."""

    province = models.OneToOneField(Province, on_delete=models.CASCADE, related_name="feed_endpoint",
                                    verbose_name=_("省份"))
    url = models.URLField(_("推送地址"), max_length=500, blank=True)
    secret = models.CharField(_("签名密钥"), max_length=64, blank=True)
    enabled = models.BooleanField(_("启用推送"), default=False)
    # Phones and e-mails of persons travel unmasked only when the province's purpose needs them;
    # only the platform operator switches it on (reporting.feeds.services.set_contacts, audited).
    purpose_needs_contacts = models.BooleanField(_("用途需要联系方式"), default=False)
    secret_rotated_at = models.DateTimeField(_("密钥生成时间"), null=True, blank=True)
    last_synced_at = models.DateTimeField(_("最近同步时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = ProvinceFeedQuerySet.as_manager()

    class Meta:
        ordering = ["province_id"]
        verbose_name = _("省级数据接口设置")
        verbose_name_plural = _("省级数据接口设置")

    def __str__(self) -> str:
        return str(self.province_id)


class FeedEntry(models.Model):
    """One change of one record in a province's journal; its id is the feed's cursor."""

    id = models.BigAutoField(primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("类型"), max_length=16, choices=RecordKind.choices)
    op = models.CharField(_("操作"), max_length=8, choices=Op.choices)
    # The record's key: a patent's canonical application number, an evaluation's id.
    key = models.CharField(_("记录标识"), max_length=32)
    # The record as §9 lists it (unmasked; masked as it leaves), or the key alone for a tombstone.
    data = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["province", "id"], name="feed_entry_province_cursor")]
        verbose_name = _("数据接口变更")
        verbose_name_plural = _("数据接口变更")

    def __str__(self) -> str:
        return f"{self.province_id} #{self.pk} {self.op} {self.kind} {self.key}"


class FeedState(models.Model):
    """What a province's journal last said of one record: the digest of its snapshot (read by the
    sync only; the operator may inspect it)."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    key = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["province", "kind", "key"], name="unique_feed_state")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.kind} {self.key}"


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("待送达")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("送达失败")


class FeedBatch(models.Model):
    """A contiguous cursor range of a province's journal, pushed as one signed request."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+", verbose_name=_("省份"))
    batch_id = models.CharField(_("批次号"), max_length=36, unique=True)
    first_entry = models.BigIntegerField(_("起始游标"))
    last_entry = models.BigIntegerField(_("截止游标"))
    records = models.PositiveIntegerField(_("记录数"))
    # The exact bytes sent, every time: a retry or a resend changes only the timestamp and signature.
    body = models.BinaryField(_("请求内容"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    first_attempt_at = models.DateTimeField(_("首次尝试"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    # The X-Patentnavi-Timestamp last sent: each attempt sends a later one, so that no two attempts
    # carry the same signature (a receiver refuses a signature it has seen as a replay).
    last_timestamp = models.PositiveBigIntegerField(default=0)

    objects = ProvinceFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-first_entry"]
        constraints = [models.CheckConstraint(condition=Q(last_entry__gte=models.F("first_entry")),
                                              name="feed_batch_range")]
        indexes = [models.Index(fields=["province", "status", "first_entry"], name="feed_batch_queue")]
        verbose_name = _("推送批次")
        verbose_name_plural = _("推送批次")

    def __str__(self) -> str:
        return self.batch_id


class DeliveryQuerySet(ScopedQuerySet):
    def _visible_to_province(self, user):
        return self.filter(batch__province_id=user.organization.province_id)

    def _editable_by_operator(self, user):
        return self.none()


class FeedDelivery(models.Model):
    """One attempt at delivering a batch: when, the HTTP status (none when no answer came), the
    error and how long it took."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="deliveries")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP 状态"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("用时(毫秒)"), default=0)
    manual = models.BooleanField(_("手动重发"), default=False)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")

    def __str__(self) -> str:
        return f"{self.batch_id} {self.status_code or self.error}"
