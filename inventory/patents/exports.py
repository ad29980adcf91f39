"""The base library's exports (accounts.exports): its format's blank template, and a run's error
report (it names patents and patentees, so it is served by the application, never /media/)."""

from typing import IO, Any

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

from accounts.exports import StoredExport, WrittenExport
from ground.imports.problems import ensure_error_report
from ground.sheets.template import write_template
from inventory.models import ImportBatch
from inventory.patents.base_library import BASE_LIBRARY
from inventory.patents.base_library_format import BaseLibraryFormat


class BaseLibraryTemplate(WrittenExport):
    """The base library format's blank template (DATA-STANDARD.md §2)."""

    action = "export.base_library_template"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        write_template(target, BaseLibraryFormat())
        return {}

    def filename(self, obj: None, **options: Any) -> str:
        return "存量专利基础库模板.xlsx"


class BaseLibraryErrorReport(StoredExport):
    """The rows of a base library batch with problems as they were read, bad cells in red, the
    reasons last (ground.imports.problems; written when first downloaded)."""

    action = "export.base_library_error_report"
    model = ImportBatch
    content_type = None

    def objects(self, user) -> QuerySet:
        return super().objects(user).filter(kind=ImportBatch.Kind.BASE_LIBRARY)

    def stored(self, obj: ImportBatch) -> FieldFile | None:
        ensure_error_report(obj, BASE_LIBRARY.batches)
        return obj.error_report

    def filename(self, obj: ImportBatch, **options: Any) -> str:
        return f"基础库导入错误报告-{obj.pk}.xlsx"
