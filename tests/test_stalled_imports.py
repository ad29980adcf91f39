"""No stuck work in the import pipeline (ground.imports): a broker down when a step is queued, a
worker that died on a batch, a batch that stopped moving; every batch ends committed once or
failed with a Chinese message. The same with a real worker, Redis and PostgreSQL, killed and cut,
is in tests/test_import_faults.py."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from ground import imports
from ground.imports import deliveries, sweeper
from ground.imports.tasks import commit_batch, sweep_stalled_batches, validate_batch
from ground.tasks import QueueUnavailable, enqueue
from inventory.models import ImportBatch, InventoryChange
from inventory.upload import check as upload_check
from inventory.upload.importer import INVENTORY
from patentnavi.celery import app

from .test_inventory_upload import as_upload, good_row, run, snapshot, xlsx_bytes

Status = ImportBatch.Status
# A port nothing listens on: connecting is refused at once, as with a stopped Redis.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def _reset_pools() -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def dead_broker():
    """Tasks go to a broker that is down (the production path: not run in-process)."""
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=DEAD_BROKER, task_always_eager=False)
    _reset_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_pools()


@pytest.fixture
def queued(settings):
    """Every inventory upload validated and committed by a task."""
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 0


def _content(world) -> bytes:
    return xlsx_bytes([good_row(world.patents["bj_moe_private"])])


def _age(batch, minutes: float) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        last_progress_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_enqueue_fails_fast_with_the_broker_down(dead_broker):
    started = time.monotonic()
    with pytest.raises(QueueUnavailable):
        enqueue("patentnavi.ping")
    assert time.monotonic() - started < 10


def test_a_broker_down_at_upload_leaves_the_batch_kept_and_retryable(world, bj, dead_broker, queued, settings):
    started = time.monotonic()
    batch = run(bj, _content(world))
    assert time.monotonic() - started < 10
    assert batch.status == Status.UPLOADED and "任务队列" in batch.failure
    # The broker back, the sweeper queues it once the stall period passed.
    app.conf.update(task_always_eager=True)
    assert sweeper.sweep()["requeued"] == []  # not stalled yet
    _age(batch, settings.IMPORT_STALL_MINUTES + 1)
    assert sweeper.sweep()["requeued"] == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and batch.failure == "" and batch.counts["new"] == 1


def test_the_upload_page_says_the_queue_is_down(world, bj, client, dead_broker, queued):
    client.force_login(bj)
    response = client.post(reverse("inventory:upload_new"), {"file": as_upload(_content(world))})
    assert response.status_code == 302
    batch = ImportBatch.objects.order_by("-pk").first()
    page = client.get(reverse("inventory:upload_status", args=[batch.pk])).content.decode()
    assert "任务队列" in page and "hx-trigger" not in page  # says what happened, stops polling
    assert reverse("inventory:upload_retry", args=[batch.pk]) in page


def test_retry_queues_a_kept_upload_again(world, bj, client, dead_broker, queued):
    batch = run(bj, _content(world))
    assert batch.status == Status.UPLOADED
    app.conf.update(task_always_eager=True)
    client.force_login(bj)
    assert client.post(reverse("inventory:upload_retry", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED


def test_a_broker_down_at_commit_writes_nothing_and_says_so(world, bj, queued):
    batch = run(bj, _content(world))
    assert batch.status == Status.VALIDATED
    before = snapshot()
    saved = app.conf.broker_url
    app.conf.update(broker_url=DEAD_BROKER, task_always_eager=False)
    _reset_pools()
    try:
        with pytest.raises(imports.pipeline.UploadError, match="任务队列"):
            imports.request_commit(INVENTORY, actor=bj, batch=batch)
    finally:
        app.conf.update(broker_url=saved, task_always_eager=True)
        _reset_pools()
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and "任务队列" in batch.failure
    assert snapshot() == before
    assert imports.request_commit(INVENTORY, actor=bj, batch=batch).status == Status.COMMITTED


def test_each_start_is_counted_before_the_work(world, bj, monkeypatch):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(_content(world)))
    seen = []
    real = upload_check._check_sheet

    def check(*args, **kwargs):
        seen.append(ImportBatch.objects.get(pk=batch.pk).delivery_attempts)
        return real(*args, **kwargs)

    monkeypatch.setattr(upload_check, "_check_sheet", check)
    assert validate_batch(INVENTORY.kind, batch.pk) == Status.VALIDATED
    assert seen == [1]


def test_a_step_whose_workers_died_twice_is_not_run_again(world, bj, monkeypatch):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(_content(world)))
    # Two workers started on it and died (the count is kept before the work, the status stayed).
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.VALIDATING, delivery_attempts=2)
    monkeypatch.setattr(upload_check, "_check_sheet", lambda *a, **k: pytest.fail("the file was read again"))
    assert validate_batch(INVENTORY.kind, batch.pk) == "failed"
    batch.refresh_from_db()
    assert batch.status == Status.FAILED
    assert batch.failure == "文件处理时工作进程两次异常退出,已停止处理,请检查文件或联系平台"


def test_a_commit_whose_workers_died_twice_writes_nothing(world, bj, queued):
    batch = run(bj, _content(world))
    before = snapshot()
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING, delivery_attempts=2,
                                                   commit_requested_by=bj)
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "failed"
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "两次异常退出" in batch.failure
    assert snapshot() == before


def test_a_message_delivered_again_after_the_step_leaves_the_batch(world, bj, monkeypatch):
    batch = run(bj, _content(world))
    assert batch.status == Status.VALIDATED
    monkeypatch.setattr(upload_check, "_check_sheet", lambda *a, **k: pytest.fail("validated twice"))
    assert validate_batch(INVENTORY.kind, batch.pk) == Status.VALIDATED
    # A commit message for a batch not committing (refused, or not confirmed) writes nothing.
    before = snapshot()
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == Status.VALIDATED
    assert snapshot() == before


def test_a_commit_task_failing_unexpectedly_leaves_the_batch_to_confirm_again(world, bj, queued, monkeypatch):
    batch = run(bj, _content(world))
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING, commit_requested_by=bj)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("server closed the connection unexpectedly")

    monkeypatch.setattr(INVENTORY, "apply", broken)
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "refused"
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED and "没有写入任何数据" in batch.failure
    assert "RuntimeError" not in batch.failure and snapshot() == before


def test_the_sweeper_queues_a_stalled_commit_again_and_it_commits_once(world, bj, queued, settings):
    batch = run(bj, _content(world))
    # Confirmed, then the worker was killed whole: the batch waits as committing, its message lost.
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING, commit_requested_by=bj,
                                                   delivery_attempts=1)
    _age(batch, settings.IMPORT_STALL_MINUTES + 1)
    assert sweep_stalled_batches() == {"requeued": [batch.pk], "failed": [], "busy": []}
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTED and InventoryChange.objects.filter(batch=batch).count() == 1
    _age(batch, settings.IMPORT_STALL_MINUTES + 1)
    assert sweep_stalled_batches() == {"requeued": [], "failed": [], "busy": []}
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == Status.COMMITTED
    assert InventoryChange.objects.filter(batch=batch).count() == 1


def test_the_sweeper_fails_a_batch_past_its_starts(world, bj, settings):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(_content(world)))
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.VALIDATING,
                                                   delivery_attempts=settings.IMPORT_MAX_DELIVERIES + 1)
    _age(batch, settings.IMPORT_STALL_MINUTES + 1)
    assert sweeper.sweep()["failed"] == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "已停止处理" in batch.failure


def test_a_batch_still_moving_is_left_alone(world, bj, settings):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(_content(world)))
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.VALIDATING)
    assert sweeper.sweep() == {"requeued": [], "failed": [], "busy": []}
    # Every change of progress moves the time.
    _age(batch, settings.IMPORT_STALL_MINUTES + 1)
    INVENTORY.batches.update(batch, progress=50, progress_message="已校验 10 行")
    assert sweeper.sweep() == {"requeued": [], "failed": [], "busy": []}


def test_a_claimed_batch_is_busy(world, bj, settings, monkeypatch):
    batch = imports.stage(INVENTORY, actor=bj, file=as_upload(_content(world)))
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.COMMITTING, commit_requested_by=bj)
    _age(batch, settings.IMPORT_STALL_MINUTES + 1)
    monkeypatch.setattr(deliveries, "claim", _held)
    assert sweeper.sweep()["busy"] == [batch.pk]
    assert commit_batch(INVENTORY.kind, batch.pk, bj.pk) == "busy"
    batch.refresh_from_db()
    assert batch.status == Status.COMMITTING and batch.delivery_attempts == 0


class _held:
    """A claim another live process holds."""

    def __init__(self, batch_id):
        pass

    def __enter__(self):
        return False

    def __exit__(self, *exc):
        return False


def test_the_settings_bring_a_lost_task_back_within_minutes():
    assert app.conf.beat_schedule["imports-sweep-stalled-batches"]["task"] == sweeper.SWEEP_TASK
    assert app.conf.broker_transport_options["visibility_timeout"] <= 15 * 60
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss
    assert app.conf.broker_connection_retry_on_startup
    assert app.conf.task_publish_retry_policy["max_retries"] <= 3


def test_files_of_failed_and_cancelled_uploads_are_removed_after_the_retention(world, bj, client, settings):
    from django.core.files.storage import default_storage

    from inventory.tasks import remove_expired_upload_files_task

    failed = imports.stage(INVENTORY, actor=bj, file=as_upload(b"not a sheet at all", "坏文件.xlsx"))
    failed = imports.start_validation(INVENTORY, failed)
    cancelled = run(bj, _content(world))
    imports.cancel(INVENTORY, actor=bj, batch=cancelled)
    kept = run(bj, _content(world))  # validated, waiting for a confirmation
    batches = [failed, cancelled, kept]
    for batch in batches:
        batch.refresh_from_db()
    assert failed.status == Status.FAILED and all(default_storage.exists(b.file.name) for b in batches)
    assert remove_expired_upload_files_task() == []  # not old enough
    old = timezone.now() - dt.timedelta(days=settings.UPLOAD_REJECTED_KEEP_DAYS + 1)
    ImportBatch.objects.filter(pk__in=[b.pk for b in batches]).update(created_at=old)
    assert sorted(remove_expired_upload_files_task()) == sorted([failed.pk, cancelled.pk])
    assert not default_storage.exists(failed.file.name) and not default_storage.exists(cancelled.file.name)
    assert default_storage.exists(kept.file.name)
    failed.refresh_from_db()
    assert failed.file_removed_at is not None and failed.failure  # the row and its reason stay
    client.force_login(bj)
    page = client.get(reverse("inventory:upload_detail", args=[failed.pk])).content.decode()
    assert "按保留期删除" in page
    assert remove_expired_upload_files_task() == []  # once
    assert app.conf.beat_schedule["inventory-remove-expired-upload-files"]["task"] == \
        "inventory.remove_expired_upload_files"
