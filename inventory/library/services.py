"""The conversion resource library (专利转化资源库): browsing, filters and facet counts.

Patents screened in with an intent and approved form the library (`InventoryRecord.in_library`).
It is national: every role in `LIBRARY_ROLES` browses all of it, through
`InventoryRecord.objects.visible_to(user, "library")`. Pages, the API and any export read through
`library_records`; the counts beside each filter option come from `facets` (five SQL aggregates),
kept briefly by `cached_facets`.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Organization, Province
from accounts.roles import Role, role_of
from inventory.choices import TECHNOLOGY_READINESS, Intent, LicenseType, PatentType, Prospect
from inventory.library import listing
from inventory.models import Industry, InventoryRecord, Patent, PatentIndustry
from inventory.patents import own_patent_ids, sees_contacts, shown_value
from inventory.patents.models import LIBRARY_ROLES
from inventory.search import keyword_filter

__all__ = ["LIBRARY_ROLES", "Card", "LibraryParams", "card", "facets", "library_records", "may_browse", "parse_params"]

TOP_INSTITUTIONS = 20
# Facet counts over the national library cost a scan each; a browsing page may show them this stale.
FACETS_CACHE_SECONDS = 120
MAX_KEYWORD_CHARS = 100
# The order the library lists entries in: the best-described first. Ties go by patent id, so that
# a page is read off the partial index `record_library` (-listing_score, patent) WHERE in_library
# instead of sorting the whole national library (by grant date through a join) for every page.
ORDERING = ("-listing_score", "patent_id")
INTENTS = tuple(i for i in Intent if i != Intent.NONE)


@dataclass
class LibraryParams:
    """The library's filters, cleaned. Empty values mean "any"."""
    industry: str = ""
    maturity: int | None = None
    prospect: str = ""
    intent: str = ""
    license_type: str = ""
    province: str = ""
    institution: int | None = None
    patent_type: str = ""
    q: str = ""
    # Problems with the given values, by parameter name (Chinese, naming the value).
    errors: dict[str, str] = field(default_factory=dict)

    def active(self) -> dict[str, object]:
        """The filters in use, by query-parameter name."""
        names = ("industry", "maturity", "prospect", "intent", "license_type", "province", "institution",
                 "patent_type", "q")
        return {name: getattr(self, name) for name in names if getattr(self, name) not in ("", None)}


def may_browse(user) -> bool:
    return role_of(user) in LIBRARY_ROLES


def _choice(data: Mapping, name: str, allowed, label: str, errors: dict) -> str:
    value = (data.get(name) or "").strip()
    if value and value not in allowed:
        errors[name] = _("筛选条件“%(label)s”的值“%(value)s”无效") % {"label": label, "value": value}
        return ""
    return value


def _number(data: Mapping, name: str, label: str, errors: dict, valid=lambda n: True) -> int | None:
    value = (data.get(name) or "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not valid(number):
        errors[name] = _("筛选条件“%(label)s”的值“%(value)s”无效") % {"label": label, "value": value}
        return None
    return number


def parse_params(data: Mapping) -> LibraryParams:
    """Clean the query parameters; an invalid value is left out and reported in `errors`."""
    errors: dict[str, str] = {}
    industry = (data.get("industry") or "").strip()
    if industry and not Industry.objects.filter(code=industry).exists():
        errors["industry"] = _("筛选条件“%(label)s”的值“%(value)s”无效") % {"label": _("产业"), "value": industry}
        industry = ""
    province = (data.get("province") or "").strip()
    if province and not Province.objects.filter(code=province).exists():
        errors["province"] = _("筛选条件“%(label)s”的值“%(value)s”无效") % {"label": _("省份"), "value": province}
        province = ""
    return LibraryParams(
        industry=industry,
        maturity=_number(data, "maturity", _("技术成熟度"), errors, lambda n: n in TECHNOLOGY_READINESS),
        prospect=_choice(data, "prospect", Prospect.values, _("产业化前景"), errors),
        intent=_choice(data, "intent", [i.value for i in INTENTS], _("转化意愿"), errors),
        license_type=_choice(data, "license_type", LicenseType.values, _("许可方式"), errors),
        province=province,
        institution=_number(data, "institution", _("单位"), errors, lambda n: n > 0),
        patent_type=_choice(data, "patent_type", PatentType.values, _("专利类型"), errors),
        q=(data.get("q") or "").strip()[:MAX_KEYWORD_CHARS],
        errors=errors,
    )


def intent_condition(intent: str) -> Q:
    """Records whose intents list holds `intent`: on PostgreSQL jsonb containment; elsewhere the JSON
    text holding it quoted (what listing.py's score reads too)."""
    if connection.vendor == "postgresql":
        return Q(intents__contains=[intent])
    return Q(Contains(Cast("intents", output_field=TextField()), f'"{intent}"'))


def _industry_patents(code: str) -> QuerySet:
    # A sector (`1`) selects its sub-sectors' patents too (`1.1` … `1.5`). The codes are read first
    # (a table of 49 rows), so that the links are found through their (industry, patent) index.
    codes = [code, *Industry.objects.filter(parent_id=code).values_list("code", flat=True)]
    return PatentIndustry.objects.filter(industry_id__in=codes).values("patent_id")


def _keyword_patents(q: str) -> QuerySet:
    return keyword_filter(Patent.objects.all(), q).values("pk")


def library_records(user, params: LibraryParams | Mapping | None = None) -> QuerySet[InventoryRecord]:
    """The library entries `user` may browse that match the filters, best listings first."""
    if params is None:
        params = LibraryParams()
    elif not isinstance(params, LibraryParams):
        params = parse_params(params)
    records = InventoryRecord.objects.visible_to(user, "library")
    if params.industry:
        records = records.filter(patent_id__in=_industry_patents(params.industry))
    if params.maturity is not None:
        records = records.filter(maturity=params.maturity)
    if params.prospect:
        records = records.filter(prospect=params.prospect)
    if params.intent:
        records = records.filter(intent_condition(params.intent))
    if params.license_type:
        records = records.filter(license_type=params.license_type)
    if params.province:
        records = records.filter(institution__province_id=params.province)
    if params.institution:
        records = records.filter(institution_id=params.institution)
    if params.patent_type:
        records = records.filter(patent__patent_type=params.patent_type)
    if params.q:
        records = records.filter(patent_id__in=_keyword_patents(params.q))
    return records.order_by(*ORDERING)


def with_card_data(records: QuerySet[InventoryRecord]) -> QuerySet[InventoryRecord]:
    """What a card shows, fetched with the page (no query per card)."""
    return records.select_related("patent", "institution", "institution__province").prefetch_related(
        "patent__industry_links__industry")


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int


def _options(rows, labels: Mapping) -> list[FacetOption]:
    counts = {str(value): n for value, n in rows if value not in (None, "")}
    return [FacetOption(str(value), str(label), counts[str(value)]) for value, label in labels.items()
            if str(value) in counts]


def _bucket_counts(records: QuerySet[InventoryRecord]) -> dict[str, int]:
    """Maturity, prospect, licence type and intent counts in one scan (COUNT … FILTER per option),
    keyed `<dimension>_<value>` (a bare "self" would clash with aggregate()'s own argument)."""
    buckets = {f"maturity_{level}": Q(maturity=level) for level in TECHNOLOGY_READINESS}
    buckets |= {f"prospect_{value}": Q(prospect=value) for value in Prospect.values}
    buckets |= {f"license_type_{value}": Q(license_type=value) for value in LicenseType.values}
    buckets |= {f"intent_{i.value}": intent_condition(i.value) for i in INTENTS}
    return records.aggregate(**{name: Count("pk", filter=condition) for name, condition in buckets.items()})


def facets(records: QuerySet[InventoryRecord], top: int = TOP_INSTITUTIONS) -> dict[str, list[FacetOption]]:
    """Counts of `records` by industry sector, maturity, prospect, intent, licence type, patent
    type, province and institution (the `top` largest), in five SQL aggregates. Options without
    entries are left out."""
    records = records.order_by()
    sector_rows = (PatentIndustry.objects.filter(patent_id__in=records.values("patent_id"))
                   .annotate(sector=Coalesce("industry__parent_id", "industry_id"))
                   .values("sector").annotate(n=Count("patent_id", distinct=True)).values_list("sector", "n"))
    sectors = {i.code: i.name for i in Industry.objects.filter(parent__isnull=True)}
    buckets = _bucket_counts(records)

    def bucket(dimension: str, labels: Mapping) -> list[FacetOption]:
        return [FacetOption(str(value), str(label), buckets[f"{dimension}_{value}"])
                for value, label in labels.items() if buckets[f"{dimension}_{value}"]]

    def by(field_name: str):
        return records.values(field_name).annotate(n=Count("pk")).values_list(field_name, "n")

    province_rows = list(by("institution__province_id"))
    provinces = dict(Province.objects.filter(code__in=[p for p, _n in province_rows]).values_list("code", "name"))
    institution_rows = list(records.values("institution_id").annotate(n=Count("pk"))
                            .order_by("-n", "institution_id").values_list("institution_id", "n")[:top])
    institutions = dict(Organization.objects.filter(pk__in=[i for i, _n in institution_rows])
                        .values_list("pk", "name"))
    return {
        "industry": _options(sector_rows, sectors),
        "maturity": bucket("maturity", {level: f"{level} {name}" for level, name in TECHNOLOGY_READINESS.items()}),
        "prospect": bucket("prospect", dict(Prospect.choices)),
        "intent": bucket("intent", {i.value: i.label for i in INTENTS}),
        "license_type": bucket("license_type", dict(LicenseType.choices)),
        "patent_type": _options(by("patent__patent_type"), dict(PatentType.choices)),
        "province": sorted(_options(province_rows, provinces), key=lambda o: -o.count),
        "institution": [FacetOption(str(pk), institutions.get(pk, ""), n) for pk, n in institution_rows],
    }


def cached_facets(params: LibraryParams, records: QuerySet[InventoryRecord]) -> dict[str, list[FacetOption]]:
    """`facets(records)`, kept FACETS_CACHE_SECONDS. The library is the same for every role that
    browses it, so the counts depend only on the filters (and the language of the labels)."""
    filters = urlencode(sorted((name, str(value)) for name, value in params.active().items()))
    key = "library-facets:" + hashlib.sha256(f"{get_language()}|{filters}".encode()).hexdigest()
    return cache.get_or_set(key, lambda: facets(records), FACETS_CACHE_SECONDS)


@dataclass
class Card:
    """One library entry as a buyer reads it; `score` and `missing` only for the owning institution."""
    record: InventoryRecord
    maturity_label: str
    intent_labels: list[str]
    industries: list[str]
    is_owner: bool
    missing: list = field(default_factory=list)
    # The contact as this reader sees it: masked unless the reader may reach the person (audiences).
    phone: str = ""
    email: str = ""

    @property
    def patent(self) -> Patent:
        return self.record.patent

    @property
    def shows_contacts(self) -> bool:
        """Whether the reader sees the contact's phone or e-mail unmasked (a read of personal data)."""
        record = self.record
        return bool((record.contact_phone and self.phone == record.contact_phone)
                    or (record.contact_email and self.email == record.contact_email))


def is_owner(user, record: InventoryRecord) -> bool:
    """The institution that lists the entry (its staff see the listing's quality)."""
    return role_of(user) == Role.INSTITUTION and record.institution_id == user.organization_id


def card(user, record: InventoryRecord, *, own: bool | None = None) -> Card:
    """The entry as `user` reads it; `own`: whether the patent's own data is the user's to see
    (inventory.patents.audiences; read here when not given)."""
    owner = is_owner(user, record)
    if own is None:
        own = bool(own_patent_ids(user, [record.patent_id]))
    contacts = sees_contacts(user, own=own)
    intent_names = dict(Intent.choices)
    maturity = ""
    if record.maturity is not None:
        maturity = f"{record.maturity} {TECHNOLOGY_READINESS.get(record.maturity, '')}".strip()
    return Card(
        record=record,
        maturity_label=maturity,
        intent_labels=[str(intent_names.get(i, i)) for i in (record.intents or []) if i != Intent.NONE],
        industries=[link.industry.name for link in record.patent.industry_links.all()],
        is_owner=owner,
        missing=listing.missing(record) if owner else [],
        phone=shown_value("contact_phone", record.contact_phone, contacts=contacts),
        email=shown_value("contact_email", record.contact_email, contacts=contacts),
    )
