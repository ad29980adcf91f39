"""The tamper-evident audit log (等保2.0 安全审计: 审计记录的保护, 审计覆盖).

The events are append-only in the application and, on PostgreSQL, in the database (a trigger);
each carries the hash of the one before it and `verify_audit_chain` names the first broken link;
the actor's id and name outlive the account; nothing younger than 180 days is removed, older events
are archived to a signed file; refused accesses, reads of personal data and bulk API reads are
recorded.
"""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import record
from accounts.audit_chain import append, verify
from accounts.audit_hash import event_hash
from accounts.audit_rows import actor_name
from accounts.models import AuditArchive, AuditEvent, User
from inventory.models import InventoryRecord

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only"
)
TABLE = "accounts_auditevent"


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def tamper(sql: str, params: list) -> None:
    """Alter the table behind the application's back: on PostgreSQL as a superuser who switches the
    trigger off for this test's transaction."""
    if connection.vendor == "postgresql":
        raw(f"ALTER TABLE {TABLE} DISABLE TRIGGER accounts_auditevent_append_only")
    raw(sql, params)
    if connection.vendor == "postgresql":
        raw(f"ALTER TABLE {TABLE} ENABLE TRIGGER accounts_auditevent_append_only")


def verify_output() -> str:
    from io import StringIO
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


def old_event(days: int, action: str = "auth.login", **fields) -> AuditEvent:
    return append(at=timezone.now() - timedelta(days=days), action=action, actor_username="someone", **fields)


# --- protection -------------------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db
def test_control_audit_protection_database_refuses_update_and_delete():
    event = record("auth.login", username="zhang")
    for sql in (f"UPDATE {TABLE} SET action = 'auth.logout' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql, [event.pk])
    # The archive's permission removes old events only: a young one stays even with it.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("SELECT set_config('patentnavi.audit_archive', 'on', true)")
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    # Nor does the archive's permission let anyone edit an old event.
    old = old_event(400)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("SELECT set_config('patentnavi.audit_archive', 'on', true)")
        raw(f"UPDATE {TABLE} SET action = 'auth.logout' WHERE id = %s", [old.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.login"
    assert AuditEvent.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_control_audit_protection_application_refuses_editing():
    event = record("auth.login", username="zhang")
    event.action = "auth.logout"
    with pytest.raises(PermissionError):
        event.save(_allow_update=True)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="auth.logout")
    with pytest.raises(PermissionError):  # unchained rows
        AuditEvent.objects.bulk_create([AuditEvent(action="auth.login")])
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.login"
    assert AuditEvent.objects.count() == 1


# --- the chain --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_control_audit_integrity_each_event_carries_the_previous_hash():
    first = record("auth.login", username="zhang", note={"b": 1, "a": (1, 2)})
    second = record("auth.logout", username="zhang")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == "" and len(first.hash) == 64
    assert second.prev_hash == first.hash
    # The stored row hashes to its stored hash (what the database returns is what was hashed).
    row = AuditEvent.objects.values().get(pk=second.pk)
    assert event_hash(row) == second.hash


@pytest.mark.django_db
def test_control_audit_integrity_verify_names_the_first_broken_event():
    events = [record("auth.login", username=f"user{i}") for i in range(4)]
    assert "audit chain OK: 4 events" in verify_output()

    tamper(f"UPDATE {TABLE} SET actor_username = 'someone_else' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=rf"BROKEN at event id={events[1].pk} .*altered"):
        call_command("verify_audit_chain")


@pytest.mark.django_db
def test_control_audit_integrity_verify_names_a_removed_event():
    events = [record("auth.login", username=f"user{i}") for i in range(4)]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=rf"BROKEN at event id={events[3].pk} .*missing"):
        call_command("verify_audit_chain")


@pytest.mark.django_db
def test_control_audit_integrity_verify_names_removed_oldest_events():
    events = [record("auth.login", username=f"user{i}") for i in range(3)]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError, match=rf"BROKEN at event id={events[1].pk} "):
        call_command("verify_audit_chain")


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite lets one writer at a time: appends are serialised by its database lock")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_control_audit_integrity_concurrent_appends_keep_one_chain():
    errors: list[Exception] = []
    start = threading.Barrier(3)

    def append_many(name: str) -> None:
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    record("auth.login", username=f"{name}{i}")
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_many, args=(f"t{n}-",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    count, broken = verify()
    assert broken is None
    assert count == 45
    assert sorted(AuditEvent.objects.values_list("sequence", flat=True)) == list(range(1, 46))


# --- the actor --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_control_audit_actor_kept_when_the_account_is_deleted(world, login):
    zhang = User.objects.create(username="zhang_san", full_name="张三", organization=world.orgs["inst_bj_moe"])
    pk = zhang.pk
    event = record("auth.login", actor=zhang)
    zhang.delete()

    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_id, kept.actor_username, kept.actor_name) == (pk, "zhang_san", "张三")
    assert actor_name(kept) == "张三(zhang_san)（账号已删除）"
    assert "audit chain OK" in verify_output()
    page = login(world.user("auditor")).get(reverse("accounts:audit_log"))
    assert page.status_code == 200
    assert "张三(zhang_san)" in page.content.decode()


# --- retention and archive --------------------------------------------------------------------------


@pytest.mark.django_db
def test_control_audit_retention_nothing_younger_than_180_days_is_archived(tmp_path, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # a setting under the floor does not lower it
    old_event(100)
    day = (timezone.localdate() - timedelta(days=90)).isoformat()
    with pytest.raises(CommandError, match="180 days"):
        call_command("archive_audit", before=day, out=str(tmp_path / "audit.jsonl"))
    assert AuditEvent.objects.count() == 1
    assert not (tmp_path / "audit.jsonl").exists()


@pytest.mark.django_db
def test_control_audit_retention_old_events_archived_to_a_signed_file(tmp_path):
    old = [old_event(500 - i, target_type="accounts.user", target_id=str(i)) for i in range(3)]
    kept = [old_event(170), record("auth.login", username="recent")]
    out = tmp_path / "audit-2025.jsonl"
    day = (timezone.localdate() - timedelta(days=200)).isoformat()

    call_command("archive_audit", before=day, out=str(out))

    assert sorted(AuditEvent.objects.values_list("pk", flat=True)) == sorted(e.pk for e in kept)
    lines = out.read_text().splitlines()
    assert [int(line.split('"id":')[1].split(",")[0]) for line in lines] == [e.pk for e in old]
    assert Path(f"{out}.sig").read_text().strip()
    archive = AuditArchive.objects.get()
    assert (archive.count, archive.first_sequence, archive.last_sequence) == (3, 1, 3)
    # The chain still holds: the first remaining event follows the last archived one.
    assert "audit chain OK: 2 events" in verify_output()
    # And verifies against its signature.
    from io import StringIO
    answer = StringIO()
    call_command("archive_audit", verify=str(out), stdout=answer)
    assert "archive OK: 3 events" in answer.getvalue()

    out.write_text(out.read_text().replace('"someone"', '"nobody"', 1))
    with pytest.raises(CommandError, match="NOT valid"):
        call_command("archive_audit", verify=str(out))


@pytest.mark.django_db
def test_control_audit_retention_archive_refuses_a_broken_chain(tmp_path):
    events = [old_event(400), old_event(300), record("auth.login", username="recent")]
    tamper(f"UPDATE {TABLE} SET actor_username = 'x' WHERE id = %s", [events[0].pk])
    day = (timezone.localdate() - timedelta(days=200)).isoformat()
    with pytest.raises(CommandError, match=f"broken at event {events[0].pk}"):
        call_command("archive_audit", before=day, out=str(tmp_path / "a.jsonl"))
    assert AuditEvent.objects.count() == 3


# --- what is recorded -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_control_audit_coverage_refused_access_recorded(world, login):
    member = world.user("expert")
    client = login(member)
    assert client.get(reverse("accounts:audit_log"), {"q": "13800138000"}).status_code == 403
    assert client.get("/api/v1/library/").status_code == 403

    events = list(AuditEvent.objects.filter(action="access.denied").order_by("id"))
    assert [(e.detail["path"], e.detail["method"]) for e in events] == [
        (reverse("accounts:audit_log"), "GET"), ("/api/v1/library/", "GET"),
    ]
    assert all(e.actor_id == member.pk for e in events)
    assert "13800138000" not in str(events[0].detail)


@pytest.mark.django_db
def test_control_audit_coverage_personal_data_reads_recorded(world, login, bj):
    client = login(bj)
    patent = world.patents["bj_moe_private"]
    page = client.get(reverse("inventory:patent_detail", args=[patent.pk]))
    assert page.status_code == 200
    phone = patent.inventory.contact_phone
    assert phone in page.content.decode()
    members = client.get(reverse("accounts:members"))
    assert members.status_code == 200
    api = client.get(f"/api/v1/inventory-records/{patent.inventory.pk}/")
    assert api.json()["contact_phone"] == phone

    events = list(AuditEvent.objects.filter(action="access.personal_data", actor=bj).order_by("id"))
    assert [e.detail["path"] for e in events] == [
        reverse("inventory:patent_detail", args=[patent.pk]), reverse("accounts:members"),
        f"/api/v1/inventory-records/{patent.inventory.pk}/",
    ]
    assert events[0].detail["objects"] == {"inventory.inventoryrecord": 1}
    shown = User.objects.filter(organization=bj.organization).exclude(phone="", email="").count()
    assert events[1].detail["objects"] == {"accounts.user": shown}
    assert phone not in str([e.detail for e in events])
    # The audit administrator reads what was read, in words.
    log = login(world.user("auditor")).get(reverse("accounts:audit_log"), {"action": "access.personal_data"})
    text = log.content.decode()
    assert "查看个人信息" in text
    assert f"{InventoryRecord._meta.verbose_name}:1" in text and f"{User._meta.verbose_name}:{shown}" in text


@pytest.mark.django_db
def test_control_audit_coverage_masked_reads_not_recorded_as_personal(world, login):
    # A library reader from another organisation sees the contact masked: no personal read.
    client = login(world.user("ent_bj_soe_admin"))
    patent = world.patents["bj_moe_library"]
    assert client.get(reverse("inventory:library_detail", args=[patent.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="access.personal_data").exists()


@pytest.mark.django_db
def test_control_audit_coverage_bulk_api_reads_recorded(world, login, bj, settings):
    client = login(bj)
    records = client.get("/api/v1/inventory-records/", {"page_size": 500}).json()["results"]
    assert len(records) >= 2
    assert not AuditEvent.objects.filter(action="access.bulk_read").exists()  # under the threshold

    settings.API_BULK_READ_THRESHOLD = 1
    client.get("/api/v1/inventory-records/", {"page_size": 500})
    event = AuditEvent.objects.get(action="access.bulk_read")
    assert (event.actor_id, event.detail["path"], event.detail["count"]) == (bj.pk, "/api/v1/inventory-records/",
                                                                             len(records))
    assert event.detail["objects"] == {"inventory.inventoryrecord": len(records)}
