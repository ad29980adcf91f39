"""The upload's plan staged in PostgreSQL during validation (inventory.upload.stage), the database
worker that does it beside the parsing (ground.db_worker), and the two ways validation reads
the records (all at once or a chunk at a time).

The staged history is SQL; the portable path's is Python (upload_plan.planned_changes): the tests hold
them to the same result, and the commit to the staged one.
"""

import json
import threading

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from accounts.departments import rename_department
from accounts.models import Department
from ground import imports
from ground.imports import pipeline
from inventory.models import ImportBatch, InventoryChange, InventoryRecord
from inventory.upload import check as upload_check
from inventory.upload import plan as upload_plan
from inventory.upload import stage as upload_stage
from inventory.upload.importer import INVENTORY

from .test_inventory_upload import good_row, run, snapshot, xlsx_bytes

Status = ImportBatch.Status
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                     reason="the staging table is PostgreSQL's (SQLite commits from the plan file)")




def two_rows(world) -> bytes:
    """A first inventory (pending record) and a change to an inventoried one."""
    return xlsx_bytes([
        good_row(world.patents["bj_moe_private"], **{"意向价格(万元)": "12.5"}),
        good_row(world.patents["bj_moe_library"], 是否入库="不入库", 备注="不再推广"),
    ])


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0] is not None


def staged(batch: ImportBatch) -> dict[int, dict]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, changes FROM "{upload_stage.table_name(batch.pk)}"')
        return {record_id: json.loads(changes) for record_id, changes in cursor.fetchall()}


def expected_changes(batch: ImportBatch) -> dict[int, dict]:
    """The history each plan line would get from the portable (Python) path, records as they are now."""
    fields = batch.counts["fields"]
    lines = upload_plan.plan_page(batch, 0, 1000)
    current = {values["id"]: values for values in InventoryRecord.objects.filter(pk__in=[line["id"] for line in lines])
               .values("id", "status", "in_library", "review_state", *fields)}
    return {line["id"]: upload_plan.planned_changes(fields, current[line["id"]], line) for line in lines}


def committed_changes(batch: ImportBatch) -> dict[int, dict]:
    return dict(InventoryChange.objects.filter(batch=batch).values_list("record_id", "changes"))


# --- the staged history ---------------------------------------------------------------------------


@postgresql_only
def test_validation_stages_the_history_and_the_commit_writes_it(world, bj):
    batch = run(bj, two_rows(world))
    assert batch.status == Status.VALIDATED and batch.counts["new"] == 1 and batch.counts["updated"] == 1
    expected = expected_changes(batch)
    assert staged(batch) == expected
    # A first inventory records every filled field from blank, and the pending → inventoried step.
    first = expected[InventoryRecord.objects.get(patent=world.patents["bj_moe_private"]).pk]
    assert first["status"] == ["pending", "inventoried"] and first["asking_price"] == [None, "12.50"]
    assert first["intents"] == [[], ["transfer", "license"]]

    imports.commit(INVENTORY, actor=bj, batch=batch)
    assert committed_changes(batch) == expected
    assert not table_exists(upload_stage.table_name(batch.pk))


@postgresql_only
@pytest.mark.parametrize("lost", ["dropped", "emptied"])
def test_commit_rebuilds_a_lost_stage_from_the_plan_file(world, bj, lost):
    """A crash empties unlogged tables; the nightly cleanup drops old ones: the plan file remains."""
    batch = run(bj, two_rows(world))
    expected = expected_changes(batch)
    with connection.cursor() as cursor:
        table = upload_stage.table_name(batch.pk)
        cursor.execute(f'DROP TABLE "{table}"' if lost == "dropped" else f'TRUNCATE "{table}"')
    batch = imports.commit(INVENTORY, actor=bj, batch=batch)
    assert batch.status == Status.COMMITTED and (batch.counts["new"], batch.counts["updated"]) == (1, 1)
    assert committed_changes(batch) == expected
    assert not table_exists(table)


@postgresql_only
def test_cancel_and_failure_drop_the_stage(world, bj, django_capture_on_commit_callbacks):
    batch = run(bj, two_rows(world))
    with django_capture_on_commit_callbacks(execute=True):
        imports.cancel(INVENTORY, actor=bj, batch=batch)
    assert not table_exists(upload_stage.table_name(batch.pk))
    batch = run(bj, two_rows(world))
    pipeline.fail(INVENTORY, batch, "测试")
    assert not table_exists(upload_stage.table_name(batch.pk))


def test_commit_refused_when_a_record_changed_after_validation(world, bj):
    """The staged history holds only for records unchanged since validation: the commit checks it
    (on PostgreSQL in the UPDATE itself) and writes nothing, history included."""
    batch = run(bj, two_rows(world))
    InventoryRecord.objects.filter(patent=world.patents["bj_moe_library"]).update(
        remarks="在线修改", updated_at=timezone.now())
    before = snapshot()
    with pytest.raises(imports.StalePlan, match="1 条盘点记录被修改过"):
        imports.commit(INVENTORY, actor=bj, batch=batch)
    assert snapshot() == before


def test_renaming_a_department_makes_a_validated_upload_stale(world, bj):
    """The rename rewrites the records' 所属二级单位: a plan read before it would undo it."""
    department, _ = Department.objects.get_or_create(organization=bj.organization, name="计算机学院")
    InventoryRecord.objects.filter(patent=world.patents["bj_moe_library"]).update(
        department="计算机学院", department_unit=department)
    batch = run(bj, two_rows(world))
    rename_department(actor=bj, department=department, name="计算机科学与技术学院")
    with pytest.raises(imports.StalePlan):
        imports.commit(INVENTORY, actor=bj, batch=batch)


def test_history_follows_its_record_when_deleted(world, bj):
    """No database constraint on the history's record link (an upload writes 100,000 at once): the
    ORM's cascade removes a deleted record's history."""
    batch = imports.commit(INVENTORY, actor=bj, batch=run(bj, two_rows(world)))
    record = InventoryRecord.objects.get(patent=world.patents["bj_moe_private"])
    assert InventoryChange.objects.filter(record=record).exists()
    record.delete()
    assert not InventoryChange.objects.filter(record_id=record.pk).exists()
    assert InventoryChange.objects.filter(batch=batch).count() == 1


# --- the nightly cleanup ------------------------------------------------------------------------------


def other_session():
    """A second connection to the test database (it sees only committed rows; locks are shared)."""
    settings = connection.settings_dict
    other = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
                             host=settings["HOST"] or None, port=settings["PORT"] or None)
    other.autocommit = True
    return other


@postgresql_only
def test_drop_abandoned_keeps_recent_validated_stages_and_those_being_filled(world, bj):
    recent, old, committed, filling = (run(bj, two_rows(world)) for _ in range(4))
    ImportBatch.objects.filter(pk=old.pk).update(validated_at=timezone.now() - timezone.timedelta(days=9))
    # Committed elsewhere, its table left behind (a commit drops its own).
    ImportBatch.objects.filter(pk=committed.pk).update(status=Status.COMMITTED)
    ImportBatch.objects.filter(pk=filling.pk).update(status=Status.VALIDATING)
    with connection.cursor() as cursor:  # the table of a batch that is gone
        cursor.execute(f'CREATE TABLE "{upload_stage.table_name(999999)}" (id int)')
    holder = other_session()
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [upload_stage.LOCK_CLASS, filling.pk])
        dropped = upload_stage.drop_abandoned(keep_days=7)
    finally:
        holder.close()
    assert sorted(dropped) == sorted([old.pk, committed.pk, 999999])
    assert table_exists(upload_stage.table_name(recent.pk)) and table_exists(upload_stage.table_name(filling.pk))
    assert not table_exists(upload_stage.table_name(old.pk))


def test_drop_abandoned_is_a_nightly_task(db):
    from inventory.tasks import drop_abandoned_upload_stages_task

    assert drop_abandoned_upload_stages_task() == []


# --- reading the records: all at once or by chunk -----------------------------------------------


def test_reading_all_records_or_a_chunk_at_a_time_agree(world, bj, monkeypatch):
    rows = [
        good_row(world.patents["bj_moe_private"]),
        good_row(world.patents["bj_moe_library"], 备注="改"),
        good_row(world.patents["gd_private"]),  # another institution's
        good_row(world.patents["co_owned"], 专利名称="另一个名称"),  # a title warning
    ]
    unknown = good_row(world.patents["bj_moe_private"])
    unknown["申请号"] = "CN201910999999.X"
    content = xlsx_bytes([*rows, unknown])
    monkeypatch.setattr(upload_check, "LOOKUP_CHUNK", 2)
    monkeypatch.setattr(upload_check, "DIFF_CHUNK", 2)
    outcomes = []
    for share, read_all in ((0.0, True), (10.0**9, False)):
        monkeypatch.setattr(upload_check, "READ_ALL_SHARE", share)
        reads = []
        real = upload_check._records_by_number
        monkeypatch.setattr(upload_check, "_records_by_number",
                            lambda *args, real=real, reads=reads: reads.append(real(*args)) or reads[-1])
        batch = run(bj, content)
        assert (reads[0] is not None) == read_all
        outcomes.append((batch.counts, batch.errors, upload_plan.plan_page(batch, 0, 100)))
        imports.cancel(INVENTORY, actor=bj, batch=batch)
    assert outcomes[0] == outcomes[1]
    counts, errors, _plan = outcomes[0]
    assert (counts["new"], counts["updated"], counts["rejected"]) == (2, 1, 2)
    assert {e["message"] for e in errors if e["level"] == "warning"} >= {
        f"与基础库中的专利名称“{world.patents['co_owned'].title}”不一致,以基础库为准"}


# --- the database worker, outside a transaction -------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_worker_thread_reads_and_stages(world, bj, monkeypatch):
    """As in production (a Celery task): on PostgreSQL the records are read and the plan staged by
    the worker thread, on its own connection, while this thread parses; the result is the same."""
    threads: set[str] = set()
    real_fetch = upload_check._ChunkChecker.fetch

    def fetch(self, *numbers):
        threads.add(threading.current_thread().name)
        return real_fetch(self, *numbers)

    monkeypatch.setattr(upload_check._ChunkChecker, "fetch", fetch)
    batch = imports.validate(INVENTORY, imports.stage(INVENTORY, actor=bj, file=_as_upload(two_rows(world))).pk)
    assert batch.status == Status.VALIDATED
    if connection.vendor == "postgresql":
        assert threads and all(name.startswith("upload-read") for name in threads)
        expected = expected_changes(batch)
        assert staged(batch) == expected
    else:
        assert threads == {threading.main_thread().name}  # SQLite: in turn, on one connection
        expected = expected_changes(batch)
    batch = imports.commit(INVENTORY, actor=bj, batch=batch)
    assert committed_changes(batch) == expected


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_stage_fails_the_validation_and_leaves_nothing(world, bj, monkeypatch):
    def broken(self, text):
        raise RuntimeError("disk full")

    monkeypatch.setattr(upload_stage.PlanStage, "load", broken)
    batch = imports.stage(INVENTORY, actor=bj, file=_as_upload(two_rows(world)))
    imports.validate(INVENTORY, batch.pk)  # the exception logged, the batch failed with a message
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "内部错误" in batch.failure
    assert not table_exists(upload_stage.table_name(batch.pk))
    holder = other_session()  # the batch's lock went with the worker's connection
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [upload_stage.LOCK_CLASS, batch.pk])
            assert cursor.fetchone()[0]
    finally:
        holder.close()


def _as_upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("盘点结果.xlsx", content)
