"""Typical cases and problems (典型案例与问题报送): what a province office reports each quarter beside
its figures, with attachments kept as private files (served only through a scoped view)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import NamedInAuditLog, ScopedQuerySet


class CaseKind(models.TextChoices):
    CASE = "case", _("典型案例")
    PRACTICE = "practice", _("经验做法")
    PROBLEM = "problem", _("问题建议")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")


class CaseReportQuerySet(NamedInAuditLog, ScopedQuerySet):
    """Who reads a report:

    - the platform every one (drafts included: it runs the service);
    - a province office its own, drafts included;
    - every ministry every submitted report: cases, practices and problems are the campaign's
      national lessons, read beside the national figures, and name no institution's data a
      ministry could not read in the library or the statistics;
    - institutions, enterprises, experts, inventors and the three administrators none.

    Changed (edited, attachments added, submitted) by its province office while a draft; the
    platform marks submitted ones for the bulletin (action "mark")."""

    actions = frozenset({"mark"})

    def _visible_to_province(self, user):
        return self.filter(organization_id=user.organization_id)

    def _visible_to_ministry(self, user):
        return self.filter(status=CaseStatus.SUBMITTED)

    def _editable_by_operator(self, user):
        return self.none()

    def _editable_by_province(self, user):
        return self.filter(organization_id=user.organization_id, status=CaseStatus.DRAFT)

    def _editable_by_operator__mark(self, user):
        return self.filter(status=CaseStatus.SUBMITTED)


class CaseReport(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="case_reports",
                                     verbose_name=_("报送单位"))
    quarter = models.CharField(_("季度"), max_length=7, db_index=True)
    kind = models.CharField(_("类别"), max_length=16, choices=CaseKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    for_bulletin = models.BooleanField(_("纳入通报"), default=False)
    marked_at = models.DateTimeField(_("纳入通报时间"), null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    objects = CaseReportQuerySet.as_manager()

    class Meta:
        ordering = ["-quarter", "organization_id", "-pk"]
        verbose_name = _("典型案例与问题")
        verbose_name_plural = _("典型案例与问题")

    def __str__(self) -> str:
        return self.title


class CaseAttachmentQuerySet(NamedInAuditLog, ScopedQuerySet):
    """An attachment is read by whoever reads its report, added or removed by whoever edits it."""

    def _visible_to_province(self, user):
        return self.filter(case__organization_id=user.organization_id)

    def _visible_to_ministry(self, user):
        return self.filter(case__status=CaseStatus.SUBMITTED)

    def _editable_by_operator(self, user):
        return self.none()

    def _editable_by_province(self, user):
        return self.filter(case__organization_id=user.organization_id, case__status=CaseStatus.DRAFT)


class CaseAttachment(models.Model):
    case = models.ForeignKey(CaseReport, on_delete=models.CASCADE, related_name="attachments")
    # A private file: under MEDIA_ROOT, which is never served by URL (reporting.cases.views.attachment_download).
    file = models.FileField(_("文件"), upload_to="reporting/cases/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = CaseAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("案例附件")
        verbose_name_plural = _("案例附件")

    def __str__(self) -> str:
        return self.original_name
