"""The demo institutions' work on their inventory: departments (二级单位) and their logins, the review of
assessments, the resource library's listing scores, industries and search documents, conversions,
open licences, an inventor's self-assessment invitation and the sleeping-patent flags.

It runs after `builders` has written the institutions, patents and inventory records, and reads
what it needs back from the database (a few queries, not one per patent), so that it depends on
no builder internals. Its random choices come from its own `random.Random`, seeded from the world's
seed: the rest of the demo world is the same with or without it, and the same seed gives the same
result on every run. Writes are set-based (bulk_create, UPDATE … WHERE pk IN) or go through the
inventory services that already work in bulk (departments, listing scores, classification, search).
"""

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts.models import Department, Organization, User
from demo import names
from inventory.choices import (
    ConversionKind,
    ImplementationStatus,
    InventoryStatus,
    LegalStatus,
    LicenseType,
    PatentType,
    PaymentMode,
    ReviewState,
    Screening,
)
from inventory.classification import classify_patents
from inventory.conversions import patent_expiry
from inventory.library import refresh_scores
from inventory.models import (
    Conversion,
    InventoryRecord,
    OpenLicenseDeclaration,
    Patent,
    PatentIndustry,
    PatentOwnership,
    PatentSearchDocument,
    PatentTechField,
    SelfAssessmentInvitation,
)
from inventory.patents import flag_sleeping_patents
from inventory.records import resolve_departments, self_assessment
from inventory.search import index_patents

TZ = ZoneInfo("Asia/Shanghai")
BATCH = 900  # ids per `pk IN (…)`: under SQLite's bound-parameter limit
DEPARTMENT_LOGIN = "demo_department"
INVENTOR_LOGIN = "demo_inventor"
LOGIN_USERNAMES = [DEPARTMENT_LOGIN, INVENTOR_LOGIN]
# The first institution (demo_institution's) reviews in two levels so that the department login
# has a queue; the small institutes and hospitals approve their assessments themselves.
ONE_LEVEL_TYPES = ("research_institute", "hospital")
# Conversions happen during the campaign: effective dates 2024-01-01 … 2026-08-31, so that a
# registration (≤ 80 days later) and a product filing stay before the last day the demo shows
# (the services refuse registrations dated after today: on a clock before that day, the window
# ends earlier and the world differs).
CAMPAIGN_START, CAMPAIGN_END, LAST_DAY = date(2024, 1, 1), date(2026, 8, 31), date(2026, 11, 20)
INVITED_PATENTS = 5
OPEN_LICENCES = 3

RETURN_REASONS = (
    "应用场景描述过于笼统,请写明可应用的具体产品和行业",
    "技术成熟度与实施状态不一致,请核实后重新提交",
    "联系人电话缺失或有误,请补充可联系的电话",
    "意向价格明显高于同类专利,请说明定价依据",
    "财政资助项目编号与基础库记录不一致,请核对",
    "转化意愿与处置建议矛盾(选择了放弃维持),请修改",
)
# (fee standard, payment mode) of an open licence, as the national office publishes them.
OPEN_FEES = (
    ("一次性支付 8 万元,许可期内不限实施规模", PaymentMode.LUMP_SUM),
    ("按实施产品净销售额的 3% 逐年支付", PaymentMode.ROYALTY),
    ("入门费 2 万元,另按净销售额的 2% 逐年支付提成", PaymentMode.ENTRY_FEE_ROYALTY),
)
# Review states of inventoried records, by kind of institution: most are approved, the rest wait
# in a queue or were returned. The department shown to demo_department has fuller queues.
STATE_WEIGHTS = {
    "two_levels": {ReviewState.APPROVED: 84, ReviewState.SUBMITTED: 6, ReviewState.DEPARTMENT_REVIEWED: 5,
                   ReviewState.RETURNED: 5},
    "one_level": {ReviewState.APPROVED: 90, ReviewState.SUBMITTED: 6, ReviewState.RETURNED: 4},
    "showcase": {ReviewState.APPROVED: 70, ReviewState.SUBMITTED: 14, ReviewState.DEPARTMENT_REVIEWED: 8,
                 ReviewState.RETURNED: 8},
}


@dataclass
class _Row:
    """One demo inventory record and the patent facts the choices below need."""

    pk: int
    patent_id: int
    institution_id: int
    status: str
    department_id: int | None
    screening: str
    implementation: str
    license_type: str
    patent_type: str
    applied: date
    granted: date | None
    valid: bool
    inventors: list[str]
    province: str
    review_state: str = ReviewState.DRAFT


@dataclass
class _World:
    rng: random.Random
    institution_ids: list[int]
    first: Organization  # demo_institution's institution
    rows: list[_Row] = field(default_factory=list)
    enterprises: list[Organization] = field(default_factory=list)
    admins: dict[int, int] = field(default_factory=dict)  # institution id -> its admin's user id
    numbers: "_Numbers" = field(default_factory=lambda: _Numbers())
    last_day: date = LAST_DAY  # no registration or filing after it
    campaign_end: date = CAMPAIGN_END  # no contract takes effect after it


# --- entry points -------------------------------------------------------------------------------


def build(seed: int, institution_ids: list[int], first: Organization, password: str) -> None:
    """Add all of the above to the freshly built demo world (the caller's transaction).
    `first` is demo_institution's institution; `password` the demo logins' password."""
    world = _World(rng=random.Random(f"{seed}:inventory-ii"), institution_ids=institution_ids, first=first)
    world.last_day = min(LAST_DAY, timezone.localdate())
    world.campaign_end = min(CAMPAIGN_END, world.last_day - timedelta(days=81))
    records = InventoryRecord.objects.filter(institution_id__in=institution_ids)
    set_review_levels(institution_ids, first)
    resolve_departments(records)
    world.rows = read_rows(records)
    world.enterprises = list(Organization.objects.filter(
        pk__in=_demo_enterprise_ids(), status=Organization.Status.ACTIVE).order_by("credit_code"))
    world.admins = dict(User.objects.filter(organization_id__in=institution_ids, is_org_admin=True,
                                            department__isnull=True).values_list("organization_id", "pk"))
    showcase = showcase_department(world.rows, first)
    department_admin, inventor = create_logins(world, showcase, password)
    spread_review_states(world, showcase)
    refresh_scores(records)
    conversions = build_conversions(world)
    build_open_licences(world, conversions)
    invite_inventor(world, department_admin, inventor, showcase)
    patents = Patent.objects.filter(pk__in=records.values("patent_id"))
    classify_patents(patents)
    index_patents(patents)
    flag_sleeping(patents)


def remove(org_ids: list[int], user_ids: list[int]) -> None:
    """Delete the rows `build` added to the demo world before its patents, users and organisations
    go: guardian grants and generic links do not cascade, and users protect their department."""
    patent_ids = PatentOwnership.objects.filter(organization_id__in=org_ids).values("patent_id")
    UserObjectPermission.objects.filter(user_id__in=user_ids).delete()
    patent_type = ContentType.objects.get_for_model(Patent)
    for chunk in _chunks(list(patent_ids.values_list("patent_id", flat=True).distinct())):
        UserObjectPermission.objects.filter(content_type=patent_type, object_pk__in=[str(pk) for pk in chunk]).delete()
    SelfAssessmentInvitation.objects.filter(Q(institution_id__in=org_ids) | Q(inventor_id__in=user_ids)).delete()
    Conversion.objects.filter(Q(institution_id__in=org_ids) | Q(patent_id__in=patent_ids)).delete()
    OpenLicenseDeclaration.objects.filter(Q(institution_id__in=org_ids) | Q(patent_id__in=patent_ids)).delete()
    for model in (PatentSearchDocument, PatentIndustry, PatentTechField):
        model.objects.filter(patent_id__in=patent_ids).delete()
    User.objects.filter(pk__in=user_ids).exclude(department=None).update(department=None)
    InventoryRecord.objects.filter(institution_id__in=org_ids).exclude(department_unit=None).update(
        department_unit=None)
    Department.objects.filter(organization_id__in=org_ids).delete()


def counts(org_ids: list[int]) -> dict[str, int]:
    """The lines of the printed counts table for what `build` added."""
    records = InventoryRecord.objects.filter(institution_id__in=org_ids)
    patent_ids = PatentOwnership.objects.filter(organization_id__in=org_ids).values("patent_id")
    states = Counter(records.values_list("review_state", flat=True))
    conversions = Conversion.objects.filter(institution_id__in=org_ids)
    kinds = Counter(conversions.values_list("kind", flat=True))
    return {
        "departments": Department.objects.filter(organization_id__in=org_ids).count(),
        "department_records": records.exclude(department_unit=None).count(),
        "approved": states.get(ReviewState.APPROVED, 0),
        "submitted": states.get(ReviewState.SUBMITTED, 0),
        "department_reviewed": states.get(ReviewState.DEPARTMENT_REVIEWED, 0),
        "returned": states.get(ReviewState.RETURNED, 0),
        "scored": records.filter(in_library=True, listing_score__gt=0).count(),
        "conversions": conversions.count(),
        "transfers": kinds.get(ConversionKind.TRANSFER, 0),
        "licences": kinds.get(ConversionKind.LICENSE, 0),
        "product_filings": conversions.exclude(product_filing_number="").count(),
        "open_licences": OpenLicenseDeclaration.objects.filter(institution_id__in=org_ids).standing().count(),
        "invitations": SelfAssessmentInvitation.objects.filter(institution_id__in=org_ids,
                                                               closed_at__isnull=True).count(),
        "with_industry": PatentIndustry.objects.filter(patent_id__in=patent_ids).values("patent_id")
        .distinct().count(),
        "search_documents": PatentSearchDocument.objects.filter(patent_id__in=patent_ids).count(),
        "sleeping": Patent.objects.filter(pk__in=patent_ids, is_sleeping=True).count(),
    }


# --- helpers ------------------------------------------------------------------------------------


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _demo_enterprise_ids() -> list[int]:
    rows = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, credit_code__contains=names.DEMO_MARKER)
    return [pk for pk, code in rows.values_list("pk", "credit_code") if names.is_demo_credit_code(code)]


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=TZ)


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _update_in_chunks(ids: list[int], **values) -> None:
    for chunk in _chunks(ids):
        InventoryRecord.objects.filter(pk__in=chunk).update(**values)


# --- institutions, departments, logins ----------------------------------------------------------


def set_review_levels(institution_ids: list[int], first: Organization) -> None:
    """Small institutes and hospitals approve in one level; universities (and the first
    institution, whatever its kind) have their departments review first."""
    one_level = Organization.objects.filter(pk__in=institution_ids, institution_type__in=ONE_LEVEL_TYPES)
    one_level.exclude(pk=first.pk).update(review_levels=1)


def read_rows(records: QuerySet) -> list[_Row]:
    """The records in application-number order (stable across databases and runs)."""
    values = records.order_by("patent__application_number").values_list(
        "pk", "patent_id", "institution_id", "status", "department_unit_id", "screening", "implementation_status",
        "license_type", "patent__patent_type", "patent__application_date", "patent__grant_date",
        "patent__legal_status", "patent__inventors", "institution__province_id",
    )
    return [
        _Row(pk=pk, patent_id=patent_id, institution_id=inst, status=status, department_id=dept, screening=screening,
             implementation=impl, license_type=licence, patent_type=ptype, applied=applied, granted=granted,
             valid=legal == LegalStatus.VALID, inventors=list(inventors or []), province=province or "")
        for (pk, patent_id, inst, status, dept, screening, impl, licence, ptype, applied, granted, legal, inventors,
             province) in values
    ]


def showcase_department(rows: list[_Row], first: Organization) -> Department | None:
    """The first institution's biggest department: the one demo_department administers."""
    sizes = Counter(r.department_id for r in rows if r.institution_id == first.pk and r.department_id)
    if not sizes:
        return None
    biggest = max(sizes.items(), key=lambda item: (item[1], -item[0]))[0]
    return Department.objects.get(pk=biggest)


def _inventor_name(rows: list[_Row], department: Department | None) -> str:
    """The first-named inventor with the most patents in the department still to assess."""
    firsts = Counter(r.inventors[0] for r in rows
                     if department and r.department_id == department.pk and r.inventors and r.valid
                     and r.status == InventoryStatus.PENDING)
    if not firsts:
        firsts = Counter(r.inventors[0] for r in rows
                         if department and r.department_id == department.pk and r.inventors)
    return min(firsts.items(), key=lambda item: (-item[1], item[0]))[0] if firsts else ""


def create_logins(world: _World, department: Department | None, password: str) -> tuple[User, User]:
    """demo_department (the department's admin) and demo_inventor (one of its researchers, whose
    patents they invite him or her to self-assess), with the demo password and no forced change."""
    rng, now = world.rng, timezone.now()
    encoded = make_password(password)
    inventor_name = _inventor_name(world.rows, department) or names.person_name(rng)
    common = {"organization": world.first, "department": department, "password": encoded,
              "must_change_password": False, "password_changed_at": now, "date_joined": now}
    admin = User(username=DEPARTMENT_LOGIN, full_name=names.person_name(rng), phone=names.mobile(rng),
                 is_org_admin=True, **common)
    inventor = User(username=INVENTOR_LOGIN, full_name=inventor_name, phone=names.mobile(rng), is_inventor=True,
                    **common)
    User.objects.bulk_create([admin, inventor])
    by_name = {u.username: u for u in User.objects.filter(username__in=LOGIN_USERNAMES).select_related(
        "organization", "department")}
    return by_name[DEPARTMENT_LOGIN], by_name[INVENTOR_LOGIN]


# --- review -------------------------------------------------------------------------------------


def _state_weights(row: _Row, two_levels: set[int], showcase: Department | None) -> dict[str, int]:
    if showcase is not None and row.department_id == showcase.pk:
        return STATE_WEIGHTS["showcase"]
    if row.institution_id in two_levels and row.department_id:
        return STATE_WEIGHTS["two_levels"]
    return STATE_WEIGHTS["one_level"]


def spread_review_states(world: _World, showcase: Department | None) -> None:
    """Inventoried records: most approved, some waiting for the department or the institution,
    some returned with a reason; records still to inventory stay drafts. In the library exactly
    when approved and screened in (as inventory.records.review keeps it)."""
    rng = world.rng
    two_levels = set(Organization.objects.filter(pk__in=world.institution_ids, review_levels=2)
                     .values_list("pk", flat=True))
    inventoried = [r for r in world.rows if r.status == InventoryStatus.INVENTORIED]
    # The showcase department's queues are never empty: its first three records are one of each.
    forced = iter((ReviewState.SUBMITTED, ReviewState.DEPARTMENT_REVIEWED, ReviewState.RETURNED))
    by_state: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in inventoried:
        weights = _state_weights(row, two_levels, showcase)
        state = rng.choices(list(weights), weights=list(weights.values()))[0]
        if showcase is not None and row.department_id == showcase.pk:
            state = next(forced, state)
        reason = rng.choice(RETURN_REASONS) if state == ReviewState.RETURNED else ""
        row.review_state = state
        by_state[(state, reason)].append(row.pk)
    for (state, reason), ids in sorted(by_state.items()):
        _update_in_chunks(ids, review_state=state, return_reason=reason)
    InventoryRecord.objects.filter(institution_id__in=world.institution_ids).update(in_library=Case(
        When(review_state=ReviewState.APPROVED, screening=Screening.IN, then=Value(True)), default=Value(False)))


# --- conversions and open licences --------------------------------------------------------------

# The conversion kind an implementation status was reached by; industrialised patents were
# industrialised by their owner, a licensee or a buyer.
KIND_OF_STATUS = {
    ImplementationStatus.SELF: ConversionKind.SELF,
    ImplementationStatus.LICENSED: ConversionKind.LICENSE,
    ImplementationStatus.TRANSFERRED: ConversionKind.TRANSFER,
    ImplementationStatus.EQUITY: ConversionKind.EQUITY,
}
# Contract amounts (万元) by patent type: low and high ends, drawn log-uniformly.
AMOUNTS = {PatentType.INVENTION: (5, 300), PatentType.UTILITY_MODEL: (1, 30), PatentType.DESIGN: (0.5, 8)}


@dataclass
class _Numbers:
    """Registration, filing and product-filing numbers, unique per kind within the demo."""

    serial: Counter = field(default_factory=Counter)

    def next(self, prefix: str) -> int:
        self.serial[prefix] += 1
        return self.serial[prefix]

    def transfer(self, day: date, province: str) -> str:
        # 专利权转让登记: year, province, serial.
        return f"ZR{day.year}{province[:2]}{self.next(f'ZR{day.year}{province[:2]}'):06d}"

    def licence(self, day: date, province: str) -> str:
        # 专利实施许可合同备案号: year, province, 0000, serial (as 2024440000077).
        return f"{day.year}{province[:2]}0000{self.next(f'X{day.year}{province[:2]}'):03d}"

    def product(self, day: date, province: str) -> str:
        # 专利产品备案号 (from 2024): CP, year, province, serial.
        return f"CP{day.year}{province[:2]}{self.next(f'CP{day.year}{province[:2]}'):04d}"


def _amount(rng: random.Random, patent_type: str) -> Decimal:
    low, high = AMOUNTS.get(patent_type, AMOUNTS[PatentType.INVENTION])
    return Decimal(str(round(low * (high / low) ** rng.random(), 1)))


def _window(row: _Row, expiry: date, campaign_end: date) -> tuple[date, date]:
    """Effective dates for a conversion of the patent: during the campaign, after the grant and
    before expiry; a patent that expired earlier was converted before the campaign."""
    start = max(CAMPAIGN_START, row.granted or row.applied)
    end = min(campaign_end, expiry - timedelta(days=400))
    if start > end:
        start, end = row.granted or row.applied, min(end, campaign_end)
    return start, max(start, end)


def _licence_type(row: _Row) -> str:
    """The licence the assessment offered (排他 or 独占 as offered); an open-licence offer is
    honoured by ordinary licences, which do not bar a later open-licence declaration."""
    if row.license_type in (LicenseType.ORDINARY, LicenseType.SOLE, LicenseType.EXCLUSIVE):
        return row.license_type
    return LicenseType.ORDINARY if row.license_type == LicenseType.OPEN else ""


def _counterparty(world: _World, row: _Row) -> Organization:
    """A demo enterprise, from the institution's own province when one is there."""
    local = [e for e in world.enterprises if e.province_id == row.province]
    return world.rng.choice(local if local and world.rng.random() < 0.6 else world.enterprises)


def _conversion(world: _World, row: _Row, kind: str, numbers: _Numbers, *, industrialised: bool = False,
                license_type: str = "", effective: date | None = None) -> Conversion:
    rng = world.rng
    expiry = patent_expiry(Patent(patent_type=row.patent_type, application_date=row.applied))
    start, end = _window(row, expiry, world.campaign_end)
    effective = effective or _day_between(rng, start, end)
    registered = min(world.last_day, effective + timedelta(days=rng.randint(10, 80)))
    values: dict = {"kind": kind, "effective_date": effective}
    if kind != ConversionKind.SELF:
        party = _counterparty(world, row)
        values.update(counterparty=party.name, counterparty_credit_code=party.credit_code,
                      amount=_amount(rng, row.patent_type), registration_date=registered)
    if kind == ConversionKind.TRANSFER:
        values.update(payment_mode=rng.choice([PaymentMode.LUMP_SUM] * 3 + [PaymentMode.INSTALMENTS]),
                      registration_number=numbers.transfer(registered, row.province))
    elif kind == ConversionKind.EQUITY:
        values.update(payment_mode=PaymentMode.LUMP_SUM, registration_number=numbers.transfer(registered, row.province))
    elif kind == ConversionKind.LICENSE:
        values.update(
            license_type=license_type or _licence_type(row) or rng.choices(
                [LicenseType.ORDINARY, LicenseType.SOLE, LicenseType.EXCLUSIVE], weights=[60, 20, 20])[0],
            payment_mode=rng.choice([PaymentMode.ENTRY_FEE_ROYALTY, PaymentMode.ROYALTY, PaymentMode.LUMP_SUM]),
            registration_number=numbers.licence(registered, row.province),
            license_end_date=min(expiry, effective + timedelta(days=365 * rng.randint(3, 5))),
        )
    if industrialised:
        filed = min(world.last_day, max(CAMPAIGN_START, registered) + timedelta(days=rng.randint(30, 240)))
        values.update(industrialised=True, product_filing_number=numbers.product(filed, row.province),
                      product_filing_date=filed)
    stamp = _moment(rng, values.get("registration_date") or effective)
    return Conversion(patent_id=row.patent_id, institution_id=row.institution_id,
                      created_by_id=world.admins.get(row.institution_id), created_at=stamp, updated_at=stamp, **values)


def build_conversions(world: _World) -> list[Conversion]:
    """One conversion per implemented record, of the kind its 实施状态 says (an industrialised one
    carries its product filing), and a second ordinary licence for some licensed patents; the
    statuses therefore agree with `inventory.conversions.services.status_after`."""
    rng, numbers = world.rng, world.numbers
    conversions: list[Conversion] = []
    for row in world.rows:
        if row.status != InventoryStatus.INVENTORIED or not row.valid or row.implementation in (
                "", ImplementationStatus.NONE):
            continue
        if row.implementation == ImplementationStatus.INDUSTRIALISED:
            kind = rng.choices([ConversionKind.SELF, ConversionKind.LICENSE, ConversionKind.TRANSFER],
                               weights=[30, 40, 30])[0]
            conversions.append(_conversion(world, row, kind, numbers, industrialised=True))
            continue
        kind = KIND_OF_STATUS[row.implementation]
        first = _conversion(world, row, kind, numbers)
        conversions.append(first)
        if first.license_type == LicenseType.ORDINARY and rng.random() < 0.2:
            # A second non-exclusive licensee, later than the first.
            later = min(world.campaign_end, first.effective_date + timedelta(days=rng.randint(60, 400)))
            conversions.append(_conversion(world, row, kind, numbers, license_type=LicenseType.ORDINARY,
                                           effective=later))
    Conversion.objects.bulk_create(conversions, batch_size=BATCH)
    return conversions


def _open_licence_candidates(world: _World, converted: set[int]) -> list[_Row]:
    """Approved library inventions whose owner would license openly and that nobody licensed yet."""
    return [r for r in world.rows
            if r.review_state == ReviewState.APPROVED and r.screening == Screening.IN and r.valid
            and r.patent_type == PatentType.INVENTION and r.license_type == LicenseType.OPEN
            and r.patent_id not in converted and r.applied.year >= 2012]


def _open_licence_patents(world: _World, candidates: list[_Row]) -> list[_Row]:
    """The first institution's first candidate, then one from each of other institutions."""
    chosen = [r for r in candidates if r.institution_id == world.first.pk][:1]
    for row in candidates:
        if len(chosen) >= OPEN_LICENCES:
            break
        if row.institution_id not in {c.institution_id for c in chosen}:
            chosen.append(row)
    return chosen


def build_open_licences(world: _World, conversions: list[Conversion]) -> None:
    """A few standing open-licence declarations, the first of them already taken up by an open
    licence (开放许可实施) filed under it."""
    rng = world.rng
    chosen = _open_licence_patents(world, _open_licence_candidates(world, {c.patent_id for c in conversions}))
    declarations = []
    for index, row in enumerate(chosen):
        declared = _day_between(rng, date(2025, 1, 6), date(2026, 3, 31))
        start = declared + timedelta(days=rng.randint(1, 20))
        expiry = patent_expiry(Patent(patent_type=row.patent_type, application_date=row.applied))
        fee, mode = OPEN_FEES[index % len(OPEN_FEES)]
        declarations.append(OpenLicenseDeclaration(
            patent_id=row.patent_id, institution_id=row.institution_id, fee_standard=fee, payment_mode=mode,
            term_start=start, term_end=min(expiry, start + timedelta(days=3 * 365 - 1)),
            declared_at=_moment(rng, declared), declared_by_id=world.admins.get(row.institution_id)))
    OpenLicenseDeclaration.objects.bulk_create(declarations)
    if not chosen:
        return
    taken_up, declaration = chosen[0], declarations[0]
    effective = declaration.term_start + timedelta(days=rng.randint(40, 150))
    licence = _conversion(world, taken_up, ConversionKind.LICENSE, world.numbers, license_type=LicenseType.OPEN,
                          effective=effective)
    licence.license_end_date = declaration.term_end  # a licence under the declaration ends with it
    Conversion.objects.bulk_create([licence])
    conversions.append(licence)
    # The record follows its conversions (inventory.conversions.services.status_after): now licensed.
    InventoryRecord.objects.filter(pk=taken_up.pk).update(implementation_status=ImplementationStatus.LICENSED)
    taken_up.implementation = ImplementationStatus.LICENSED


# --- self-assessment and the derived data -------------------------------------------------------


def _invited_records(world: _World, inventor: User, department: Department | None) -> list[int]:
    """Up to INVITED_PATENTS of the inventor's patents in the department that are open to edit
    (drafts to assess, returned ones to correct): never those waiting for a reviewer."""
    if department is None:
        return []
    own = [r for r in world.rows if r.department_id == department.pk and r.inventors
           and r.inventors[0] == inventor.full_name and r.review_state in (ReviewState.DRAFT, ReviewState.RETURNED)]
    return [r.pk for r in own[:INVITED_PATENTS]]


def invite_inventor(world: _World, admin: User, inventor: User, department: Department | None) -> None:
    """The department admin invites demo_inventor through the service, which records the
    invitation and grants `inventory.self_assess_patent` on each patent (django-guardian)."""
    record_ids = _invited_records(world, inventor, department)
    if not record_ids:
        return
    self_assessment.invite(admin, record_ids=record_ids, username=inventor.username,
                           message="请于两周内完成所列专利的发明人自评,如有疑问请联系学院科研办公室。")


def flag_sleeping(patents: QuerySet) -> None:
    """`inventory.patents.sleeping`'s rule, applied to the demo patents only: the nightly
    `flag_sleeping_patents` would rewrite the flags of every patent in the database."""
    flag_sleeping_patents(timezone.localdate(), patents=patents)
