"""The upload area's exports (accounts.exports): a batch's error report and its file as uploaded,
the inventory format's blank template and "my patents pre-filled". Pages and the API answer them
with `accounts.exports.export_response`."""

from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from accounts.exports import StoredExport, WrittenExport
from ground.imports import problems as upload_errors
from inventory.models import ImportBatch
from inventory.upload import services as upload
from inventory.upload.importer import INVENTORY


class _InventoryBatchExport(StoredExport):
    model = ImportBatch

    def objects(self, user) -> QuerySet:
        """The inventory uploads the user sees: an institution its own, the operator all."""
        return upload.inventory_batches().visible_to(user)


class ImportErrorReport(_InventoryBatchExport):
    """The error report of an inventory upload (.xlsx): the rows with problems, bad cells in red,
    messages in the last column. It names patents, so it is served by the application (never /media/)."""

    action = "export.import_error_report"

    def stored(self, obj: ImportBatch) -> FieldFile | None:
        return obj.error_report if upload_errors.ensure_error_report(obj, INVENTORY.batches) else None

    def filename(self, obj: ImportBatch, **options: Any) -> str:
        return f"{Path(obj.original_name).stem}-错误报告.xlsx"


class ImportFile(_InventoryBatchExport):
    """An inventory upload's file as it was uploaded, for review."""

    action = "export.import_file"
    content_type = None

    def stored(self, obj: ImportBatch) -> FieldFile | None:
        return obj.file

    def filename(self, obj: ImportBatch, **options: Any) -> str:
        return obj.original_name


class InventoryTemplate(WrittenExport):
    """The inventory format's blank template (an export of no data, audited like the others)."""

    action = "export.inventory_template"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        upload.write_blank_template(target)
        return {}

    def filename(self, obj: None, **options: Any) -> str:
        return "盘点结果模板.xlsx"


class InventoryPrefilled(WrittenExport):
    """The uploader's editable records written into the template, to edit offline and upload again."""

    action = "export.inventory_prefilled"

    def write(self, target: IO[bytes], *, actor, obj: None, **options: Any) -> dict:
        return {"rows": upload.write_prefilled(actor=actor, target=target)}

    def filename(self, obj: None, **options: Any) -> str:
        return f"我的专利-盘点表-{timezone.localtime():%Y%m%d}.xlsx"
