"""Every upload kept as a batch (inventory results, conversion records, the base library) is stored by
one function, `ground.uploads.store_upload`: all or nothing, after the one size check
(`ground.uploads.check_upload_size`); the base library's batch is filed under the platform organisation."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import platform_organization
from ground.uploads import UploadError, check_upload_size
from inventory.models import ImportBatch

# (page, uploader, kind, audit action)
UPLOADS = {
    "base_library": ("inventory:base_library", "operator", ImportBatch.Kind.BASE_LIBRARY,
                     "inventory.base_library_upload"),
    "inventory": ("inventory:upload_new", "inst_bj_moe_admin", ImportBatch.Kind.INVENTORY, "inventory.upload"),
    "conversions": ("inventory:conversion_upload", "inst_bj_moe_admin", ImportBatch.Kind.CONVERSIONS,
                    "conversion.upload"),
}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _new_files(root: Path, before: list[Path]) -> list[Path]:
    """Files written since `before` (the world's own files, reports and attachments, are there already)."""
    return sorted(set(_files(root)) - set(before))


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("上传.csv", "申请号,专利名称\n".encode())


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_a_failure_while_storing_leaves_no_batch_and_no_file(world, client, media, monkeypatch, kind):
    """The audit event fails after the file is written and the batch row saved: neither is left."""
    page, username, _kind, _action = UPLOADS[kind]
    client.force_login(world.user(username))

    def fail(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    before = set(ImportBatch.objects.values_list("pk", flat=True))
    existing = _files(media)
    monkeypatch.setattr(AuditEvent.objects, "create", fail)
    with pytest.raises(RuntimeError):
        client.post(reverse(page), {"file": _upload()})
    monkeypatch.undo()
    assert set(ImportBatch.objects.values_list("pk", flat=True)) == before
    assert _new_files(media, existing) == []


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_each_upload_is_kept_with_its_digest_and_one_audit_event(world, client, media, kind, monkeypatch):
    page, username, batch_kind, action = UPLOADS[kind]
    client.force_login(world.user(username))
    before = set(ImportBatch.objects.values_list("pk", flat=True))
    existing = _files(media)
    response = client.post(reverse(page), {"file": _upload()})
    assert response.status_code == 302
    batch = ImportBatch.objects.exclude(pk__in=before).get()
    assert batch.kind == batch_kind
    owner = platform_organization() if batch_kind == ImportBatch.Kind.BASE_LIBRARY else world.orgs["inst_bj_moe"]
    assert batch.organization == owner and batch.original_name == "上传.csv" and len(batch.sha256) == 64
    assert len(_new_files(media, existing)) == 1
    event = AuditEvent.objects.get(action=action)
    assert event.target_id == str(batch.pk) and event.detail["sha256"] == batch.sha256


def test_one_size_check(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UploadError, match="文件是空的"):
        check_upload_size(0)
    check_upload_size(1024)
    with pytest.raises(UploadError, match=r"超过上限 0\.0 MB,请拆分后分批上传"):
        check_upload_size(1025)
    with pytest.raises(UploadError, match="import_base_library"):
        check_upload_size(1025, too_large="文件大小 %(size).1f MB 超过上限 %(limit).0f MB;请用命令 import_base_library")
