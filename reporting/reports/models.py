"""Downloadable progress reports (进展报告): one `ReportJob` per report asked for.

A ministry, a province or the platform asks for a report of one quarter in one format (.xlsx, the
dashboard as PDF, the progress bulletin as .docx); a Celery task builds it from the quarter's
frozen figures in the asker's scope, keeps its progress on the job for the page to poll, and
stores the file privately (no MEDIA URL: it is read only through the scoped download view, which
audits every download). A job is read by its organisation's staff and the platform's operator.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Province
from accounts.scoping import ScopedQuerySet
from reporting.statistics.models import ScopeKind, StatRun


class ReportKind(models.TextChoices):
    XLSX = "xlsx", _("统计报表(Excel)")
    PDF = "pdf", _("数据看板(PDF)")
    DOCX = "docx", _("进展通报(Word)")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReportJobQuerySet(ScopedQuerySet):
    """A report shows its organisation's scope: its organisation reads it (and the operator, by the
    default rule); nobody else, whatever the role."""

    def _own_organization(self, user):
        return self.filter(organization_id=user.organization_id)

    _visible_to_ministry = _visible_to_province = _own_organization

    def _editable_by_operator(self, user):
        # A job is written by the service that builds it, never edited.
        return self.none()


class ReportJob(models.Model):
    kind = models.CharField(_("报告类型"), max_length=8, choices=ReportKind.choices)
    quarter = models.CharField(_("季度"), max_length=7)
    run = models.ForeignKey(StatRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("季度统计"))
    # The scope the report covers: the asker's (national for the platform).
    scope = models.CharField(_("口径"), max_length=16, choices=ScopeKind.choices)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("省份"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("单位"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("申请人"))
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("进度说明"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to="reports/", blank=True, max_length=200)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("文件大小"), default=0)
    seconds = models.FloatField(_("生成用时(秒)"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.quarter} {self.get_kind_display()}"

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)
