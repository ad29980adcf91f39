"""This area's export (accounts.exports, with its audit event): an attachment of a case report."""

from typing import IO, Any

from django.db.models.fields.files import FieldFile
from django.http import Http404

from accounts.exports import StoredExport
from reporting.cases.models import CaseAttachment


class CaseAttachmentDownload(StoredExport):
    """An attachment of a report the user reads (CaseAttachment.visible_to), under the name it was
    uploaded with; the type is guessed from that name (the upload checked the file's first bytes)."""

    action = "export.case_attachment"
    model = CaseAttachment
    content_type = None

    def objects(self, user):
        return CaseAttachment.objects.visible_to(user).select_related("case")

    def stored(self, obj: CaseAttachment) -> FieldFile | None:
        return obj.file

    def filename(self, obj: CaseAttachment, **options: Any) -> str:
        return obj.original_name

    def organization(self, obj: CaseAttachment):
        return None  # filed under the reader's organisation

    def open(self, *, actor, obj: CaseAttachment, **options: Any) -> tuple[IO[bytes], dict]:
        if not obj.file or not obj.file.storage.exists(obj.file.name):
            raise Http404
        return obj.file.open("rb"), {"case": obj.case_id, "file": obj.original_name, "size": obj.size}
