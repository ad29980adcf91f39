"""Import batches: every sheet uploaded to the platform, its status, counts and row errors."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet
from ground.imports.batches import RUNNING, BatchStatus

# A failed batch asks for a look for this long (a failure stays on the list, which only its uploader
# may clear by cancelling it).
RECENT_FAILURES = datetime.timedelta(days=7)


class ImportBatchQuerySet(NamedInAuditLog, ScopedQuerySet):
    """`editable_by` is who may commit or cancel a batch, the one rule of every sheet pipeline: its
    uploader, or an admin over the uploader (the institution-level admin of the uploader's
    organisation; a department's admin for uploads by the department's members). The operator
    reads every batch and acts on its own uploads (the base library) only."""

    def needing_attention(self, now: datetime.datetime | None = None) -> "ImportBatchQuerySet":
        """Batches someone should look at: failed within RECENT_FAILURES, or stalled (uploaded,
        validating or committing without progress for IMPORT_STALL_MINUTES: what the sweeper of
        ground.imports.sweeper takes up)."""
        now = now or timezone.now()
        failed = Q(status=BatchStatus.FAILED, created_at__gte=now - RECENT_FAILURES)
        stalled = Q(status__in=list(RUNNING),
                    last_progress_at__lt=now - datetime.timedelta(minutes=settings.IMPORT_STALL_MINUTES))
        return self.filter(failed | stalled)

    def _visible_to_institution(self, user):
        # An institution-wide upload carries every department's patents: department staff see
        # only their department's own uploads. Inventors upload nothing and see none.
        batches = self.filter(organization_id=user.organization_id)
        return batches.filter(created_by__department_id=user.department_id) if user.department_id else batches

    def _editable_by_operator(self, user):
        return self.filter(created_by=user)

    def _editable_by_institution(self, user):
        own = self.filter(organization_id=user.organization_id)
        if not user.is_org_admin:
            return own.filter(created_by=user)
        if user.department_id:
            return own.filter(Q(created_by=user) | Q(created_by__department_id=user.department_id))
        return own


class ImportBatch(models.Model):
    """Every upload, kept: who, when, the file, its status, counts and row errors."""

    class Kind(models.TextChoices):
        BASE_LIBRARY = "base_library", _("存量专利基础库")
        INVENTORY = "inventory", _("盘点结果")
        CONVERSIONS = "conversions", _("转化实施情况")
        CONCORDANCE = "concordance", _("产业与IPC参照关系表")
        # The needs sheet (matching.needs), kept through its own scope (matching.needs.models.NeedsBatch).
        NEEDS = "needs", _("企业技术需求")
        # The evaluation stage's sheets (evaluation.experts, evaluation.feedback), each kept through
        # its own scope.
        EXPERTS = "experts", _("专家推荐")
        EVALUATIONS = "evaluations", _("评价反馈")

    # The states every import's batch goes through (ground.imports).
    Status = BatchStatus

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="import_batches", verbose_name=_("上传单位")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    all_or_nothing = models.BooleanField(_("全部或不导入"), default=False)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    # {"new": n, "updated": n, "unchanged": n, "rejected": n, "unmatched": n, ...}
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    # [{"row", "column", "value", "message", "level"}], every problem found
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_report = models.FileField(_("错误报告"), upload_to="import-reports/%Y/%m/", blank=True)
    failure = models.TextField(_("失败原因"), blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    # Moved by every change of status or progress (ground.imports.ModelBatches.update): the sweeper
    # (ground.imports.sweeper) takes a running batch that has not moved for IMPORT_STALL_MINUTES as stalled.
    last_progress_at = models.DateTimeField(_("最近进展"), default=timezone.now, db_index=True)
    # How many times a worker started the current step (validation or commit); counted before the work,
    # so a worker killed on the file leaves its count behind (ground.imports.deliveries).
    delivery_attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    # Who confirmed the commit running in a task: a commit the sweeper queues again runs as them.
    commit_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("确认导入人"),
    )
    # When the kept file was deleted after the retention period (UPLOAD_REJECTED_KEEP_DAYS); the row stays.
    file_removed_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
