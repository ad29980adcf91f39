"""The institution's standard-format upload (盘点结果, DATA-STANDARD.md §3).

    batch = stage_upload(actor=user, file=uploaded)       # kept: file, sha256, audit event
    batch = start_validation(batch)                       # inline when small, a Celery task when large
    ... the person reads the preview (counts, changes, every error) ...
    batch = request_commit(actor=user, batch=batch)       # or cancel_batch(actor=user, batch=batch)

Validation (inventory.upload.check) checks every row against the database a chunk at a time and
keeps a *plan* (inventory.upload.plan): the new values of each record that would change, and the
rows with problems for the error report (ground.imports.problems). On PostgreSQL the plan is also
staged, with each record's history entry, in a table of the batch (inventory.upload.stage) while
the file is read. The commit applies the plan in one transaction: on PostgreSQL one INSERT … SELECT
of the staged history and one UPDATE … FROM that re-checks scope and freshness; elsewhere
bulk_create and bulk_update after an aggregate check. One audit event. A batch already committed is
never applied again, so a re-delivered task changes nothing; records changed between preview and
commit make the plan stale, and the batch is validated again before anything is written.
"""

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Department, User
from accounts.roles import Role, role_of
from ground.imports import ModelBatches
from ground.imports import problems as upload_errors
from ground.sheets import SheetError
from ground.sheets.reader import estimate_rows
from ground.sheets.template import write_template
from ground.tasks import enqueue
from ground.uploads import UploadError, store_upload
from inventory.choices import InventoryStatus, ReviewState
from inventory.models import ImportBatch, InventoryChange, InventoryRecord
from inventory.records import RECORD_FIELDS, InventoryFormat, cell_value, history, resolve_departments
from inventory.upload import check as upload_check
from inventory.upload import plan as upload_plan
from inventory.upload import stage as upload_stage

# The tasks that run this module's work in a worker (inventory/tasks.py registers them by these names).
VALIDATE_TASK = "inventory.validate_inventory_batch"
COMMIT_TASK = "inventory.commit_inventory_batch"
INDUSTRY_OVERRIDES_TASK = "inventory.apply_industry_overrides"

logger = logging.getLogger(__name__)

Status = ImportBatch.Status


# --- staging --------------------------------------------------------------------------------------


def visible_creators(user, batches) -> set[int]:
    """Ids of the uploaders the user may see (an account is shown only within the account scope:
    a member sees their own uploads' author, not their colleagues'); one query."""
    ids = {batch.created_by_id for batch in batches if batch.created_by_id}
    if not ids:
        return set()
    return set(User.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def inventory_batches():
    """The batches of this pipeline; callers scope them with visible_to / editable_by."""
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.INVENTORY)


BATCHES = ModelBatches(inventory_batches)


def can_upload(user) -> bool:
    """Standard-format uploads (inventory results, conversion records) are made by institutions,
    for their own patents."""
    return role_of(user) == Role.INSTITUTION


def stage_upload(*, actor, file, request=None) -> ImportBatch:
    """Keep the uploaded file as a new inventory ImportBatch (status uploaded), with its sha256.

    Refuses (UploadError) an empty file or one over settings.UPLOAD_MAX_BYTES before storing
    anything; every other file is kept, and validation says what is wrong with it.
    """
    if not can_upload(actor):
        raise PermissionDenied
    batch = ImportBatch(kind=ImportBatch.Kind.INVENTORY, organization=actor.organization, created_by=actor)
    return store_upload(batch, file, prefix="inventory", audit=lambda batch, **detail: record(
        "inventory.upload", actor=actor, request=request, target=batch, organization=batch.organization,
        **detail))


def start_validation(batch: ImportBatch) -> ImportBatch:
    """Validate inline when the file is small, else hand it to a Celery task (the page polls).

    Called outside any transaction: the task must find the committed batch.
    """
    with local_path(batch) as path:
        rows = estimate_rows(path, batch.original_name)
    if rows > settings.IMPORT_ASYNC_ROW_THRESHOLD:
        _set(batch, status=Status.VALIDATING, progress=0, total_rows=rows,
             progress_message=_("排队等待校验(约 %(n)d 行)") % {"n": rows})
        result = enqueue(VALIDATE_TASK, batch.pk)
        ImportBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=result.id or "")
    else:
        validate_batch(batch.pk, estimated_rows=rows)
    batch.refresh_from_db()
    return batch


def validate_batch(batch_id: int, *, estimated_rows: int | None = None) -> ImportBatch:
    """Check every row of the batch's file and keep the plan; the batch becomes validated (or failed).

    Idempotent: a batch being committed, committed or cancelled is left as it is.
    """
    batch = ImportBatch.objects.select_related("created_by", "organization").get(pk=batch_id)
    if batch.status in {Status.COMMITTING, Status.COMMITTED, Status.CANCELLED}:
        return batch
    actor = batch.created_by
    if actor is None or not can_upload(actor) or actor.organization_id != batch.organization_id:
        return _fail(batch, _("上传人已无权为本单位导入盘点结果"))
    progress = upload_check.Progress(batch)
    # Records changed after this moment make the plan stale: the commit then validates again.
    started = timezone.now()
    _set(batch, status=Status.VALIDATING, progress=1, progress_message=_("正在读取文件"))
    try:
        with local_path(batch) as path, upload_plan.PlanWriter() as plan:
            if estimated_rows is None:
                estimated_rows = estimate_rows(path, batch.original_name)
            outcome = upload_check.check_file(path, batch, actor, progress, estimated_rows or 1, plan)
            if outcome.total == 0:
                return _fail(batch, _("文件中没有数据行(表头下方都是空行)"))
            plan.save_to(upload_plan.plan_name(batch))
            outcome.problems.sort(key=lambda p: (p.row, p.level != "error"))
            batch.errors = [upload_errors.problem_dict(p) for p in outcome.problems]
            upload_errors.drop_report(batch, BATCHES)
            if outcome.problems:
                upload_errors.save_problem_rows(batch, outcome)
                if len(outcome.problem_raw) > upload_errors.REPORT_EAGER_ABOVE:
                    # A long report is written now (in the task) rather than when first downloaded.
                    progress(97, _("正在生成错误报告"), force=True)
                    upload_errors.ensure_error_report(batch, BATCHES)
    except SheetError as error:
        return _fail(batch, str(error))
    except Exception:
        logger.exception("validating import batch %s failed", batch_id)
        _fail(batch, _("校验时发生内部错误,请联系平台运营人员"))
        raise
    done = ImportBatch.objects.filter(pk=batch.pk, status=Status.VALIDATING).update(
        status=Status.VALIDATED,
        progress=100,
        progress_message="",
        total_rows=outcome.total,
        counts=outcome.counts(),
        errors=batch.errors,
        failure="",
        validated_at=started,
    )
    if not done:  # cancelled while it was being validated: the plan goes with it
        _drop_plan(batch)
    batch.refresh_from_db()
    return batch


# --- commit ---------------------------------------------------------------------------------------


class StalePlan(UploadError):
    """Records of the plan changed after the validation: the preview no longer holds."""

def request_commit(*, actor, batch: ImportBatch, all_or_nothing: bool = False, request=None) -> ImportBatch:
    """Commit inline when the plan is small, else as a Celery task (the page polls). A plan gone
    stale is validated again, and the person asked to confirm the new preview."""
    batch = _committable(actor, batch)
    _refuse_if_not_committable(batch, all_or_nothing)
    changes = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    if changes > settings.IMPORT_ASYNC_ROW_THRESHOLD and batch.status != Status.COMMITTED:
        _set(batch, status=Status.COMMITTING, progress=0, all_or_nothing=all_or_nothing, failure="",
             progress_message=_("正在写入 %(n)d 条盘点记录") % {"n": changes})
        enqueue(COMMIT_TASK, batch.pk, actor.pk, all_or_nothing)
        batch.refresh_from_db()
        return batch
    try:
        return commit_batch(actor=actor, batch=batch, all_or_nothing=all_or_nothing, request=request)
    except StalePlan as error:
        revalidate(batch)
        raise UploadError(str(error)) from None


def revalidate(batch: ImportBatch) -> ImportBatch:
    """Validate the batch's file again (its plan went stale)."""
    _set(batch, status=Status.UPLOADED)
    return start_validation(batch)


def _committable(actor, batch: ImportBatch) -> ImportBatch:
    """The batch re-read within the actor's scope; out of scope is ImportBatch.DoesNotExist (a 404)."""
    return inventory_batches().editable_by(actor).select_related("organization").get(pk=batch.pk)


def _refuse_if_not_committable(batch: ImportBatch, all_or_nothing: bool) -> None:
    if batch.status not in {Status.VALIDATED, Status.COMMITTING, Status.COMMITTED}:
        raise UploadError(_("该批次的状态是“%(status)s”,不能导入") % {"status": batch.get_status_display()})
    rejected = batch.counts.get("rejected", 0)
    if all_or_nothing and rejected and batch.status != Status.COMMITTED:
        raise UploadError(
            _("已选择“全部或不导入”:文件中有 %(n)d 行错误,没有写入任何数据。请修正后重新上传,或选择只导入正确的行。")
            % {"n": rejected}
        )


def commit_batch(*, actor, batch: ImportBatch, all_or_nothing: bool = False, request=None) -> ImportBatch:
    """Apply the validated plan in one transaction. Idempotent: a committed batch is returned as it is.

    Raises UploadError (nothing written) when the file has bad rows and all_or_nothing is asked,
    when planned records left the actor's scope, or (StalePlan) when they changed since validation.
    """
    with transaction.atomic():
        batch = _committable(actor, batch)
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == Status.COMMITTED:
            return batch
        _refuse_if_not_committable(batch, all_or_nothing)
        now = timezone.now()
        if connection.vendor == "postgresql":
            new, updated = _apply_postgresql(actor, batch, now)
        else:
            new, updated = _apply_portable(actor, batch, now)
        if "industry_codes" in batch.counts.get("fields", []) and new + updated:
            # The file's 所属产业 override the automatic industries of those patents: a follow-up task.
            transaction.on_commit(lambda: enqueue(INDUSTRY_OVERRIDES_TASK, batch.pk))
        counts = {**batch.counts, "new": new, "updated": updated}
        batch.status = Status.COMMITTED
        batch.all_or_nothing = all_or_nothing
        batch.counts = counts
        batch.committed_at = now
        batch.progress = 100
        batch.progress_message = ""
        batch.failure = ""
        batch.save(update_fields=["status", "all_or_nothing", "counts", "committed_at", "progress",
                                  "progress_message", "failure"])
        record(
            "inventory.upload_commit", actor=actor, request=request, target=batch, organization=batch.organization,
            after={"new": new, "updated": updated, "unchanged": counts.get("unchanged", 0),
                   "rejected": counts.get("rejected", 0)},
            file=batch.original_name, all_or_nothing=all_or_nothing,
        )
        transaction.on_commit(lambda: _drop_plan(batch))
    return batch


def _check_scope_and_freshness(actor, batch: ImportBatch, planned: int, ids) -> None:
    """The scope, re-checked in aggregate, and the plan's freshness; `ids` is a queryset or list of ids."""
    editable = InventoryRecord.objects.editable_by(actor).filter(pk__in=ids)
    since = _validated_at(batch)
    found = editable.aggregate(in_scope=Count("pk"), stale=Count("pk", filter=Q(updated_at__gt=since)))
    in_scope, stale = found["in_scope"], found["stale"]
    if in_scope != planned:
        raise UploadError(
            _("有 %(n)d 条专利已不在本单位可编辑的范围内(权利人或盘点单位已变更),没有写入任何数据,请重新上传")
            % {"n": planned - in_scope}
        )
    if stale:
        raise StalePlan(
            _("校验之后有 %(n)d 条盘点记录被修改过,预览已失效:已按最新数据重新校验,请查看新的预览后再确认导入")
            % {"n": stale}
        )


class _NotAllWritten(Exception):
    """Some planned records were out of scope or changed: the commit's savepoint is rolled back."""

def _validated_at(batch: ImportBatch):
    """When the plan was read: records changed after it make the plan stale."""
    return batch.validated_at or timezone.now()


def _apply_postgresql(actor, batch: ImportBatch, now) -> tuple[int, int]:
    """From the batch's staging table (inventory.upload.stage; rebuilt from the plan file when it
    is gone): the staged history with one INSERT … SELECT, then the records with one UPDATE … FROM
    that also checks scope and freshness; the table is dropped with the commit."""
    fields = batch.counts.get("fields", [])
    state = batch.counts.get("review_state", ReviewState.APPROVED)
    if state not in ReviewState.values:
        raise UploadError(_("预览数据已损坏,请重新上传"))
    stage = upload_stage.PlanStage(batch.pk, fields, state)
    model = [InventoryRecord._meta.get_field(name) for name in fields]
    records = InventoryRecord._meta.db_table
    history_table = InventoryChange._meta.db_table
    expected = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    with connection.cursor() as cursor:
        counts = stage.counts(cursor)
        if counts is None or counts[0] != expected:  # emptied by a crash, or dropped by the cleanup
            with upload_plan.plan_file(batch) as plan:
                stage.rebuild(cursor, plan)
            counts = stage.counts(cursor)
        planned, new = counts
        table = f'"{stage.table}"'
        if not planned:
            cursor.execute(f"DROP TABLE {table}")
            return 0, 0
        cursor.execute(
            f'INSERT INTO "{history_table}" (record_id, changed_at, changed_by_id, source, batch_id, changes) '
            f"SELECT id, %s, %s, %s, %s, changes FROM {table} ORDER BY row_number",
            [now, actor.pk, InventoryChange.Source.UPLOAD.value, batch.pk],
        )
        assignments = "".join(f'"{f.column}" = p."{f.column}", ' for f in model)
        source = f"{table} AS p"
        if "department" in fields:
            # The departments the file names, created once; each record linked in the same UPDATE.
            departments = Department._meta.db_table
            cursor.execute(
                f'INSERT INTO "{departments}" (organization_id, name, created_at) '
                f"SELECT DISTINCT %s, p.department, %s FROM {table} AS p WHERE p.department <> '' "
                "ON CONFLICT (organization_id, name) DO NOTHING",
                [batch.organization_id, now],
            )
            source += (f' LEFT JOIN "{departments}" AS d ON d.organization_id = {int(batch.organization_id)} '
                       "AND d.name = p.department")
            assignments += "department_unit_id = d.id, "
        # Scope and freshness in the same statement: only records the actor may still edit and that
        # nobody changed since validation are written; if any planned one is not, the specific reason
        # is found and the whole transaction (the history above included) rolled back.
        editable, editable_params = InventoryRecord.objects.editable_by(actor).values("pk").query.sql_with_params()
        try:
            with transaction.atomic():  # a savepoint: the reason is looked for in the records as they were
                cursor.execute(
                    f'UPDATE "{records}" AS r SET {assignments}in_library = p.in_library, status = %s, '
                    f"inventoried_at = %s, updated_at = %s, updated_by_id = %s, review_state = %s, "
                    f"return_reason = '', listing_score = p.listing_score FROM {source} "
                    f"WHERE r.id = p.id AND r.updated_at <= %s AND r.id IN ({editable})",
                    [InventoryStatus.INVENTORIED.value, now, now, actor.pk, state, _validated_at(batch),
                     *editable_params],
                )
                written = cursor.rowcount
                if written != planned:
                    raise _NotAllWritten
        except _NotAllWritten:
            _check_scope_and_freshness(actor, batch, planned, RawSQL(f"SELECT id FROM {table}", []))
            raise StalePlan(  # a record changed between the two statements; the check names the usual reasons
                _("校验之后有 %(n)d 条盘点记录被修改过,预览已失效:已按最新数据重新校验,请查看新的预览后再确认导入")
                % {"n": planned - written}
            ) from None
        cursor.execute(f"DROP TABLE {table}")
    return new, planned - new


def _apply_portable(actor, batch: ImportBatch, now) -> tuple[int, int]:
    """Other databases (SQLite: demo and tests): the plan in chunks, bulk_update and bulk_create."""
    fields = batch.counts.get("fields", [])
    total = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
    lines = upload_plan.plan_page(batch, 0, total)
    if not lines:
        return 0, 0
    for part in upload_check.chunks([line["id"] for line in lines], upload_check.LOOKUP_CHUNK):
        _check_scope_and_freshness(actor, batch, len(part), part)
    editable = InventoryRecord.objects.editable_by(actor)
    new = 0
    for part in upload_check.chunks(lines, upload_check.LOOKUP_CHUNK):
        current = {values["id"]: values for values in editable.filter(pk__in=[line["id"] for line in part])
                   .values("id", *fields, "status", "in_library", "review_state")}
        objects, entries = [], []
        for line in part:
            old = current[line["id"]]
            obj = InventoryRecord(pk=line["id"], status=InventoryStatus.INVENTORIED, inventoried_at=now,
                                  updated_at=now, updated_by=actor, in_library=line["in_library"],
                                  review_state=line["review_state"], return_reason="",
                                  listing_score=line["listing_score"], **line["values"])
            new += old["status"] == InventoryStatus.PENDING
            objects.append(obj)
            entries.append(history.change(record_id=line["id"], changes=upload_plan.planned_changes(fields, old, line),
                                          actor=actor, source=InventoryChange.Source.UPLOAD, batch=batch, at=now))
        history.write_changes(entries)
        InventoryRecord.objects.bulk_update(
            objects, [*fields, "in_library", "status", "inventoried_at", "updated_at", "updated_by", "review_state",
                      "return_reason", "listing_score"], batch_size=500
        )
    if "department" in fields:
        resolve_departments(InventoryRecord.objects.filter(pk__in=[line["id"] for line in lines]))
    return new, len(lines) - new


# --- cancel, failure, helpers -----------------------------------------------------------------------


def cancel_batch(*, actor, batch: ImportBatch, request=None) -> ImportBatch:
    with transaction.atomic():
        batch = inventory_batches().editable_by(actor).select_for_update().get(pk=batch.pk)
        if batch.status not in {Status.UPLOADED, Status.VALIDATING, Status.VALIDATED, Status.FAILED}:
            raise UploadError(_("该批次的状态是“%(status)s”,不能取消") % {"status": batch.get_status_display()})
        batch.status = Status.CANCELLED
        batch.progress_message = ""
        batch.save(update_fields=["status", "progress_message"])
        record("inventory.upload_cancel", actor=actor, request=request, target=batch,
               organization=batch.organization, file=batch.original_name)
        transaction.on_commit(lambda: _drop_plan(batch))
    return batch


def _drop_plan(batch: ImportBatch) -> None:
    upload_plan.delete_plan(batch)
    upload_stage.drop(batch.pk)


def _fail(batch: ImportBatch, message: str) -> ImportBatch:
    _set(batch, status=Status.FAILED, failure=message, progress=100, progress_message="")
    upload_stage.drop(batch.pk)
    return batch


def _set(batch: ImportBatch, **fields) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)


@contextlib.contextmanager
def local_path(batch: ImportBatch) -> Iterator[Path]:
    """A local path to the batch's file (a copy when the storage is not a local folder)."""
    try:
        local = Path(batch.file.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with tempfile.NamedTemporaryFile(suffix=Path(batch.original_name).suffix) as handle:
        with batch.file.open("rb") as source:
            shutil.copyfileobj(source, handle)
        handle.flush()
        yield Path(handle.name)


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
