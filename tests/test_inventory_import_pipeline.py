"""What the one import pipeline (ground.imports) does for the inventory upload, beside what
tests/test_inventory_upload.py checks through the pages and the steps: the format registered in
every process, the tasks of every import run by kind, a validation refused as a whole, the plan
writer held for the step, the plan dropped with a failed batch, and the strategy per database.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from ground import imports
from ground.imports import Job, pipeline
from ground.imports.tasks import commit_batch, validate_batch
from inventory.models import ImportBatch, InventoryChange, InventoryRecord
from inventory.upload import check as upload_check
from inventory.upload import plan as upload_plan
from inventory.upload.importer import INVENTORY
from inventory.upload.strategies import PortablePlan, PostgresPlan

from .test_inventory_upload import as_upload, good_row, run, snapshot, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
Status = ImportBatch.Status




def test_the_formats_are_registered_in_a_fresh_process():
    """A Celery worker imports no views: the apps register their formats when ready."""
    code = ("import django; django.setup(); from ground.imports import importer_for; "
            "print(*(importer_for(kind).kind for kind in "
            "('inventory', 'conversions', 'base_library', 'concordance', 'allocation')))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "patentnavi.settings"}
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == ["inventory", "conversions", "base_library", "concordance", "allocation"]
    assert imports.importer_for(ImportBatch.Kind.INVENTORY) is INVENTORY


def test_the_validate_task_runs_by_kind(world, bj):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(xlsx_bytes([good_row(world.patents["bj_moe_private"])])))
    assert validate_batch(INVENTORY.kind, batch.pk) == Status.VALIDATED
    batch.refresh_from_db()
    assert batch.counts["new"] == 1 and batch.counts["fields"]
    assert batch.counts["review_moves"] == {"draft>submitted": 1}


def test_a_refused_commit_task_returns_the_batch_to_validated(world, bj):
    rows = [good_row(world.patents["bj_moe_private"]), good_row(world.patents["bj_moe_library"], 技术成熟度="x")]
    batch = run(bj, xlsx_bytes(rows))
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING)
    before = snapshot()
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk, True) == "refused"
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and "全部或不导入" in batch.failure
    assert snapshot() == before


def test_a_stale_plan_in_the_commit_task_is_validated_again(world, bj):
    patent = world.patents["bj_moe_private"]
    batch = run(bj, xlsx_bytes([good_row(patent, 备注="来自文件")]))
    InventoryRecord.objects.filter(patent=patent).update(remarks="在线修改", updated_at=timezone.now())
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING)
    before = snapshot()
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "revalidated"
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and "重新校验" in batch.failure and batch.counts["new"] == 1


def test_a_commit_task_without_its_batch_or_actor_does_nothing(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    assert commit_batch(INVENTORY.kind, 999999, bj.pk) == "missing"
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING)
    bj.is_active = False
    bj.save(update_fields=["is_active"])
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "refused"
    assert not InventoryChange.objects.exists()
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and "已停用" in batch.failure


def test_a_file_gone_from_the_storage_fails_the_validation(world, bj):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(xlsx_bytes([good_row(world.patents["bj_moe_private"])])))
    default_storage.delete(batch.file.name)
    batch = imports.validate(INVENTORY, batch.pk)
    assert batch.status == Status.FAILED and "已不存在" in batch.failure


@pytest.mark.parametrize("change", ["deactivated", "moved"])
def test_an_uploader_no_longer_allowed_fails_the_validation(world, bj, change):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(xlsx_bytes([good_row(world.patents["bj_moe_private"])])))
    if change == "deactivated":
        bj.is_active = False
    else:
        bj.organization = world.orgs["inst_gd_local"]
    bj.save()
    batch = imports.validate(INVENTORY, batch.pk)
    assert batch.status == Status.FAILED and batch.failure == "上传人已无权为本单位导入盘点结果"


def test_the_plan_writer_is_closed_however_the_validation_ends(world, bj, monkeypatch):
    closed = []
    real_exit = upload_plan.PlanWriter.__exit__

    def exit_(self, *exc):
        closed.append(self)
        return real_exit(self, *exc)

    monkeypatch.setattr(upload_plan.PlanWriter, "__exit__", exit_)
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    assert run(bj, content).status == Status.VALIDATED and len(closed) == 1

    def broken(*args):
        raise RuntimeError("broken check")

    monkeypatch.setattr(upload_check, "_check_sheet", broken)
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(content))
    batch = imports.validate(INVENTORY, batch.pk)  # the exception logged, the batch failed with a message
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "内部错误" in batch.failure and len(closed) == 2


def test_a_failed_or_cancelled_batch_drops_its_plan(world, bj, django_capture_on_commit_callbacks):
    content = xlsx_bytes([good_row(world.patents["bj_moe_private"])])
    batch = run(bj, content)
    assert default_storage.exists(upload_plan.plan_name(batch))
    pipeline.fail(INVENTORY, batch, "测试")
    assert not default_storage.exists(upload_plan.plan_name(batch))
    batch = run(bj, content)
    with django_capture_on_commit_callbacks(execute=True):
        imports.cancel(INVENTORY, actor=bj, batch=batch)
    assert not default_storage.exists(upload_plan.plan_name(batch))


def test_the_strategy_is_the_database_s(world, bj):
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"])]))
    strategy = Job(INVENTORY, batch, bj, committing=True).strategy()
    assert type(strategy) is (PostgresPlan if connection.vendor == "postgresql" else PortablePlan)
    assert strategy.job.batch == batch
