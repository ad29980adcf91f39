"""The base of the sheets the platform loads itself (the base library, the concordance): uploaded
by the operator or loaded by a command without an account, kept as batches of the platform's own
organisation."""

from accounts.audit import record as audit
from accounts.roles import loads_platform_data
from accounts.services import platform_organization
from ground.imports import SheetImport
from inventory.models import ImportBatch


class PlatformSheetImport(SheetImport):
    system_uploads = True

    def may_upload(self, actor) -> bool:
        return loads_platform_data(actor)

    def new_batch(self, actor) -> ImportBatch:
        return ImportBatch(kind=self.kind, organization=platform_organization(), created_by=actor)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        audit(self.events[event], actor=actor, request=request, target=batch, organization=batch.organization,
              **detail)
