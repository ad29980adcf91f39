"""Writing an allocation: the organisations and admin accounts created, with one-time passwords."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError
from django.utils.translation import gettext as _

from accounts.allocation.format import DEMO, LOCAL, PILOT, status_created, status_unchanged
from accounts.allocation.preview import AllocationPreview
from accounts.audit import record
from accounts.models import Organization, User
from accounts.services import create_account_with_initial_password, suggest_username
from ground.sheets import CellError

# 单位类型: the listed values only (no synonyms are listed in the standard).

# --- allocation --------------------------------------------------------------------------------


@dataclass
class AllocatedRow:
    row_number: int
    organization_name: str
    organization_created: bool
    username: str
    account_created: bool
    password: str = field(default="", repr=False)  # one-time; only for accounts created now

    @property
    def organization_status(self) -> str:
        return status_created() if self.organization_created else _("已存在")

    @property
    def status(self) -> str:
        return status_created() if self.account_created else status_unchanged()


@dataclass
class AllocationResult:
    original_name: str
    rows: list[AllocatedRow]
    warnings: list[CellError]
    sheet: bytes = field(repr=False)  # the result .xlsx, with the one-time passwords

    @property
    def created_organizations(self) -> list[AllocatedRow]:
        return [r for r in self.rows if r.organization_created]

    @property
    def created_accounts(self) -> list[AllocatedRow]:
        return [r for r in self.rows if r.account_created]

    @property
    def unchanged(self) -> list[AllocatedRow]:
        return [r for r in self.rows if not r.account_created]

    @property
    def filename(self) -> str:
        return result_filename(self.original_name)


def result_filename(original_name: str) -> str:
    return f"{Path(original_name).stem or 'allocation'}-结果.xlsx"


def write_accounts(preview: AllocationPreview, *, actor: User | None, request) -> list[AllocatedRow]:
    taken = {r.username.lower() for r in preview.rows if r.username}
    result: list[AllocatedRow] = []
    for row in preview.rows:
        v = row.values
        org, org_created = row.organization, row.organization is None
        if org is None:
            org = _create_institution(v, actor=actor, request=request)
        elif row.fill_credit_code:
            before = {"credit_code": org.credit_code}
            org.credit_code = v["credit_code"]
            org.save(update_fields=["credit_code"])
            record("organization.update", actor=actor, request=request, target=org, before=before,
                   after={"credit_code": org.credit_code}, organization=org, source="allocation")
        if row.admin is not None:
            result.append(AllocatedRow(row.row_number, org.name, org_created, row.admin.username, False))
            continue
        username = row.username or _generate_username(org, taken)
        taken.add(username.lower())
        try:
            user, password = create_account_with_initial_password(
                actor=actor, organization=org, username=username, full_name=v["admin_name"],
                phone=v["admin_phone"], email=v.get("admin_email") or "", is_org_admin=True, request=request,
            )
        except ValueError:
            raise IntegrityError(username) from None  # taken since the check: report as a conflict
        result.append(AllocatedRow(row.row_number, org.name, org_created, user.username, True, password))
    return result


def _create_institution(values: dict, *, actor: User | None, request) -> Organization:
    supervisor = values["supervisor"] if isinstance(values["supervisor"], Organization) else None
    org = Organization.objects.create(
        kind=Organization.Kind.INSTITUTION,
        name=values["name"],
        credit_code=values["credit_code"],
        province=values["province"],
        supervisor=supervisor,
        institution_type=values["org_type"],
        is_demo_university=values.get("demo_pilot") == DEMO,
        is_pilot_university=values.get("demo_pilot") == PILOT,
        contact_name=values["admin_name"],
        contact_phone=values["admin_phone"],
        contact_email=values.get("admin_email") or "",
    )
    record(
        "organization.create", actor=actor, request=request, target=org, organization=org, source="allocation",
        after={
            "name": org.name, "kind": org.kind, "institution_type": org.institution_type,
            "credit_code": org.credit_code, "province": org.province_id,
            "supervisor": supervisor.name if supervisor else LOCAL,
            "is_demo_university": org.is_demo_university, "is_pilot_university": org.is_pilot_university,
        },
    )
    return org


def _generate_username(org: Organization, taken: set[str]) -> str:
    """moe_123456 for a ministry, ip440000_123456 for a provincial office, and for an institution
    org + the organisation-code part of its credit code (org400000624_123456)."""
    if org.kind == Organization.Kind.MINISTRY:
        prefix = org.code or "ministry"
    elif org.kind == Organization.Kind.PROVINCE:
        prefix = f"ip{org.code}"
    else:
        prefix = f"org{(org.credit_code or '')[8:17]}"
    while True:
        username = suggest_username(prefix)
        if username.lower() not in taken:
            return username
