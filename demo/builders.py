"""Builds (and removes) the demo world: institutions, enterprises, experts, demo logins, patents
with their ownerships and inventory records.

Everything is generated in memory from one `random.Random(seed)` and written with bulk_create,
inside one transaction. Demo rows are recognised by their credit codes (`names.DEMO_MARKER`)
and the `demo_` usernames, so that `reset_demo_world` never touches reference data.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Organization, Province, User
from accounts.roles import Role, role_of
from demo import evaluation as demo_evaluation
from demo import inventory_ii, matching_events, matching_needs, matching_pushes, names
from demo import notifications as demo_notifications
from demo import reporting as demo_reporting
from demo.fields import FIELDS, HOSPITAL_DEPARTMENTS
from demo.names import INSTITUTIONS, InstitutionSpec
from demo.patents import (
    TYPE_DIGITS,
    Numbering,
    design_products_for,
    design_text,
    field_keys_of,
    filing_and_grant,
    funding,
    technical_text,
)
from inventory.choices import (
    Disposal,
    ImplementationStatus,
    Intent,
    InventoryStatus,
    LegalStatus,
    LicenseType,
    PatentType,
    Prospect,
    Screening,
    ValueGrade,
)
from inventory.models import InventoryRecord, Patent, PatentOwnership

DEMO_PASSWORD = "Demo@2024pn"
USERNAME_PREFIX = "demo_"
BATCH = 1000
TZ = ZoneInfo("Asia/Shanghai")

# The printed demo logins, one per role: (username, organisation key, flags).
DEMO_LOGINS: list[tuple[str, str, dict]] = [
    ("demo_operator", "platform", {"platform_role": Role.OPERATOR.value}),
    ("demo_sysadmin", "platform", {"platform_role": Role.SYSTEM_ADMIN.value}),
    ("demo_secadmin", "platform", {"platform_role": Role.SECURITY_ADMIN.value}),
    ("demo_auditor", "platform", {"platform_role": Role.AUDIT_ADMIN.value}),
    ("demo_ministry", "ministry:MOE", {"is_org_admin": True}),
    ("demo_province", "province:110000", {"is_org_admin": True}),
    ("demo_institution", "institution:0", {"is_org_admin": True}),
    ("demo_institution_member", "institution:0", {}),
    ("demo_enterprise", "enterprise:0", {"is_org_admin": True}),
    ("demo_expert", "expert", {"is_expert": True}),
]
# The department admin and the inventor (demo/inventory_ii.py) follow the institution's two logins.
DEMO_LOGIN_USERNAMES = [login[0] for login in DEMO_LOGINS[:8]] + inventory_ii.LOGIN_USERNAMES + [
    login[0] for login in DEMO_LOGINS[8:]]


class DemoError(Exception):
    pass


@dataclass
class SeedResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, organisation
    counts: dict[str, int] = field(default_factory=dict)


# --- recognising the demo world ---------------------------------------------------------------


def demo_organization_ids() -> list[int]:
    rows = Organization.objects.filter(credit_code__contains=names.DEMO_MARKER).values_list("pk", "credit_code")
    return [pk for pk, code in rows if names.is_demo_credit_code(code)]


def demo_users(org_ids: list[int] | None = None):
    org_ids = demo_organization_ids() if org_ids is None else org_ids
    return User.objects.filter(username__startswith=USERNAME_PREFIX).filter(
        Q(organization_id__in=org_ids)
        | Q(username__in=DEMO_LOGIN_USERNAMES)
        | Q(organization__isnull=True, is_expert=True)
    )


def demo_world_exists() -> bool:
    return bool(demo_organization_ids()) or User.objects.filter(username__in=DEMO_LOGIN_USERNAMES).exists()


def existing_logins() -> list[tuple[str, str, str]]:
    users = User.objects.filter(username__in=DEMO_LOGIN_USERNAMES).select_related("organization", "department")
    by_name = {u.username: u for u in users}
    return [_login_row(by_name[n]) for n in DEMO_LOGIN_USERNAMES if n in by_name]


def _login_row(user: User) -> tuple[str, str, str]:
    role = role_of(user)
    label = str(Role(role).label) if role else "—"
    if user.is_org_admin:
        label += " · " + _("管理员")
    organization = user.organization.name if user.organization else "—"
    if user.department_id:
        organization += f" / {user.department.name}"
    return user.username, label, organization


def world_counts(org_ids: list[int] | None = None) -> dict[str, int]:
    org_ids = demo_organization_ids() if org_ids is None else org_ids
    orgs = Organization.objects.filter(pk__in=org_ids)
    enterprises = orgs.filter(kind=Organization.Kind.ENTERPRISE)
    owned = PatentOwnership.objects.filter(organization_id__in=org_ids)
    patents = Patent.objects.filter(pk__in=owned.values("patent_id"))
    records = InventoryRecord.objects.filter(institution_id__in=org_ids)
    types = Counter(patents.values_list("patent_type", flat=True))
    return {
        "institutions": orgs.filter(kind=Organization.Kind.INSTITUTION).count(),
        "enterprises": enterprises.count(),
        "enterprises_pending": enterprises.filter(status=Organization.Status.PENDING).count(),
        "users": demo_users(org_ids).count(),
        "experts": demo_users(org_ids).filter(is_expert=True).count(),
        "patents": patents.count(),
        "inventions": types.get(PatentType.INVENTION, 0),
        "utility_models": types.get(PatentType.UTILITY_MODEL, 0),
        "designs": types.get(PatentType.DESIGN, 0),
        "funded": patents.exclude(funding_project_number="").count(),
        "ownerships": owned.count(),
        "inventory_records": records.count(),
        "inventoried": records.filter(status=InventoryStatus.INVENTORIED).count(),
        "in_library": records.filter(in_library=True).count(),
        **inventory_ii.counts(org_ids),
        "notifications": demo_notifications.count(list(demo_users(org_ids).values_list("pk", flat=True))),
        **matching_events.counts(list(demo_users(org_ids).values_list("pk", flat=True))),
    }


# --- removing it ------------------------------------------------------------------------------


@transaction.atomic
def reset_demo_world() -> dict[str, int]:
    """Delete only what seed_demo created: demo-coded organisations, their patents, inventory
    records and users, and the demo logins. Reference data is never touched."""
    org_ids = demo_organization_ids()
    user_ids = list(demo_users(org_ids).values_list("pk", flat=True))
    matching_events.remove(user_ids)
    demo_evaluation.remove(user_ids)
    demo_reporting.remove(org_ids)
    inventory_ii.remove(org_ids, user_ids)
    owned = PatentOwnership.objects.filter(organization_id__in=org_ids)
    patent_ids = list(owned.values_list("patent_id", flat=True).distinct())
    deleted = {"patents": len(patent_ids)}
    for start in range(0, len(patent_ids), BATCH):
        Patent.objects.filter(pk__in=patent_ids[start : start + BATCH]).delete()
    InventoryRecord.objects.filter(institution_id__in=org_ids).delete()
    PatentOwnership.objects.filter(organization_id__in=org_ids).delete()
    deleted["users"] = _delete_users(org_ids)
    deleted["organizations"] = Organization.objects.filter(pk__in=org_ids).delete()[1].get("accounts.Organization", 0)
    if any(deleted.values()):
        record("demo.reset", username="seed_demo", **deleted)
    return deleted


def _delete_users(org_ids: list[int]) -> int:
    ids = list(demo_users(org_ids).values_list("pk", flat=True))
    User.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- building it ------------------------------------------------------------------------------


@dataclass
class _Researcher:
    name: str
    field: str
    department: str
    group: list[str]
    weight: float


@dataclass
class _Institution:
    spec: InstitutionSpec
    org: Organization
    researchers: list[_Researcher] = field(default_factory=list)
    contacts: list[tuple[str, str]] = field(default_factory=list)
    inventory_rate: float = 0.0


class _Builder:
    def __init__(self, seed: int, n_patents: int, n_institutions: int, n_enterprises: int, n_experts: int) -> None:
        self.rng = random.Random(seed)
        self.n_patents, self.n_institutions = n_patents, n_institutions
        self.n_enterprises, self.n_experts = n_enterprises, n_experts
        self.now = timezone.now()
        self.taken_names: set[str] = set()
        self.institutions: list[_Institution] = []
        self.enterprises: list[Organization] = []
        self.logins: list[tuple[str, str, str]] = []

    # organisations

    def reference(self) -> None:
        kind = Organization.Kind
        self.provinces = {p.code: p for p in Province.objects.all()}
        self.platform = Organization.objects.get(kind=kind.PLATFORM)
        self.ministries = {o.code: o for o in Organization.objects.filter(kind=kind.MINISTRY)}
        self.offices = {o.code: o for o in Organization.objects.filter(kind=kind.PROVINCE)}

    def person(self) -> str:
        return names.unique_names(self.rng, 1, self.taken_names)[0]

    def build_institutions(self) -> None:
        specs = INSTITUTIONS[: self.n_institutions]
        clash = set(
            Organization.objects.filter(kind=Organization.Kind.INSTITUTION, name__in=[s.name for s in specs])
            .values_list("name", flat=True)
        )
        if clash:
            raise DemoError(_("已有与演示机构同名的机构(不是演示数据):%(names)s") % {"names": "、".join(sorted(clash))})
        orgs = []
        for i, spec in enumerate(specs, start=1):
            contact = self.person()
            orgs.append(Organization(
                kind=Organization.Kind.INSTITUTION,
                name=spec.name,
                credit_code=names.demo_credit_code("12", spec.division, 10000 + i),
                province=self.provinces[spec.province],
                supervisor=self.ministries[spec.supervisor] if spec.supervisor else None,
                institution_type=spec.institution_type,
                is_demo_university=spec.is_demo_university,
                is_pilot_university=spec.is_pilot_university,
                contact_name=contact,
                contact_phone=names.landline(self.rng, spec.area_code),
                created_at=self.now,
            ))
        saved = _bulk_create_orgs(orgs)
        for spec, org in zip(specs, saved, strict=True):
            self.institutions.append(_Institution(spec=spec, org=org))

    def build_enterprises(self) -> None:
        specs = names.enterprise_specs(self.rng, self.n_enterprises)
        orgs = []
        for i, spec in enumerate(specs, start=1):
            pending = spec.pending
            orgs.append(Organization(
                kind=Organization.Kind.ENTERPRISE,
                name=spec.name,
                credit_code=names.demo_credit_code("91", spec.division, 20000 + i),
                province=self.provinces[spec.province],
                is_ip_advantage=spec.is_ip_advantage,
                is_specialized=spec.is_specialized,
                is_high_tech=spec.is_high_tech,
                is_state_owned=spec.is_state_owned,
                is_central_soe=spec.is_central_soe,
                status=Organization.Status.PENDING if pending else Organization.Status.ACTIVE,
                reviewed_at=None if pending else self.moment(date(2024, 2, 1), date(2024, 10, 31)),
                contact_name=self.person(),
                contact_phone=names.mobile(self.rng),
                created_at=self.now,
            ))
        self.enterprises = _bulk_create_orgs(orgs)

    # accounts

    def build_users(self) -> None:
        shared_hash = make_password(DEMO_PASSWORD)
        users: list[User] = []
        logins: list[User] = []
        first_inst = self.institutions[0].org
        first_ent = self.enterprises[0]
        targets = {
            "platform": self.platform,
            "ministry:MOE": self.ministries["MOE"],
            "province:110000": self.offices["110000"],
            "institution:0": first_inst,
            "enterprise:0": first_ent,
            "expert": None,
        }
        for username, target, flags in DEMO_LOGINS:
            user = User(username=username, organization=targets[target], full_name=self.person(), **flags)
            user.set_password(DEMO_PASSWORD)
            logins.append(user)
        for index, inst in enumerate(self.institutions[1:], start=2):
            users.append(self.account(f"demo_inst{index:02d}_admin", inst.org, shared_hash, is_org_admin=True))
        for index, ent in enumerate(self.enterprises[1:], start=2):
            users.append(self.account(f"demo_ent{index:02d}_admin", ent, shared_hash, is_org_admin=True))
        for index in range(2, self.n_experts + 1):
            users.append(self.account(f"demo_expert{index:02d}", None, shared_hash, is_expert=True))
        for user in logins + users:
            user.must_change_password = False
            user.password_changed_at = self.now
            user.date_joined = self.now
            if not user.phone:
                user.phone = names.mobile(self.rng)
        User.objects.bulk_create(logins + users, batch_size=BATCH)
        self.logins = [_login_row(u) for u in User.objects.filter(username__in=DEMO_LOGIN_USERNAMES)
                       .select_related("organization").order_by()]
        order = {n: i for i, n in enumerate(DEMO_LOGIN_USERNAMES)}
        self.logins.sort(key=lambda row: order[row[0]])
        self.user_count = len(logins) + len(users)

    def account(self, username: str, org: Organization | None, encoded: str, **flags) -> User:
        return User(username=username, organization=org, full_name=self.person(), password=encoded, **flags)

    # patents

    def prepare_researchers(self, counts: list[int]) -> None:
        for inst, count in zip(self.institutions, counts, strict=True):
            keys = field_keys_of(inst.spec.fields)
            n_pis = max(4, min(60, count // 12 + 2))
            for _pi in range(n_pis):
                key = self.rng.choice(keys)
                fld = FIELDS[key]
                if inst.spec.institution_type == "hospital":
                    department = self.rng.choice(HOSPITAL_DEPARTMENTS.get(key, ("科研处",)))
                elif inst.spec.institution_type == "research_institute":
                    department = self.rng.choice(fld.labs)
                else:
                    department = self.rng.choice(fld.departments)
                group = names.unique_names(self.rng, self.rng.randint(3, 9), set())
                weight = self.rng.paretovariate(1.6)
                inst.researchers.append(_Researcher(self.person(), key, department, group, weight))
            inst.contacts = [(self.person(), names.landline(self.rng, inst.spec.area_code))
                             for _ in range(self.rng.randint(1, 3))]
            base = (0.58 if inst.spec.is_demo_university else 0.45 if inst.spec.is_pilot_university
                    else 0.38 if inst.spec.supervisor else 0.25)
            inst.inventory_rate = min(0.95, max(0.05, base + self.rng.uniform(-0.05, 0.05)) / 0.92)

    def patent_counts(self) -> list[int]:
        weights = [inst.spec.weight * self.rng.uniform(0.8, 1.2) for inst in self.institutions]
        total = sum(weights)
        counts = [int(self.n_patents * w / total) for w in weights]
        for i in range(self.n_patents - sum(counts)):
            counts[i % len(counts)] += 1
        return counts

    def build_patents(self) -> None:
        counts = self.patent_counts()
        self.prepare_researchers(counts)
        numbering = Numbering(self.rng)
        active_enterprises = [e for e in self.enterprises if e.status == Organization.Status.ACTIVE]
        patents: list[Patent] = []
        owners: list[list[Organization]] = []
        records: list[dict] = []
        for inst, count in zip(self.institutions, counts, strict=True):
            pis = inst.researchers
            pi_weights = [r.weight for r in pis]
            for _patent in range(count):
                pi = self.rng.choices(pis, weights=pi_weights)[0]
                patent, patent_owners, funded = self.one_patent(inst, pi, numbering, active_enterprises)
                patents.append(patent)
                owners.append(patent_owners)
                records.append(self.inventory_values(inst, pi, patent, funded))
        self.avoid_existing_numbers(patents, numbering)
        for start in range(0, len(patents), BATCH):
            Patent.objects.bulk_create(patents[start : start + BATCH])
        if patents and patents[0].pk is None:  # a backend that does not return ids from bulk inserts
            ids = {}
            numbers = [p.application_number for p in patents]
            for start in range(0, len(numbers), BATCH):
                ids.update(Patent.objects.filter(application_number__in=numbers[start : start + BATCH])
                           .values_list("application_number", "pk"))
            for p in patents:
                p.pk = ids[p.application_number]
        ownerships = [
            PatentOwnership(patent=p, organization=org, position=position)
            for p, patent_owners in zip(patents, owners, strict=True)
            for position, org in enumerate(patent_owners, start=1)
            if org.kind == Organization.Kind.INSTITUTION
        ]
        PatentOwnership.objects.bulk_create(ownerships, batch_size=BATCH)
        inventory = [
            InventoryRecord(patent=p, institution=patent_owners[0], **values)
            for p, patent_owners, values in zip(patents, owners, records, strict=True)
        ]
        InventoryRecord.objects.bulk_create(inventory, batch_size=BATCH)

    def avoid_existing_numbers(self, patents: list[Patent], numbering: Numbering) -> None:
        """Give a fresh number to any patent whose generated number is already in the database."""
        pending = patents
        while pending:
            taken: set[str] = set()
            numbers = [p.application_number for p in pending]
            for start in range(0, len(numbers), BATCH):
                taken.update(Patent.objects.filter(application_number__in=numbers[start : start + BATCH])
                             .values_list("application_number", flat=True))
            pending = [p for p in pending if p.application_number in taken]
            for p in pending:
                body = p.application_number[2:14]
                p.application_number = numbering.application(int(body[:4]), body[4])

    def one_patent(self, inst: _Institution, pi: _Researcher, numbering: Numbering,
                   enterprises: list[Organization]) -> tuple[Patent, list[Organization], bool]:
        rng = self.rng
        mix = [50, 45, 5] if inst.spec.institution_type == "hospital" else [65, 30, 5]
        patent_type = rng.choices([PatentType.INVENTION, PatentType.UTILITY_MODEL, PatentType.DESIGN], weights=mix)[0]
        filed, granted = filing_and_grant(rng, patent_type)
        fld = FIELDS[pi.field]
        if patent_type == PatentType.DESIGN:
            text = design_text(rng, design_products_for([pi.field]), filed.year)
        else:
            text = technical_text(rng, fld, patent_type, filed.year)
        type_digit = TYPE_DIGITS[patent_type]
        if patent_type == PatentType.INVENTION and rng.random() < 0.02:
            type_digit = "8"  # a PCT application entering the Chinese national phase
        number = numbering.application(filed.year, type_digit)
        inventors = self.inventors(pi)
        patent_owners: list[Organization] = [inst.org]
        if rng.random() < 0.05:
            partners = [i.org for i in self.institutions if i is not inst]
            if partners and (rng.random() < 0.55 or not enterprises):
                patent_owners.append(rng.choice(partners))
            elif enterprises:
                patent_owners.append(rng.choice(enterprises))
        funded = patent_type != PatentType.DESIGN and rng.random() < (
            0.42 if patent_type == PatentType.INVENTION else 0.12
        )
        project, source = funding(rng, fld, filed.year, inst.spec.province) if funded else ("", "")
        invalid = rng.random() < 0.02 + 0.007 * (2023 - filed.year)  # older patents lapse more often
        patent = Patent(
            application_number=number,
            grant_number=numbering.grant(patent_type, filed.year, granted.year),
            title=text.title,
            patent_type=patent_type,
            application_date=filed,
            grant_date=granted,
            legal_status=LegalStatus.INVALID if invalid else LegalStatus.VALID,
            main_ipc=text.main_ipc,
            ipc_codes=text.ipc_codes,
            inventors=inventors,
            patentees=[o.name for o in patent_owners],
            patentee_credit_codes=[o.credit_code for o in patent_owners],
            abstract=text.abstract,
            funding_project_number=project,
            funding_source=source,
            created_at=self.now,
            updated_at=self.now,
        )
        return patent, patent_owners, funded

    def inventors(self, pi: _Researcher) -> list[str]:
        count = self.rng.choices([2, 3, 4, 5, 6], weights=[20, 30, 25, 15, 10])[0]
        chosen = [pi.name]
        group = pi.group[:]
        self.rng.shuffle(group)
        for name in group:
            if len(chosen) >= count:
                break
            if self.rng.random() < 0.8:
                chosen.append(name)
        while len(chosen) < count:
            name = names.person_name(self.rng)
            if name not in chosen:
                chosen.append(name)
        return chosen

    # inventory

    def moment(self, start: date, end: date) -> datetime:
        day = start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))
        return datetime(day.year, day.month, day.day, self.rng.randint(8, 22), self.rng.randint(0, 59),
                        self.rng.randint(0, 59), tzinfo=TZ)

    def inventoried_at(self, granted: date) -> datetime:
        if granted >= date(2024, 1, 1):  # granted during the campaign: inventoried within 90 days
            return self.moment(granted + timedelta(days=5), granted + timedelta(days=85))
        roll = self.rng.random()
        if roll < 0.4:  # the rush before the 2024-03-31 staged milestone
            return self.moment(date(2024, 3, 15), date(2024, 3, 31))
        if roll < 0.75:  # and before 2024-06-30
            return self.moment(date(2024, 6, 12), date(2024, 6, 30))
        return self.moment(date(2024, 1, 8), date(2024, 12, 20))

    def inventory_values(self, inst: _Institution, pi: _Researcher, patent: Patent, funded: bool) -> dict:
        rng = self.rng
        if patent.legal_status != LegalStatus.VALID or rng.random() >= inst.inventory_rate:
            # Still to inventory, but already assigned to the department that will do it.
            return {"status": InventoryStatus.PENDING, "department": pi.department, "updated_at": self.now}
        implementation = rng.choices(
            [ImplementationStatus.NONE, ImplementationStatus.SELF, ImplementationStatus.LICENSED,
             ImplementationStatus.TRANSFERRED, ImplementationStatus.EQUITY, ImplementationStatus.INDUSTRIALISED],
            weights=[80, 3, 5, 6, 1.5, 4.5],
        )[0]
        if implementation == ImplementationStatus.INDUSTRIALISED:
            maturity = rng.choice([7, 8, 8, 9, 9])
        elif implementation != ImplementationStatus.NONE:
            maturity = rng.choice([5, 6, 6, 7, 7, 8])
        else:
            maturity = rng.choices(range(1, 10), weights=[2, 8, 16, 20, 18, 14, 10, 7, 5])[0]
        good_bias = 0.15 if maturity >= 7 else -0.1 if maturity <= 3 else 0.0
        roll = rng.random()
        prospect = (Prospect.GOOD if roll < 0.3 + good_bias else
                    Prospect.FAIR if roll < 0.78 + good_bias / 2 else Prospect.POOR)
        grade_weights = {Prospect.GOOD: [55, 40, 5], Prospect.FAIR: [10, 65, 25], Prospect.POOR: [2, 38, 60]}
        value_grade = "" if rng.random() < 0.08 else rng.choices(
            [ValueGrade.A, ValueGrade.B, ValueGrade.C], weights=grade_weights[prospect])[0]
        screened_in = rng.random() < {Prospect.GOOD: 0.85, Prospect.FAIR: 0.6, Prospect.POOR: 0.25}[prospect]
        fld = FIELDS[pi.field]
        scenarios = "、".join(rng.sample(fld.scenarios, k=rng.choice([1, 1, 2])))
        intents: list[str] = []
        license_type = ""
        asking_price = None
        if screened_in:
            for intent, p in ((Intent.TRANSFER, 0.7), (Intent.LICENSE, 0.6), (Intent.EQUITY, 0.2),
                              (Intent.SELF, 0.08)):
                if rng.random() < p:
                    intents.append(intent.value)
            if not intents:
                intents = [rng.choice([Intent.TRANSFER, Intent.LICENSE]).value]
            if Intent.LICENSE.value in intents:
                license_type = rng.choices(
                    [LicenseType.ORDINARY, LicenseType.EXCLUSIVE, LicenseType.SOLE, LicenseType.OPEN],
                    weights=[45, 20, 15, 20])[0]
            if rng.random() < 0.45:
                low, high = {"invention": (5, 200), "utility_model": (1, 20), "design": (0.5, 5)}[patent.patent_type]
                asking_price = Decimal(str(round(low * (high / low) ** rng.random(), 1)))
            disposal = Disposal.PROMOTE if value_grade == ValueGrade.A or rng.random() < 0.2 else Disposal.GENERAL
        else:
            intents = [Intent.NONE.value]
            disposal = Disposal.ABANDON if prospect == Prospect.POOR and rng.random() < 0.5 else Disposal.OBSERVE
        contact_name, contact_phone = rng.choice(inst.contacts)
        if rng.random() < 0.35:
            contact_name, contact_phone = pi.name, names.mobile(rng)
        when = self.inventoried_at(patent.grant_date)
        return {
            "status": InventoryStatus.INVENTORIED,
            "department": pi.department,
            "responsible_person": pi.name,
            "is_financially_funded": funded,
            "funding_project_number": patent.funding_project_number,
            "implementation_status": implementation,
            "maturity": maturity,
            "scenarios": f"适用于{scenarios}等场景",
            "prospect": prospect,
            "value_grade": value_grade,
            "screening": Screening.IN if screened_in else Screening.OUT,
            "intents": intents,
            "license_type": license_type,
            "asking_price": asking_price,
            "disposal": disposal,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "in_library": screened_in,
            "inventoried_at": when,
            "updated_at": when,
        }


def _bulk_create_orgs(orgs: list[Organization]) -> list[Organization]:
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    by_code = {o.credit_code: o for o in Organization.objects.filter(credit_code__in=[o.credit_code for o in orgs])}
    return [by_code[o.credit_code] for o in orgs]


def build_demo_world(
    *, seed: int = 2024, patents: int = 5000, institutions: int = 20, enterprises: int = 50, experts: int = 15
) -> SeedResult:
    """Create the demo world, or report the one already there (nothing is duplicated)."""
    if not 1 <= institutions <= len(INSTITUTIONS):
        raise DemoError(_("--institutions 应在 1 到 %(most)d 之间") % {"most": len(INSTITUTIONS)})
    if not 1 <= enterprises <= 500:
        raise DemoError(_("--enterprises 应在 1 到 500 之间"))
    if patents < 0 or experts < 1:
        raise DemoError(_("--patents 不能小于 0,--experts 至少为 1"))
    with transaction.atomic():
        if demo_world_exists():
            return SeedResult(created=False, logins=existing_logins(), counts=world_counts())
        builder = _Builder(seed, patents, institutions, enterprises, experts)
        builder.reference()
        builder.build_institutions()
        builder.build_enterprises()
        builder.build_users()
        builder.build_patents()
        inventory_ii.build(seed, [i.org.pk for i in builder.institutions], builder.institutions[0].org,
                           DEMO_PASSWORD)
        matching_pushes.build(seed, builder.enterprises)
        demo_notifications.build(list(User.objects.filter(username__in=DEMO_LOGIN_USERNAMES)))
        active = [e.pk for e in builder.enterprises if e.status == Organization.Status.ACTIVE]
        matching_events.build([i.org.pk for i in builder.institutions], active,
                              User.objects.get(username="demo_operator"), builder.enterprises[0])
        matching_needs.build(seed, [e.pk for e in builder.enterprises])
        demo_evaluation.build(seed, User.objects.get(username="demo_operator"),
                              User.objects.get(username="demo_province"), User.objects.get(username="demo_enterprise"))
        demo_reporting.build(User.objects.get(username="demo_operator"), User.objects.get(username="demo_province"),
                             User.objects.get(username="demo_ministry"))
        builder.logins = existing_logins()
        counts = world_counts()
        record("demo.seed", username="seed_demo", seed=seed, **counts)
    return SeedResult(created=True, logins=builder.logins, counts=counts)
