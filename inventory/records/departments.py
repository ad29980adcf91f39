"""Departments (二级单位) of institutions, resolved from the 所属二级单位 text of assessments."""

from django.db.models import OuterRef, Subquery

from accounts.models import Department
from inventory.models import InventoryRecord


def resolve_departments(records) -> int:
    """Create the departments the records name (per institution) and link each record to its
    department, in bulk. Returns the number of records whose link changed."""
    named = (records.exclude(department="").values_list("institution_id", "department").distinct())
    Department.objects.bulk_create(
        [Department(organization_id=org, name=name.strip()) for org, name in named if name.strip()],
        ignore_conflicts=True,
    )
    matching = Department.objects.filter(organization_id=OuterRef("institution_id"), name=OuterRef("department"))
    linked = InventoryRecord.objects.filter(pk__in=records.values("pk")).exclude(department="")
    changed = linked.update(department_unit=Subquery(matching.values("pk")[:1]))
    changed += InventoryRecord.objects.filter(pk__in=records.values("pk"), department="").exclude(
        department_unit=None).update(department_unit=None)
    return changed
