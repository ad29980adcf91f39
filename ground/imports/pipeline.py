"""The one import pipeline of every exchange sheet: keep the file, validate every row (the
preview), then commit all at once, or cancel.

    importer = InventoryImport()                          # a format: a SheetImport subclass
    batch = stage(importer, actor=user, file=upload)      # the file kept, with its audit event
    batch = start_validation(importer, batch)             # inline when small, else a Celery task
    ... the person reads the preview: counts, every problem by row and column, in Chinese ...
    batch = request_commit(importer, actor=user, batch=batch)   # or cancel(importer, ...)

What lives here, once: the batch's states and progress, reading the sheet and checking each
row's cells (ground.sheets), the problems and error report (ground.imports.problems), the commit
in one transaction under the batch's lock, refusing a commit the batch's state or an
all-or-nothing choice does not allow, idempotency (a committed batch is never applied again, so a
re-delivered task changes nothing) and the audit events. What a format declares (`SheetImport`):
its columns and row rules (a SheetFormat), who may upload, how its rows are checked against the
database (`check` / `plan`), how its plan is kept and applied (`keep_plan` / `apply`), and, where
it has one, its PostgreSQL fast path (`ground.imports.strategy`).

Two ways to commit: a small sheet is checked again inside the commit's transaction
(`recheck_on_commit`), so what is written is what the rules allow at that moment; a large one
keeps its plan from validation and applies it, and refuses it (StalePlan) when the records it
covers changed since: the batch is then validated again and the person asked to confirm anew.
"""

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ground.imports import problems as batch_problems
from ground.imports.batches import CANCELLABLE, SETTLED, Batch, BatchStatus, BatchStore, CachedBatches
from ground.imports.outcome import Outcome, Progress
from ground.imports.signals import sheet_committed
from ground.imports.strategy import Strategy, choose
from ground.sheets import CellError, RawSheet, SheetError, SheetFormat, open_sheet
from ground.sheets.formats import ParsedRow, RejectedRow, SheetLayout, iter_rows
from ground.sheets.limits import SheetLimits
from ground.sheets.reader import estimate_rows
from ground.tasks import QueueUnavailable, enqueue
from ground.uploads import UploadError, check_upload_size, store_upload

logger = logging.getLogger(__name__)

# The Celery tasks that run a pipeline's steps in a worker (ground.imports.tasks).
VALIDATE_TASK = "imports.validate_batch"
COMMIT_TASK = "imports.commit_batch"


class StalePlan(UploadError):
    """Records of the plan changed after the validation: the preview no longer holds."""


# The person's messages when a step could not be handed to a worker, or failed unexpectedly.
QUEUE_DOWN_VALIDATION = gettext_lazy(
    "文件已保存,但后台任务队列暂时无法连接,校验尚未开始;系统会自动重试,也可稍后点击“重试”")
QUEUE_DOWN_COMMIT = gettext_lazy("后台任务队列暂时无法连接,没有写入任何数据;请稍后重新确认导入")
COMMIT_ERROR = gettext_lazy("导入时发生内部错误,没有写入任何数据;请稍后重新确认导入,或联系平台运营人员")
VALIDATION_ERROR = gettext_lazy("校验时发生内部错误,请联系平台运营人员")


@dataclass
class Job:
    """One run of validation or commit: the batch, who acts, the file, and what was found."""

    importer: "SheetImport"
    batch: Batch
    actor: Any
    request: Any = None
    outcome: Outcome = field(default_factory=Outcome)
    progress: Progress | None = None
    path: Path | None = None
    estimated_rows: int = 0
    sheet: RawSheet | None = None
    layout: SheetLayout | None = None
    # The format this run reads with (a format may hold per-run lookups: one instance per job).
    format: SheetFormat | None = None
    started: Any = field(default_factory=timezone.now)
    all_or_nothing: bool = False
    committing: bool = False
    # The format's own plan while it is built or applied (a list, a writer, a staging table...).
    plan: Any = None
    # What the format holds open for the step (`hold`), closed when the validation or commit ends.
    resources: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def hold(self, resource: Any) -> Any:
        """Enter `resource` (a context manager) for the rest of this step: it is closed when the
        validation or the commit ends, however it ends. Returns what entering it gives."""
        return self.resources.enter_context(resource)

    def strategy(self) -> Strategy:
        """The format's strategy for the database in use (ground.imports.strategy.choose), for this job."""
        return choose(self.importer.strategies)(self)

    def open_sheet(self) -> RawSheet:
        """Open the file, find its header row and its columns; unknown columns become warnings."""
        importer, outcome = self.importer, self.outcome
        self.format = fmt = importer.sheet_format
        self.sheet = sheet = importer.open_sheet(self.path, self.batch.original_name, fmt)
        self.layout = layout = SheetLayout(sheet, fmt)
        outcome.unknown_columns = list(layout.unknown)
        outcome.header_row = sheet.header_row
        outcome.headers = list(sheet.original_headers)
        outcome.column_index = {column.header: index for index, column in layout.positions}
        for header in layout.unknown:
            outcome.problems.append(CellError(sheet.header_row, header, "", importer.unknown_column_message(),
                                              level="warning"))
        return sheet

    def rows(self) -> Iterator[ParsedRow | RejectedRow]:
        """Each data row, its cells parsed and checked (ground.sheets.formats.iter_rows)."""
        return iter_rows(self.sheet, self.format, self.layout)

    def report(self, percent: float, message: str, *, force: bool = False) -> None:
        if self.progress is not None:
            self.progress(int(percent), message, force=force)


class SheetImport:
    """An exchange format's import. Subclasses set the class attributes and implement `plan` and
    `apply` (or `check` for a sheet too large to hold its rows at once)."""

    kind: str = ""
    sheet_format: SheetFormat
    batches: BatchStore
    # Audit event names: the upload kept, the commit, the cancel.
    events: dict[str, str] = {}
    # Validation and commit run in a Celery task above this many rows; None: always inline.
    async_above: int | None = None
    recheck_on_commit: bool = True
    # Rows with errors may be left out while the good rows are committed; False: any error blocks.
    partial: bool = True
    upload_prefix: str = "upload"
    # The message for a file over the upload limit (ground.uploads.check_upload_size); None: the default.
    too_large: Any = None
    # A management command may load the file without naming an account (actor None): the batch
    # is then the platform's own, validated and committed without a user's scope.
    system_uploads: bool = False
    # How the plan is staged and applied, most specific database first (ground.imports.strategy).
    strategies: tuple[type[Strategy], ...] = ()
    # The most data rows a file of this format may hold, below the platform's SHEET_MAX_ROWS:
    # a file past it is refused before its rows are read. None: SHEET_MAX_ROWS alone.
    max_rows: int | None = None

    # --- who -------------------------------------------------------------------------------------

    def may_upload(self, actor: Any) -> bool:
        raise NotImplementedError

    def new_batch(self, actor: Any) -> Batch:
        """An unsaved batch of this format for `actor`'s upload."""
        raise NotImplementedError

    def record(self, event: str, *, actor: Any, request: Any, batch: Batch, **detail: Any) -> None:
        """Write the audit event `self.events[event]` about `batch` (the app's audit log)."""
        raise NotImplementedError

    # --- reading and checking --------------------------------------------------------------------

    def open_sheet(self, path: Path, original_name: str, fmt: SheetFormat) -> RawSheet:
        return open_sheet(path, original_name, fmt.required_headers, self.sheet_limits())

    def sheet_limits(self) -> SheetLimits:
        """The bounds this format's files are read within: the settings' (SHEET_*), with the
        format's own row limit (`max_rows`) where it is lower."""
        limits = SheetLimits.current()
        if self.max_rows is not None and self.max_rows < limits.max_rows:
            limits = dataclasses.replace(limits, max_rows=self.max_rows)
        return limits

    def unknown_column_message(self) -> str:
        return _("不是%(format)s格式的列,已忽略") % {"format": self.sheet_format.title}

    def refused_uploader_message(self) -> str:
        """Why a validation fails when its uploader may no longer upload for the organisation."""
        return _("上传人已无权为本单位导入该文件")

    def check(self, job: Job) -> None:
        """Every row checked: the cells (rejected rows with every reason), then the good rows
        against the database by `plan`. A format whose sheets are too large to hold overrides it
        and streams."""
        job.open_sheet()
        take = job.outcome.take
        self.plan(job, [item for item in job.rows() if take(item)])

    def plan(self, job: Job, rows: list[ParsedRow]) -> None:
        """The good rows against the database: count them new, updated, unchanged or skipped,
        reject those the database refuses (`job.outcome.reject`), keep what to write in `job.plan`."""
        raise NotImplementedError

    def keep_plan(self, job: Job) -> None:
        """After validation: keep the plan for the commit (formats that do not recheck on commit)."""

    # --- writing ---------------------------------------------------------------------------------

    def apply(self, job: Job) -> dict:
        """Write the plan, inside the commit's transaction; returns the figures the commit reports
        (they update the batch's counts). Raise UploadError (or StalePlan) to write nothing. By
        default the strategy for the database in use applies it (`strategies`)."""
        if not self.strategies:
            raise NotImplementedError
        return job.strategy().apply()

    def commit_audit(self, job: Job, counts: dict) -> dict:
        """The details of the commit's audit event."""
        return {"after": {name: counts.get(name, 0) for name in ("new", "updated", "unchanged", "rejected")},
                "file": job.batch.original_name, "all_or_nothing": job.all_or_nothing}

    def discard(self, batch: Batch) -> None:
        """Drop what the plan left behind (files, staging tables): committed, cancelled or failed."""

    def committing_message(self, batch: Batch) -> str:
        return _("正在写入 %(n)d 行") % {"n": batch.counts.get("new", 0) + batch.counts.get("updated", 0)}


# --- the steps ------------------------------------------------------------------------------------


def stage(importer: SheetImport, *, actor: Any, file: Any, request: Any = None, check_size: bool = True) -> Batch:
    """Keep the uploaded file as a new batch (status uploaded) with its audit event; refuses
    (UploadError) an empty or too large file before storing anything. `check_size=False` (a
    command line, for files of any size) skips the upload limit."""
    if not importer.may_upload(actor):
        raise PermissionDenied
    batch = importer.new_batch(actor)

    def audit(kept: Batch, **detail: Any) -> None:
        importer.record("upload", actor=actor, request=request, batch=kept, **detail)

    if isinstance(importer.batches, CachedBatches):  # the bytes are kept on the batch, in the cache
        check_upload_size(file.size)
        batch.original_name = Path(file.name or "upload").name[:255]
        batch.content = b"".join(file.chunks())
        importer.batches.add(batch)
        audit(batch, file=batch.original_name, size=file.size)
        return batch
    limit = {"too_large": importer.too_large} if importer.too_large else {}
    return store_upload(batch, file, prefix=importer.upload_prefix, audit=audit, check_size=check_size, **limit)


def receive(importer: SheetImport, request: Any, form: Any, *, one_step: bool = False) -> Batch | None:
    """A page's upload: keep the valid form's `file` as a batch and validate it (`one_step`:
    and commit it when no row is rejected, `commit_if_clean`). None when the file is refused,
    the reason then on the form's file field."""
    try:
        batch = stage(importer, actor=request.user, file=form.cleaned_data["file"], request=request)
    except UploadError as error:
        form.add_error("file", str(error))
        return None
    if one_step:
        return commit_if_clean(importer, actor=request.user, batch=batch, request=request)
    return start_validation(importer, batch)


def start_validation(importer: SheetImport, batch: Batch) -> Batch:
    """Validate inline when the file is small, else hand it to a Celery task (the page polls).

    Called outside any transaction: the task must find the committed batch.
    """
    store = importer.batches
    with store.local_path(batch) as path:
        rows = estimate_rows(path, batch.original_name)
    if importer.async_above is not None and rows > importer.async_above:
        store.update(batch, status=BatchStatus.VALIDATING, progress=0, total_rows=rows, failure="",
                     delivery_attempts=0, progress_message=_("排队等待校验(约 %(n)d 行)") % {"n": rows})
        try:
            result = enqueue(VALIDATE_TASK, importer.kind, batch.pk)
        except QueueUnavailable:
            # Kept, not validated: the sweeper queues it again, or the person retries.
            store.update(batch, only_if=frozenset({BatchStatus.VALIDATING}), status=BatchStatus.UPLOADED,
                         failure=str(QUEUE_DOWN_VALIDATION), progress_message="")
            return store.get(batch.pk)
        store.update(batch, task_id=result.id or "")
    else:
        validate(importer, batch.pk, estimated_rows=rows)
    return store.get(batch.pk)


def uploader(batch: Batch) -> Any:
    """The batch's uploader as a user, or None when the account is gone or inactive."""
    if batch.created_by_id is None:
        return None
    return get_user_model().objects.select_related("organization").filter(
        pk=batch.created_by_id, is_active=True).first()


def validate(importer: SheetImport, batch_id: Any, *, estimated_rows: int | None = None,
             on_progress: Callable[[int, str], None] | None = None) -> Batch:
    """Check every row of the batch's file; the batch becomes validated (with its counts and
    problems: the preview) or failed. Idempotent: a batch being committed, committed or cancelled
    is left as it is. `on_progress(percent, message)` also hears the progress kept on the batch
    (a command line prints it)."""
    store = importer.batches
    batch = store.get(batch_id)
    if batch.status in SETTLED:
        return batch
    actor = uploader(batch)
    if batch.created_by_id is None and importer.system_uploads:
        pass  # loaded by a command as the platform
    elif actor is None or not importer.may_upload(actor) or (
            batch.organization_id is not None and actor.organization_id != batch.organization_id):
        return fail(importer, batch, importer.refused_uploader_message())
    job = Job(importer, batch, actor, started=timezone.now())

    def keep_progress(percent: int, message: str) -> None:
        store.update(batch, progress=percent, progress_message=message)
        if on_progress is not None:
            on_progress(percent, message)

    job.progress = Progress(keep_progress)
    store.update(batch, status=BatchStatus.VALIDATING, progress=1, progress_message=_("正在读取文件"))
    try:
        with job.resources:
            _read(job, estimated_rows)
            if job.outcome.total == 0:
                return fail(importer, batch, _("文件中没有数据行(表头下方都是空行)"))
            importer.keep_plan(job)
            errors = _keep_problems(job)
    except SheetError as error:
        return fail(importer, batch, str(error))
    except Exception:
        # Logged with its traceback for the platform; the person reads a message, never the exception.
        logger.exception("validating %s batch %s failed", importer.kind, batch_id)
        return fail(importer, batch, str(VALIDATION_ERROR))
    done = store.update(
        batch, only_if=frozenset({BatchStatus.VALIDATING}), status=BatchStatus.VALIDATED, progress=100,
        progress_message="", total_rows=job.outcome.total, counts=job.outcome.counts(), errors=errors, failure="",
        validated_at=job.started,
    )
    if not done:  # cancelled while it was being validated: the plan goes with it
        importer.discard(batch)
    return store.get(batch.pk)


def _read(job: Job, estimated_rows: int | None) -> None:
    store = job.importer.batches
    if not store.file_exists(job.batch):
        raise SheetError(_("上传的文件已不存在(可能已被清理),请重新上传"))
    with store.local_path(job.batch) as path:
        job.path = path
        job.estimated_rows = estimated_rows or estimate_rows(path, job.batch.original_name) or 1
        job.importer.check(job)
    job.outcome.problems.sort(key=lambda p: (p.row, p.level != "error"))


def _keep_problems(job: Job) -> list[dict]:
    """The problems as the batch keeps them, and the rows with problems for the error report."""
    batch, outcome, store = job.batch, job.outcome, job.importer.batches
    errors = [batch_problems.problem_dict(p) for p in outcome.problems]
    batch_problems.drop_report(batch, store)
    if not outcome.problems:
        return errors
    if not hasattr(batch, "error_report"):
        store.update(batch, problem_rows=batch_problems.problem_rows_payload(outcome))
        return errors
    batch_problems.save_problem_rows(batch, outcome)
    if len(outcome.problem_raw) > batch_problems.REPORT_EAGER_ABOVE:
        # A long report is written now (in the task) rather than when first downloaded.
        job.report(97, _("正在生成错误报告"), force=True)
        batch.errors = errors
        batch_problems.ensure_error_report(batch, store)
    return errors


def revalidate(importer: SheetImport, batch: Batch) -> Batch:
    """Validate the batch's file again (its plan went stale)."""
    importer.batches.update(batch, status=BatchStatus.UPLOADED)
    return start_validation(importer, batch)


def refuse_if_not_committable(importer: SheetImport, batch: Batch, all_or_nothing: bool) -> None:
    if batch.status not in {BatchStatus.VALIDATED, BatchStatus.COMMITTING, BatchStatus.COMMITTED}:
        raise UploadError(_("该批次的状态是“%(status)s”,不能导入") % {"status": BatchStatus(batch.status).label})
    rejected = batch.counts.get("rejected", 0)
    if batch.status == BatchStatus.COMMITTED or not rejected:
        return
    if not importer.partial:
        raise UploadError(_("文件中有 %(n)d 行错误,没有写入任何数据。请修正后重新上传。") % {"n": rejected})
    if all_or_nothing:
        raise UploadError(
            _("已选择“全部或不导入”:文件中有 %(n)d 行错误,没有写入任何数据。请修正后重新上传,或选择只导入正确的行。")
            % {"n": rejected}
        )


def request_commit(importer: SheetImport, *, actor: Any, batch: Batch, all_or_nothing: bool = False,
                   request: Any = None) -> Batch:
    """Commit inline when the plan is small, else as a Celery task (the page polls). A plan gone
    stale is validated again, and the person asked to confirm the new preview."""
    store = importer.batches
    batch = _committable(importer, actor, batch)
    refuse_if_not_committable(importer, batch, all_or_nothing)
    changes = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    if (importer.async_above is not None and changes > importer.async_above
            and batch.status != BatchStatus.COMMITTED):
        store.update(batch, status=BatchStatus.COMMITTING, progress=0, all_or_nothing=all_or_nothing, failure="",
                     delivery_attempts=0, commit_requested_by=actor,
                     progress_message=importer.committing_message(batch))
        try:
            enqueue(COMMIT_TASK, importer.kind, batch.pk, actor.pk, all_or_nothing)
        except QueueUnavailable:
            refuse_commit(importer, batch, str(QUEUE_DOWN_COMMIT))
            raise UploadError(str(QUEUE_DOWN_COMMIT)) from None
        return store.get(batch.pk)
    try:
        return commit_explained(importer, actor=actor, batch=batch, all_or_nothing=all_or_nothing, request=request)
    except StalePlan as error:
        revalidate(importer, batch)
        raise UploadError(str(error)) from None


def commit_explained(importer: SheetImport, *, actor: Any, batch: Batch, all_or_nothing: bool = False,
                     request: Any = None) -> Batch:
    """`commit`, with any failure as an UploadError in Chinese: the transaction was rolled back, so
    nothing was written, and the batch keeps the reason (the exception goes to the log only)."""
    try:
        return commit(importer, actor=actor, batch=batch, all_or_nothing=all_or_nothing, request=request)
    except UploadError:
        raise
    except Exception:
        logger.exception("commit of %s batch %s failed", importer.kind, batch.pk)
        importer.batches.update(batch, failure=str(COMMIT_ERROR))
        raise UploadError(str(COMMIT_ERROR)) from None


def _committable(importer: SheetImport, actor: Any, batch: Batch) -> Batch:
    """The batch re-read within what `actor` may commit or cancel (a command's batch, without an
    account, by the platform itself)."""
    if actor is None and importer.system_uploads and batch.created_by_id is None:
        return importer.batches.get(batch.pk)
    return importer.batches.committable(actor, batch)


def commit_if_clean(importer: SheetImport, *, actor: Any, batch: Batch, request: Any = None) -> Batch:
    """Validate, then commit when no row was rejected: for a table replaced whole in one step (the
    preview is the list of problems when there are any) and for commands."""
    batch = start_validation(importer, batch)
    if batch.status == BatchStatus.VALIDATED and not batch.counts.get("rejected"):
        batch = request_commit(importer, actor=actor, batch=batch, request=request)
    return batch


def commit(importer: SheetImport, *, actor: Any, batch: Batch, all_or_nothing: bool = False,
           request: Any = None) -> Batch:
    """Apply the batch in one transaction. Idempotent: a committed batch is returned as it is.

    Raises UploadError (nothing written) when the batch's state or its rejected rows forbid it,
    when the rows left the actor's scope, or (StalePlan) when they changed since validation.
    """
    store = importer.batches
    with transaction.atomic():
        batch = store.locked(_committable(importer, actor, batch))
        if batch.status == BatchStatus.COMMITTED:
            return batch
        refuse_if_not_committable(importer, batch, all_or_nothing)
        job = Job(importer, batch, actor, request=request, all_or_nothing=all_or_nothing, committing=True)
        fields: dict[str, Any] = {}
        if importer.recheck_on_commit:
            try:
                _read(job, None)
            except SheetError as error:
                raise UploadError(str(error)) from None
            fields = {"total_rows": job.outcome.total, "errors": [batch_problems.problem_dict(p)
                                                                   for p in job.outcome.problems]}
            batch.counts = job.outcome.counts()
            refuse_if_not_committable(importer, batch, all_or_nothing)
        with job.resources:
            counts = {**batch.counts, **importer.apply(job)}
        importer.record("commit", actor=actor, request=request, batch=batch, **importer.commit_audit(job, counts))
        # Last: a batch kept in the cache is not rolled back with the transaction.
        store.update(batch, status=BatchStatus.COMMITTED, all_or_nothing=all_or_nothing, counts=counts,
                     committed_at=job.started, progress=100, progress_message="", failure="", **fields)
        transaction.on_commit(lambda: importer.discard(batch))
        # What follows a commit (a province feed's sync) never fails the commit that stands: robust.
        organization_id = batch.organization_id
        transaction.on_commit(lambda: sheet_committed.send(type(importer), importer=importer,
                                                           organization_id=organization_id, counts=counts),
                              robust=True)
    return store.get(batch.pk)


def retry(importer: SheetImport, *, actor: Any, batch: Batch, request: Any = None) -> Batch:
    """Hand a kept upload whose validation never started (the task queue was down) to validation
    again; refused (UploadError) in any other state."""
    batch = _committable(importer, actor, batch)
    if batch.status != BatchStatus.UPLOADED:
        raise UploadError(_("该批次的状态是“%(status)s”,不能重试") % {"status": BatchStatus(batch.status).label})
    return start_validation(importer, batch)


def cancel(importer: SheetImport, *, actor: Any, batch: Batch, request: Any = None) -> Batch:
    """Cancel a batch not yet committed; its plan is dropped."""
    store = importer.batches
    with transaction.atomic():
        batch = store.locked(_committable(importer, actor, batch))
        if not store.update(batch, only_if=CANCELLABLE, status=BatchStatus.CANCELLED, progress_message=""):
            raise UploadError(_("该批次的状态是“%(status)s”,不能取消") % {"status": BatchStatus(batch.status).label})
        importer.record("cancel", actor=actor, request=request, batch=batch, file=batch.original_name)
        transaction.on_commit(lambda: importer.discard(batch))
    return batch


def fail(importer: SheetImport, batch: Batch, message: str, *, only_if: frozenset[str] | None = None) -> Batch:
    """The batch cannot be read as a whole (or its uploader may no longer upload): failed, with why.
    With `only_if`, only while its status is one of those."""
    if importer.batches.update(batch, only_if=only_if, status=BatchStatus.FAILED, failure=message, progress=100,
                               progress_message=""):
        importer.discard(batch)
    return batch


def refuse_commit(importer: SheetImport, batch: Batch, message: str) -> None:
    """A commit that wrote nothing: a batch still marked committing goes back to validated, with why
    (the person may confirm it again)."""
    importer.batches.update(batch, only_if=frozenset({BatchStatus.COMMITTING}), status=BatchStatus.VALIDATED,
                            failure=message, progress=100, progress_message="")


def async_threshold() -> int:
    """The row count above which a format's validation and commit go to a Celery task."""
    return settings.IMPORT_ASYNC_ROW_THRESHOLD
