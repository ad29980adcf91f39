"""The institution's standard-format upload (盘点结果, DATA-STANDARD.md §3), a format of the one
import pipeline (ground.imports):

    batch = imports.stage(INVENTORY, actor=user, file=uploaded)     # kept: file, sha256, audit event
    batch = imports.start_validation(INVENTORY, batch)              # inline when small, a Celery task when large
    ... the person reads the preview (counts, changes, every error) ...
    batch = imports.request_commit(INVENTORY, actor=user, batch=batch)   # or imports.cancel(INVENTORY, ...)

Validation (`InventoryImport.check`, inventory.upload.check) checks every row against the database a
chunk at a time and keeps a *plan* (inventory.upload.plan): the new values of each record that would
change, kept as a file for the preview and the commit; the rows with problems are kept for the
error report (ground.imports.problems). The plan is not checked again at commit: it is applied by
the strategy for the database in use (inventory.upload.strategies: on PostgreSQL from the table it
was staged in while the file was read, elsewhere from the file), in one transaction with one audit
event. Records changed between preview and commit make the plan stale (ground.imports.StalePlan),
and the batch is validated again before anything is written.
"""

import dataclasses

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from ground.imports import Job, ModelBatches, SheetImport, StalePlan, register
from ground.imports.pipeline import async_threshold
from ground.sheets import SheetFormat
from ground.tasks import enqueue_follow_up
from inventory.models import ImportBatch
from inventory.records import InventoryFormat
from inventory.upload import check as upload_check
from inventory.upload import plan as upload_plan
from inventory.upload import stage as upload_stage
from inventory.upload.services import INDUSTRY_OVERRIDES_TASK, can_upload, inventory_batches
from inventory.upload.strategies import PortablePlan, PostgresPlan


class UploadFormat(InventoryFormat):
    """The inventory format as an upload reads it: the required columns must be in the file, but
    a row's required cells and cross-field rules are checked against its record
    (inventory.upload.check): a row left blank over a pending record is skipped, a row identical
    to its record is unchanged, and only a changed row must fill them and keep the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.headers_required = [column.header for column in self.columns if column.required]
        self.columns = [column if column.key == "application_number" else dataclasses.replace(column, required=False)
                        for column in self.columns]

    @property
    def required_headers(self) -> list[str]:
        return self.headers_required

    # No row rules here: the §3 cross-field rules are checked on the rows that change a record
    # (inventory.upload.check), so that a row left as the platform holds it is never an error.
    clean_row = SheetFormat.clean_row


class InstitutionSheetImport(SheetImport):
    """A standard-format sheet an institution uploads for its own patents (inventory results,
    conversion records): kept as an ImportBatch of the uploader's organisation, validated and
    committed in a Celery task above the platform's row threshold."""

    @property
    def async_above(self) -> int:
        return async_threshold()

    @property
    def max_rows(self) -> int:
        # One institution's patents: a file far beyond them is a mistake or an attack, refused
        # before its rows cost minutes of validation and gigabytes of problems.
        return settings.INSTITUTION_SHEET_MAX_ROWS

    def may_upload(self, actor) -> bool:
        return can_upload(actor)

    def new_batch(self, actor) -> ImportBatch:
        return ImportBatch(kind=self.kind, organization=actor.organization, created_by=actor)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        audit(self.events[event], actor=actor, request=request, target=batch, organization=batch.organization,
              **detail)


class InventoryImport(InstitutionSheetImport):
    kind = ImportBatch.Kind.INVENTORY
    sheet_format = UploadFormat()
    batches = ModelBatches(inventory_batches)
    events = {"upload": "inventory.upload", "commit": "inventory.upload_commit", "cancel": "inventory.upload_cancel"}
    upload_prefix = "inventory"
    # The plan is kept at validation and applied as it is (a stale one is refused: StalePlan).
    recheck_on_commit = False
    strategies = (PostgresPlan, PortablePlan)

    def unknown_column_message(self) -> str:
        return _("不是盘点结果格式的列,已忽略")

    def refused_uploader_message(self) -> str:
        return _("上传人已无权为本单位导入盘点结果")

    def check(self, job: Job) -> None:
        """Every row streamed and checked a chunk at a time, the plan written as it goes
        (inventory.upload.check), held open until `keep_plan` keeps it."""
        job.plan = job.hold(upload_plan.PlanWriter())
        upload_check.check_file(job, job.plan)

    def keep_plan(self, job: Job) -> None:
        job.plan.save_to(upload_plan.plan_name(job.batch))

    def apply(self, job: Job) -> dict:
        counts = job.batch.counts
        planned = counts.get("new", 0) + counts.get("updated", 0)
        if planned and counts.get("plan_version") != upload_plan.PLAN_VERSION:
            # Validated by an earlier release, whose plan lines lack their review states.
            raise StalePlan(_("预览是按旧规则生成的,已按最新规则重新校验,请查看新的预览后再确认导入"))
        counts = super().apply(job)
        if "industry_codes" in job.batch.counts.get("fields", []) and counts["new"] + counts["updated"]:
            # The file's 所属产业 override the automatic industries of those patents: a follow-up task.
            batch_id = job.batch.pk
            transaction.on_commit(lambda: enqueue_follow_up(INDUSTRY_OVERRIDES_TASK, batch_id))
        return counts

    def discard(self, batch: ImportBatch) -> None:
        upload_plan.delete_plan(batch)
        upload_stage.drop(batch.pk)

    def committing_message(self, batch: ImportBatch) -> str:
        return _("正在写入 %(n)d 条盘点记录") % {"n": batch.counts.get("new", 0) + batch.counts.get("updated", 0)}


INVENTORY = register(InventoryImport())
