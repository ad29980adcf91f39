"""The allocation sheet as a format of the one import pipeline (ground.imports): uploads wait in
the cache (CachedBatches), never on disk; any error blocks the commit; the commit checks the sheet
again in its transaction."""

from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.allocation.format import UPLOAD_CACHE_SECONDS, AllocationFormat
from accounts.allocation.preview import AllocationError, AllocationPreview, preview_of
from accounts.allocation.sheets import build_result_sheet
from accounts.allocation.writing import AllocationResult, write_accounts
from accounts.audit import record
from accounts.models import User
from accounts.roles import loads_platform_data
from ground import imports
from ground.imports import BatchStatus, CachedBatch, CachedBatches, Job, SheetImport, register
from ground.sheets import SheetError, SheetFormat, open_sheet
from ground.sheets.reader import RawSheet
from ground.uploads import UploadError

# 单位类型: the listed values only (no synonyms are listed in the standard).

class AllocationImport(SheetImport):
    """The allocation sheet, a format of the one import pipeline (ground.imports). Its uploads wait
    in the cache, never on disk (the rows carry people's phones and e-mails); any error blocks the
    commit; the commit checks the sheet again in its transaction."""

    kind = "allocation"
    batches = CachedBatches("allocation", timeout=UPLOAD_CACHE_SECONDS)
    events = {"upload": "account.allocation_upload", "commit": "account.allocate",
              "cancel": "account.allocation_cancel"}
    partial = False
    system_uploads = True

    @property
    def sheet_format(self) -> "AllocationFormat":
        return AllocationFormat()  # its Directory caches the database's organisations: one per run

    def may_upload(self, actor) -> bool:
        return loads_platform_data(actor)

    def new_batch(self, actor) -> CachedBatch:
        return CachedBatch(kind=self.kind, original_name="", content=b"",
                           created_by_id=actor.pk if actor is not None else None)

    def record(self, event: str, *, actor, request, batch, **detail) -> None:
        record(self.events[event], actor=actor, request=request, **detail)

    def open_sheet(self, path: Path, original_name: str, fmt: SheetFormat) -> RawSheet:
        return open_sheet(path, original_name, fmt.present_headers)

    def unknown_column_message(self) -> str:
        return _("不是账号分配表的列,已忽略")

    def check(self, job: Job) -> None:
        preview = job.plan = preview_of(job)
        outcome = job.outcome
        outcome.total = len(preview.rows)
        for row in preview.rows:
            outcome.problems.extend([*row.errors, *row.warnings])
            if row.errors:
                outcome.rejected_rows.add(row.row_number)
            if row.errors or row.warnings:
                outcome.problem_raw[row.row_number] = row.raw
        outcome.new, outcome.unchanged = preview.new_accounts, preview.unchanged
        outcome.extra["new_organizations"] = preview.new_organizations

    def apply(self, job: Job) -> dict:
        """The organisations and accounts created; the result sheet, with the one-time passwords,
        kept on the batch for its uploader once the transaction commits."""
        preview = job.plan
        try:
            with transaction.atomic():
                rows = write_accounts(preview, actor=job.actor, request=job.request)
        except IntegrityError:
            # Someone else created the same organisation or username between the check and the write.
            raise UploadError(_("保存时与平台中同时新增的单位或账号冲突,未写入任何数据;请重新上传以查看冲突")) from None
        result = AllocationResult(preview.original_name, rows, preview.warnings, build_result_sheet(rows))
        self.batches.update(job.batch, result=result)  # read only once the batch is committed
        job.plan = result
        return {"created_organizations": len(result.created_organizations),
                "created_accounts": len(result.created_accounts), "unchanged": len(result.unchanged)}

    def commit_audit(self, job: Job, counts: dict) -> dict:
        # One summary event for the upload; each organisation and account has its own event too.
        return {"file": job.batch.original_name, "rows": len(job.plan.rows),
                "created_organizations": counts["created_organizations"],
                "created_accounts": counts["created_accounts"], "unchanged": counts["unchanged"]}


ALLOCATION = register(AllocationImport())


def _stage_path(path: Path, original_name: str, actor: User | None) -> CachedBatch:
    with path.open("rb") as handle:
        return imports.stage(ALLOCATION, actor=actor, file=File(handle, name=original_name))


def preview_allocation(path: str | Path, original_name: str, *, actor: User | None = None) -> AllocationPreview:
    """The preview of a sheet on disk (the command's dry run, the preview page's table), as the
    pipeline's validation reads it; problems with the file as a whole are in `file_errors`."""
    batch = CachedBatch(kind=ALLOCATION.kind, original_name=original_name, content=b"",
                        created_by_id=actor.pk if actor is not None else None)
    job = Job(ALLOCATION, batch, actor, path=Path(path))
    try:
        preview = preview_of(job)
    except SheetError as error:
        preview = AllocationPreview(original_name=original_name)
        preview.file_errors.append(str(error))
        return preview
    if not preview.rows:
        preview.file_errors.append(
            _("文件“%(name)s”的表头(第 %(row)d 行)下没有数据行") % {"name": original_name, "row": preview.header_row}
        )
    return preview


def preview_batch(batch: CachedBatch, actor: User | None) -> AllocationPreview:
    """The preview of a cached upload, checked against the database as it is now."""
    with ALLOCATION.batches.local_path(batch) as path:
        return preview_allocation(path, batch.original_name, actor=actor)


def allocate_accounts(*, actor: User | None, path: str | Path, original_name: str, request=None) -> AllocationResult:
    """Create the organisations and admin accounts of a sheet on disk, in one transaction, through
    the pipeline (the command's path; the pages stage the upload themselves).

    If any row has an error nothing is written and AllocationError (holding every error) is
    raised. New accounts get a one-time password they must change at first login; the passwords
    appear only in `result.sheet`. Rows already allocated are reported as unchanged.
    """
    path = Path(path)
    try:
        batch = _stage_path(path, original_name, actor)
    except UploadError as error:
        preview = AllocationPreview(original_name=original_name)
        preview.file_errors.append(str(error))
        raise AllocationError(preview) from None
    return committed_result(batch, actor=actor, request=request)


def committed_result(batch: CachedBatch, *, actor: User | None, request=None) -> AllocationResult:
    """Validate and commit a staged upload; its result, or AllocationError with the preview."""
    try:
        batch = imports.commit_if_clean(ALLOCATION, actor=actor, batch=batch, request=request)
    except UploadError as error:
        preview = preview_batch(batch, actor)
        preview.file_errors.append(str(error))
        raise AllocationError(preview) from None
    if batch.status != BatchStatus.COMMITTED:
        preview = preview_batch(batch, actor)
        if batch.status == BatchStatus.FAILED and batch.failure not in preview.file_errors:
            preview.file_errors.append(batch.failure)
        raise AllocationError(preview)
    return ALLOCATION.batches.get(batch.pk).result
