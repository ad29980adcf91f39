"""Exports: every file the platform hands out, and its audit event, in one place.

Each kind of export is one `Export` subclass: its audit action ("export.<name>"), its file name and
type, how its file is made (`WrittenExport.write` into a temporary file, `StoredExport.stored` for a
file kept in the storage) and, for an export of one object, the model whose `visible_to(user)` the
object is read through.
`export_response` answers a request with the file and writes the export's one audit event; pages
and the API call it alike, so an export is audited the same way whichever way it is asked for.
Nothing else writes an "export." audit event (tests/test_exports.py checks the source).

An export refused (an object outside the user's scope, a file that is not there, a user who may
not export it) raises before the event is written: a refused export leaves no event.
"""

import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from typing import IO, Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.administration import AuditFilter, audit_events
from accounts.audit import record
from accounts.audit_objects import person
from accounts.audit_rows import write_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Every export by its audit action, filled as the modules declaring them are imported.
EXPORTS: dict[str, type["Export"]] = {}


class Export:
    """One kind of export. Subclass WrittenExport or StoredExport."""

    # The audit action, "export.<name>"; a class without one is a base, not an export.
    action: ClassVar[str] = ""
    # None lets the response guess the type from the file name.
    content_type: ClassVar[str | None] = XLSX
    # For an export of one object: its model (read through `objects`).
    model: ClassVar[type[models.Model] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.action:
            EXPORTS[cls.action] = cls

    def objects(self, user) -> models.QuerySet:
        """The objects the user may export: the model's `visible_to(user)`."""
        return self.model.objects.visible_to(user)

    def get_object(self, user, pk: object) -> models.Model:
        try:
            return self.objects(user).get(pk=pk)
        except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
            raise Http404 from None

    def filename(self, obj: models.Model | None, **options: Any) -> str:
        raise NotImplementedError

    def organization(self, obj: models.Model | None):
        """The organisation the audit event is filed under (None: the actor's)."""
        return getattr(obj, "organization", None)

    def open(self, *, actor, obj: models.Model | None, **options: Any) -> tuple[IO[bytes], dict]:
        """The file (a binary file object) and the details of its audit event. Raises (Http404,
        PermissionDenied) when there is nothing to export."""
        raise NotImplementedError


class WrittenExport(Export):
    """A file made at the request: `write` fills a temporary file (flat memory, any size)."""

    def write(self, target: IO[bytes], *, actor, obj: models.Model | None, **options: Any) -> dict:
        """Write the file into `target`; returns the details of the audit event (rows written…)."""
        raise NotImplementedError

    def open(self, *, actor, obj: models.Model | None, **options: Any) -> tuple[IO[bytes], dict]:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the FileResponse)
        try:
            detail = self.write(handle, actor=actor, obj=obj, **options) or {}
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        return handle, detail


class StoredExport(Export):
    """A file kept in the storage (an uploaded file, an error report)."""

    def stored(self, obj: models.Model | None) -> FieldFile | None:
        """The kept file, or None when there is none (a 404)."""
        raise NotImplementedError

    def open(self, *, actor, obj: models.Model | None, **options: Any) -> tuple[IO[bytes], dict]:
        stored = self.stored(obj)
        if not stored or not stored.storage.exists(stored.name):
            raise Http404
        return stored.open("rb"), {}


def export_response(export: type[Export], request: HttpRequest, *, pk: object = None, filename: str | None = None,
                    **options: Any) -> HttpResponse:
    """The export's file as the answer to `request`, after its one audit event is written.

    `pk` names the object of an export of one object (out of the user's scope: Http404, and no
    event); `filename` replaces the export's own name (the API names its files in ASCII);
    `options` go to the export (a filter, a cached result)."""
    handler = export()
    actor = request.user
    obj = handler.get_object(actor, pk) if handler.model is not None else None
    content, detail = handler.open(actor=actor, obj=obj, **options)
    name = filename or handler.filename(obj, **options)
    try:
        record(handler.action, actor=actor, request=request, target=obj, organization=handler.organization(obj),
               **detail)
    except BaseException:
        content.close()
        raise
    return FileResponse(content, as_attachment=True, filename=name, content_type=handler.content_type)


# --- the accounts app's exports --------------------------------------------------------------------


class AuditLog(WrittenExport):
    """The audit log, filtered as the audit administrator's page is, as an .xlsx to hand on: Chinese
    headers, each action and object by its name, the changes as text, and a sheet saying who
    exported it, when and with which filters."""

    action = "export.audit_log"

    def write(self, target: IO[bytes], *, actor, obj: None, filters: AuditFilter,
              described: Sequence[tuple[str, str]] = (), **options: Any) -> dict:
        """The sheet of the events `filters` selects; `described` names the filters in words."""
        about = [(_("导出人"), person(actor.full_name, actor.username)),
                 (_("导出时间"), f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"),
                 (_("筛选条件"), ";".join(f"{label}:{value}" for label, value in described) or _("无(全部记录)"))]
        rows = write_sheet(target, viewer=actor, events=audit_events(actor, filters).iterator(chunk_size=2000),
                           about=about)
        return {"filters": {k: str(v) if v else "" for k, v in asdict(filters).items()}, "rows": rows}

    def filename(self, obj: None, **options: Any) -> str:
        return f"审计日志-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


class AllocationResult(WrittenExport):
    """The result sheet of an account allocation, with the one-time passwords: held in the cache
    for its operator only (`result`), never on disk."""

    action = "export.allocation_result"
    content_type = None

    def write(self, target: IO[bytes], *, actor, obj: None, result: dict, **options: Any) -> dict:
        target.write(result["sheet"])
        return {"file": result["filename"], "source": result["original_name"], "rows": result["counts"]["rows"],
                "passwords": result["counts"]["accounts"]}

    def filename(self, obj: None, *, result: dict, **options: Any) -> str:
        return result["filename"]
