"""The progress report's download (accounts.exports, with its audit event): a finished job's file,
read through `ReportJob.objects.visible_to(user)`, never by a MEDIA URL."""

from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from accounts.exports import StoredExport
from reporting.reports.models import JobStatus, ReportJob, ReportKind

CONTENT_TYPES = {
    ReportKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportKind.PDF: "application/pdf",
    ReportKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class ProgressReport(StoredExport):
    action = "export.progress_report"
    content_type = None  # guessed from the file name (.xlsx, .pdf, .docx)
    model = ReportJob

    def objects(self, user) -> models.QuerySet:
        return ReportJob.objects.visible_to(user).filter(status=JobStatus.DONE)

    def stored(self, obj: ReportJob) -> FieldFile | None:
        return obj.file or None

    def filename(self, obj: ReportJob, **options: Any) -> str:
        return obj.filename
