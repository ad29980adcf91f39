"""Departments (二级单位): the institution admin manages them and places accounts; a department
admin manages only their department's members; department staff see only their department's
patents; uploads' 所属二级单位 create departments."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import departments
from accounts.members import add_member
from accounts.models import Department, User
from inventory.models import ImportBatch, InventoryRecord, Patent
from inventory.records.departments import resolve_departments


def test_institution_admin_creates_renames_and_lists_with_counts(world, login):
    admin = world.user("inst_bj_moe_admin")
    client = login(admin)
    client.post(reverse("accounts:departments"), {"name": "  材料学院 "})
    created = Department.objects.get(organization=world.orgs["inst_bj_moe"], name="材料学院")
    response = client.post(reverse("accounts:departments"), {"name": "材料学院"}, follow=True)
    assert "已存在" in response.content.decode()

    dept_a = Department.objects.get(name="计算机学院")
    client.post(reverse("accounts:department_rename", args=[dept_a.pk]), {"name": "计算机科学与技术学院"})
    dept_a.refresh_from_db()
    assert dept_a.name == "计算机科学与技术学院"
    # The records' 所属二级单位 text follows the new name.
    assert InventoryRecord.objects.get(patent=world.patents["bj_moe_private"]).department == "计算机科学与技术学院"

    listed = {d.name: (d.member_count, d.record_count) for d in departments.department_list(admin)}
    assert listed == {"计算机科学与技术学院": (2, 1), "机械工程学院": (0, 1), created.name: (0, 0)}
    page = client.get(reverse("accounts:departments")).content.decode()
    assert "计算机科学与技术学院" in page and "机械工程学院" in page


def test_department_admin_sees_own_department_and_manages_nothing_else(world, login):
    dept_admin = world.user("inst_bj_moe_dept_admin")
    assert [d.name for d in departments.department_list(dept_admin)] == ["计算机学院"]
    with pytest.raises(PermissionDenied):
        departments.create_department(actor=dept_admin, name="新学院")
    client = login(dept_admin)
    assert client.post(reverse("accounts:departments"), {"name": "新学院"}).status_code == 403
    dept_b = Department.objects.get(name="机械工程学院")
    assert client.post(reverse("accounts:department_rename", args=[dept_b.pk]), {"name": "x"}).status_code == 403
    assert not Department.objects.filter(name__in=["新学院", "x"]).exists()
    assert login(world.user("inst_bj_moe_member")).get(reverse("accounts:departments")).status_code == 403


def test_department_admin_manages_only_their_department_members(world, login):
    dept_admin = world.user("inst_bj_moe_dept_admin")
    member, _ = add_member(actor=dept_admin, username="cs_teacher", full_name="李老师", is_org_admin=True)
    # A department admin adds plain members to their own department, never admins.
    assert member.department_id == dept_admin.department_id and not member.is_org_admin
    inventor, _ = add_member(actor=dept_admin, username="cs_inventor", full_name="王老师", is_inventor=True)
    assert inventor.is_inventor and inventor.department_id == dept_admin.department_id

    editable = set(User.objects.editable_by(dept_admin).values_list("username", flat=True))
    assert editable == {"cs_teacher", "cs_inventor", "inst_bj_moe_inventor"}
    page = login(dept_admin).get(reverse("accounts:members")).content.decode()
    assert "cs_teacher" in page and "inst_bj_moe_member" not in page
    # Another department's or the institution's accounts are out of reach.
    response = login(dept_admin).post(reverse("accounts:member_deactivate", args=[world.user("inst_bj_moe_member").pk]))
    assert response.status_code == 404


def test_institution_admin_adds_a_department_admin_and_moves_members(world, login):
    admin = world.user("inst_bj_moe_admin")
    dept_b = Department.objects.get(name="机械工程学院")
    client = login(admin)
    response = client.post(reverse("accounts:member_add"), {
        "username": "me_admin", "full_name": "赵主任", "kind": "admin", "department": dept_b.pk})
    assert response.status_code == 200
    me_admin = User.objects.get(username="me_admin")
    refused = client.post(reverse("accounts:member_add"), {"username": "x_admin", "full_name": "钱", "kind": "admin"})
    assert "须选择其管理的二级单位" in refused.content.decode()
    assert not User.objects.filter(username="x_admin").exists()
    assert me_admin.is_org_admin and me_admin.department_id == dept_b.pk
    assert set(Patent.objects.editable_by(me_admin).values_list("pk", flat=True)) == {world.patents["co_owned"].pk}

    member = world.user("inst_bj_moe_member")
    client.post(reverse("accounts:member_department", args=[member.pk]), {"department": dept_b.pk})
    member.refresh_from_db()
    assert member.department_id == dept_b.pk
    assert set(User.objects.visible_to(me_admin).values_list("username", flat=True)) == {"me_admin", member.username}
    client.post(reverse("accounts:member_department", args=[member.pk]), {"department": ""})
    member.refresh_from_db()
    assert member.department_id is None
    with pytest.raises(PermissionDenied):
        departments.set_member_department(actor=world.user("inst_bj_moe_dept_admin"), member=member, department=None)


def test_department_staff_see_only_their_department(world):
    dept_admin = world.user("inst_bj_moe_dept_admin")
    own = Patent.objects.visible_to(dept_admin).filter(inventory__institution=world.orgs["inst_bj_moe"])
    assert set(own.values_list("pk", flat=True)) == {world.patents["bj_moe_private"].pk,
                                                      world.patents["bj_moe_library"].pk}  # the library is national
    assert set(Patent.objects.editable_by(dept_admin).values_list("pk", flat=True)) == {
        world.patents["bj_moe_private"].pk}
    # Not the institution-wide uploads: only the department's own (the world's department upload).
    assert set(ImportBatch.objects.visible_to(dept_admin).values_list("original_name", flat=True)) == {
        "bj_moe_department_upload.xlsx"}
    assert not ImportBatch.objects.visible_to(world.user("inst_bj_moe_inventor")).exists()
    # The institution's settings are the institution admin's alone.
    from accounts.models import Organization

    assert not Organization.objects.editable_by(dept_admin).exists()


def test_uploads_department_names_create_departments(world):
    records = InventoryRecord.objects.filter(patent=world.patents["bj_moe_library"])
    records.update(department="化学学院")
    resolve_departments(records)
    record = records.get()
    assert record.department_unit.name == "化学学院"
    assert record.department_unit.organization_id == world.orgs["inst_bj_moe"].pk


def test_department_names_are_checked(world):
    admin = world.user("inst_bj_moe_admin")
    with pytest.raises(ValidationError):
        departments.create_department(actor=admin, name="   ")
    with pytest.raises(ValidationError, match="过长"):
        departments.create_department(actor=admin, name="院" * 101)
