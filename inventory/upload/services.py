"""The institution's standard-format upload (盘点结果, DATA-STANDARD.md §3): who may upload, the
batches of this format, and the blank and pre-filled templates.

The upload itself (stage, validate, preview, commit, cancel) is a format of the one import
pipeline: inventory.upload.importer.InventoryImport, driven through ground.imports.
"""

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, role_of
from ground.sheets.template import write_template
from ground.uploads import UploadError
from inventory.models import ImportBatch, InventoryRecord
from inventory.records import RECORD_FIELDS, InventoryFormat, cell_value

# The follow-up task of a commit that set 所属产业 (inventory/tasks.py registers it by this name).
INDUSTRY_OVERRIDES_TASK = "inventory.apply_industry_overrides"

__all__ = ["INDUSTRY_OVERRIDES_TASK", "UploadError", "can_upload", "inventory_batches", "prefilled_rows",
           "template_notes", "visible_creators", "write_blank_template", "write_prefilled"]


def visible_creators(user, batches) -> set[int]:
    """Ids of the uploaders the user may see (an account is shown only within the account scope:
    a member sees their own uploads' author, not their colleagues'); one query."""
    ids = {batch.created_by_id for batch in batches if batch.created_by_id}
    if not ids:
        return set()
    return set(User.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def inventory_batches():
    """The batches of this format; callers scope them with visible_to / editable_by."""
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.INVENTORY)


def batches_needing_attention(user):
    """The inventory uploads `user` sees that failed lately or stalled (ImportBatch's
    `needing_attention`): the operator's home card and the upload list's "需处理" view."""
    return inventory_batches().visible_to(user).needing_attention()


def can_upload(user) -> bool:
    """Standard-format uploads (inventory results, conversion records) are made by institutions,
    for their own patents."""
    return role_of(user) == Role.INSTITUTION


# --- templates and the pre-filled sheet -----------------------------------------------------------


def write_blank_template(target) -> None:
    """The inventory format's blank template, with its instructions (the export is
    inventory.upload.exports.InventoryTemplate)."""
    write_template(target, InventoryFormat(), notes=template_notes())


def template_notes() -> list[str]:
    return [
        _("每行一件本单位作为第一权利人的专利;共有专利由第一权利人单位盘点。"),
        _("“所属产业”填战略性新兴产业分类(2018)代码,如 1.5 人工智能、4.1 生物医药产业。"),
        _("同一文件再次上传不会产生变化;只会导入与现有盘点数据不同的行。"),
    ]


def prefilled_rows(actor) -> Iterator[list]:
    """The actor's editable records as template rows, in the format's column order, streamed."""
    fmt = InventoryFormat()
    keys = [column.key for column in fmt.columns]
    record_fields = [key for key in keys if key in RECORD_FIELDS]
    queryset = (
        InventoryRecord.objects.editable_by(actor)
        .order_by("patent__application_number")
        .values_list("patent__application_number", "patent__title", *record_fields)
    )
    for number, title, *values in queryset.iterator(chunk_size=2000):
        by_key = {"application_number": number, "title": title}
        by_key.update({name: cell_value(name, value) for name, value in zip(record_fields, values, strict=True)})
        yield [by_key.get(key) for key in keys]


def write_prefilled(*, actor, target) -> int:
    """"My patents pre-filled": the actor's editable records with their current values, written into
    the template (write-only, row by row) to edit offline and upload again; returns the rows (the
    export is inventory.upload.exports.InventoryPrefilled). Only uploaders (`can_upload`)."""
    if not can_upload(actor):
        raise PermissionDenied
    return write_template(target, InventoryFormat(), rows=prefilled_rows(actor), notes=template_notes())
