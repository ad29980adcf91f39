"""How an inventory upload's plan (inventory.upload.plan) is staged and applied: a strategy per
database (ground.imports.strategy), chosen by the job of ground.imports.pipeline.

- `PostgresPlan`: while the file is validated, each chunk of the plan is staged with its history
  entries in the batch's table (inventory.upload.stage); the commit copies the staged history with
  one INSERT … SELECT and writes the records with one UPDATE … FROM that re-checks scope and
  freshness (the table is rebuilt from the plan file when it is gone).
- `PortablePlan` (SQLite: demo and tests): nothing staged; the commit reads the plan file in
  chunks, checks scope and freshness in aggregate, then bulk_create and bulk_update.

Both write the same rows (tests/test_upload_stage.py holds the staged history to the portable one).
Records changed since validation began make the plan stale (ground.imports.StalePlan): nothing is
written, and the batch is validated again.
"""

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department
from ground.imports import Job, StalePlan
from ground.imports.strategy import Strategy
from ground.uploads import UploadError
from inventory.choices import InventoryStatus
from inventory.models import ImportBatch, InventoryChange, InventoryRecord
from inventory.records import history, resolve_departments
from inventory.upload import check as upload_check
from inventory.upload import plan as upload_plan
from inventory.upload import stage as upload_stage


def plan_fields(job: Job) -> list[str]:
    """The file's fields: what validation found (`job.outcome.extra`) while validating, what the
    batch kept (its counts) at commit. (Each plan line carries its own review state.)"""
    found = job.batch.counts if job.committing else job.outcome.extra
    return (found or {}).get("fields", [])


def _stale(n: int) -> StalePlan:
    return StalePlan(
        _("校验之后有 %(n)d 条盘点记录被修改过,预览已失效:已按最新数据重新校验,请查看新的预览后再确认导入")
        % {"n": n}
    )


def _validated_at(batch: ImportBatch):
    """When the plan was read: records changed after it make the plan stale."""
    return batch.validated_at or timezone.now()


def check_scope_and_freshness(actor, batch: ImportBatch, planned: int, ids) -> None:
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
        raise _stale(stale)


class _NotAllWritten(Exception):
    """Some planned records were out of scope or changed: the commit's savepoint is rolled back."""


class PostgresPlan(Strategy):
    """The plan staged in the batch's table during validation (inventory.upload.stage.PlanStage, on
    the validation's stager thread), applied from it in bulk SQL."""

    vendor = "postgresql"

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        self.fields = plan_fields(job)
        # Validation builds the table; the commit makes its own.
        self.table = None if job.committing else upload_stage.PlanStage(job.batch.pk, self.fields)

    def open(self) -> None:
        self.table.open()

    def stage(self, chunk: str) -> None:
        self.table.load(chunk)

    def finish(self) -> None:
        self.table.finish()

    def discard(self) -> None:
        self.table.discard()

    def apply(self) -> dict:
        """From the batch's staging table (rebuilt from the plan file when it is gone): the staged
        history with one INSERT … SELECT, then the records with one UPDATE … FROM that also checks
        scope and freshness; the table is dropped with the commit."""
        job, batch = self.job, self.job.batch
        stage = upload_stage.PlanStage(batch.pk, self.fields)
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
                return {"new": 0, "updated": 0}
            cursor.execute(
                f'INSERT INTO "{InventoryChange._meta.db_table}" '
                "(record_id, changed_at, changed_by_id, source, batch_id, changes) "
                f"SELECT id, %s, %s, %s, %s, changes FROM {table} ORDER BY row_number",
                [job.started, job.actor.pk, InventoryChange.Source.UPLOAD.value, batch.pk],
            )
            self._update(cursor, table, planned)
            cursor.execute(f"DROP TABLE {table}")
        return {"new": new, "updated": planned - new}

    def _update(self, cursor, table: str, planned: int) -> None:
        job, batch, now = self.job, self.job.batch, self.job.started
        model = [InventoryRecord._meta.get_field(name) for name in self.fields]
        assignments = "".join(f'"{f.column}" = p."{f.column}", ' for f in model)
        source = f"{table} AS p"
        if "department" in self.fields:
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
        editable, editable_params = InventoryRecord.objects.editable_by(job.actor).values("pk").query.sql_with_params()
        try:
            with transaction.atomic():  # a savepoint: the reason is looked for in the records as they were
                cursor.execute(
                    f'UPDATE "{InventoryRecord._meta.db_table}" AS r SET {assignments}in_library = p.in_library, '
                    f"status = %s, inventoried_at = %s, updated_at = %s, updated_by_id = %s, "
                    f"review_state = p.review_state, return_reason = '', listing_score = p.listing_score, "
                    "version = r.version + 1 "
                    f"FROM {source} WHERE r.id = p.id AND r.updated_at <= %s AND r.id IN ({editable})",
                    [InventoryStatus.INVENTORIED.value, now, now, job.actor.pk, _validated_at(batch),
                     *editable_params],
                )
                written = cursor.rowcount
                if written != planned:
                    raise _NotAllWritten
        except _NotAllWritten:
            check_scope_and_freshness(job.actor, batch, planned, RawSQL(f"SELECT id FROM {table}", []))
            # A record changed between the two statements; the check names the usual reasons.
            raise _stale(planned - written) from None


class PortablePlan(Strategy):
    """Other databases (SQLite: demo and tests): nothing staged; the plan file applied in chunks with
    bulk_update and bulk_create."""

    def apply(self) -> dict:
        job, batch = self.job, self.job.batch
        fields = plan_fields(job)
        total = batch.counts.get("new", 0) + batch.counts.get("updated", 0)
        lines = upload_plan.plan_page(batch, 0, total)
        if not lines:
            return {"new": 0, "updated": 0}
        for part in upload_check.chunks([line["id"] for line in lines], upload_check.LOOKUP_CHUNK):
            check_scope_and_freshness(job.actor, batch, len(part), part)
        new = sum(self._write(part, fields) for part in upload_check.chunks(lines, upload_check.LOOKUP_CHUNK))
        if "department" in fields:
            resolve_departments(InventoryRecord.objects.filter(pk__in=[line["id"] for line in lines]))
        return {"new": new, "updated": len(lines) - new}

    def _write(self, part: list[dict], fields: list[str]) -> int:
        """One chunk of plan lines written with their history; returns how many were first inventories."""
        job, now = self.job, self.job.started
        editable = InventoryRecord.objects.editable_by(job.actor)
        current = {values["id"]: values for values in editable.filter(pk__in=[line["id"] for line in part])
                   .values("id", *fields, "status", "in_library", "review_state")}
        objects, entries, new = [], [], 0
        for line in part:
            old = current[line["id"]]
            objects.append(InventoryRecord(
                pk=line["id"], status=InventoryStatus.INVENTORIED, inventoried_at=now, updated_at=now,
                updated_by=job.actor, in_library=line["in_library"], review_state=line["review_state"],
                return_reason="", listing_score=line["listing_score"], version=F("version") + 1, **line["values"]))
            new += old["status"] == InventoryStatus.PENDING
            entries.append(history.change(record_id=line["id"], changes=upload_plan.planned_changes(fields, old, line),
                                          actor=job.actor, source=InventoryChange.Source.UPLOAD, batch=job.batch,
                                          at=now))
        history.write_changes(entries)
        InventoryRecord.objects.bulk_update(
            objects, [*fields, "in_library", "status", "inventoried_at", "updated_at", "updated_by", "review_state",
                      "return_reason", "listing_score", "version"], batch_size=500
        )
        return new
