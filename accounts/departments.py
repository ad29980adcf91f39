"""Departments (二级单位) of an institution, managed by its institution-level admin.

The institution-level admin (`is_org_admin`, no department) creates and renames departments and
places accounts in them; a department admin (`is_org_admin` with a department) manages the
accounts of their own department only (`User.objects.editable_by`). Departments also arise from
the 所属二级单位 column of uploads (inventory.records.departments.resolve_departments).
"""

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Department, User
from accounts.roles import Role, role_of

NAME_MAX_LENGTH = Department._meta.get_field("name").max_length


def can_manage_departments(user) -> bool:
    return role_of(user) == Role.INSTITUTION and user.is_org_admin and not user.department_id


def department_list(actor) -> QuerySet:
    """The departments the actor sees, with their account and patent counts."""
    return (Department.objects.visible_to(actor)
            .annotate(member_count=Count("users", distinct=True), record_count=Count("records", distinct=True))
            .order_by("name"))


def _clean_name(name: object) -> str:
    name = " ".join(unicodedata.normalize("NFKC", str(name or "")).split())
    if not name:
        raise ValidationError({"name": [_("请填写二级单位名称")]})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": [_("名称“%(value)s”过长:最多 %(limit)d 个字") % {
            "value": name, "limit": NAME_MAX_LENGTH}]})
    return name


def _require_manager(actor) -> None:
    if not can_manage_departments(actor):
        raise PermissionDenied(_("只有学校(院所)管理员可以管理二级单位"))


def create_department(*, actor, name: str, request=None) -> Department:
    _require_manager(actor)
    name = _clean_name(name)
    try:
        with transaction.atomic():
            department = Department.objects.create(organization_id=actor.organization_id, name=name)
            record("department.create", actor=actor, request=request, target=department,
                   organization=actor.organization, after={"name": name})
    except IntegrityError:
        raise ValidationError({"name": [_("二级单位“%(value)s”已存在") % {"value": name}]}) from None
    return department


def rename_department(*, actor, department: Department, name: str, request=None) -> bool:
    """Rename; the records' 所属二级单位 text follows, so that a later upload naming the new name
    finds this department. False when the name is unchanged."""
    _require_manager(actor)
    name = _clean_name(name)
    try:
        with transaction.atomic():
            department = Department.objects.editable_by(actor).select_for_update().get(pk=department.pk)
            if department.name == name:
                return False
            before = department.name
            department.name = name
            department.save(update_fields=["name"])
            # Their updated_at moves too: an upload validated before the rename is then stale.
            # Each record's version goes up (inventory.records.locking): a form read before the
            # rename must not write the old name back.
            department.records.update(department=name, updated_at=timezone.now(), version=F("version") + 1)
            record("department.rename", actor=actor, request=request, target=department,
                   organization=actor.organization, before={"name": before}, after={"name": name})
    except IntegrityError:
        raise ValidationError({"name": [_("二级单位“%(value)s”已存在") % {"value": name}]}) from None
    return True


@transaction.atomic
def set_member_department(*, actor, member: User, department: Department | None, request=None) -> bool:
    """Place an account of the institution in a department (None: institution level). False when unchanged."""
    _require_manager(actor)
    member = User.objects.editable_by(actor).select_for_update().get(pk=member.pk)
    if department is not None:
        department = Department.objects.editable_by(actor).get(pk=department.pk)
    if member.department_id == (department.pk if department else None):
        return False
    before = member.department.name if member.department_id else ""
    member.department = department
    member.save(update_fields=["department"])
    record("account.department", actor=actor, request=request, target=member, organization=actor.organization,
           before={"department": before}, after={"department": department.name if department else ""})
    return True
