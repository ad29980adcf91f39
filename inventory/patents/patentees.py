"""Which institution a patentee named in the base library is.

A patentee is matched to an institution (Organization of kind institution) by its 统一社会信用代码
when the sheet gives one, else by its exact name, else by one of the institution's aliases
(OrganizationAlias: former names and common variants), names compared after normalisation.
A patentee that is not an institution — an enterprise or a person — is simply not an owner;
only names that look like an institution and match none are reported, so that the operator can
add an alias and import again.

Matching reads every institution, name and alias once (about 3,000 institutions nationally)
and then answers from memory: the base library import matches millions of patentees.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Organization, OrganizationAlias

# Brackets people type for a campus or a former name: 北京大学（深圳） = 北京大学(深圳) = 北京大学[深圳].
_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "{": "(", "}": ")"})
_SPACES = re.compile(r"\s+")

# Enterprises are told first: 清华大学出版社有限公司 is a company, not a university.
_ENTERPRISE_MARKERS = ("公司", "企业", "集团", "工厂", "厂", "合作社", "商行", "事务所", "股份", "有限合伙")
_ENTERPRISE_WORDS = re.compile(
    r"\b(CO|LTD|LIMITED|INC|CORP|CORPORATION|COMPANY|GMBH|LLC|AG|SA|SAS|BV|NV|KK|PLC|SPA)\b"
)
# Universities, research institutes, hospitals.
_INSTITUTION_MARKERS = (
    "大学", "学院", "学校", "研究院", "研究所", "科学院", "医院", "研究中心", "实验室", "中心", "卫生院",
    "保健院", "疾病预防控制",
)
_INSTITUTION_WORDS = re.compile(
    r"\b(UNIVERSITY|UNIVERSITAT|UNIVERSITE|INSTITUTE|INSTITUT|COLLEGE|ACADEMY|HOSPITAL|LABORATORY|SCHOOL)\b"
)
# A person: two to four Chinese characters, or a transliterated name joined by middle dots (阿依古丽·买买提).
_PERSON = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,10}(?:[·•][\u4e00-\u9fff]{1,10}){1,3})$")


def normalize_name(raw: object) -> str:
    """The form names are compared in: full width folded, spaces dropped, every bracket made (), Latin upper case."""
    text = unicodedata.normalize("NFKC", str(raw or "")).translate(_BRACKETS)
    return _SPACES.sub("", text).upper()


class PatenteeKind(StrEnum):
    INSTITUTION = "institution"
    ENTERPRISE = "enterprise"
    PERSON = "person"
    UNKNOWN = "unknown"


def classify(name: str, credit_code: str = "") -> PatenteeKind:
    """What a patentee that matched no institution probably is, from its credit code or its name.

    The first character of a 统一社会信用代码 is the registering authority: 9 市场监管 (enterprises),
    1 机构编制 (public institutions, which public universities, institutes and hospitals are), 5 民政.
    """
    if credit_code:
        if credit_code[0] == "9":
            return PatenteeKind.ENTERPRISE
        if credit_code[0] in "15":
            return PatenteeKind.INSTITUTION
    normalized = normalize_name(name)
    # Latin words are looked for with their spaces kept: "AG" is a company form, "AGRICULTURAL" is not.
    words = unicodedata.normalize("NFKC", str(name or "")).upper()
    if any(marker in normalized for marker in _ENTERPRISE_MARKERS) or _ENTERPRISE_WORDS.search(words):
        return PatenteeKind.ENTERPRISE
    if any(marker in normalized for marker in _INSTITUTION_MARKERS) or _INSTITUTION_WORDS.search(words):
        return PatenteeKind.INSTITUTION
    if _PERSON.match(normalized):
        return PatenteeKind.PERSON
    return PatenteeKind.UNKNOWN


@dataclass(frozen=True)
class PatenteeMatch:
    position: int  # 1-based, in the order of 专利权人
    name: str
    organization_id: int | None  # the institution, or None
    via: str  # "credit_code", "name", "alias" or "" when unmatched
    kind: PatenteeKind  # INSTITUTION when matched; otherwise the guess of `classify`

    @property
    def is_unmatched_institution(self) -> bool:
        """Reported to the operator: looks like an institution (or cannot be told) but matched none."""
        return self.organization_id is None and self.kind in (PatenteeKind.INSTITUTION, PatenteeKind.UNKNOWN)


class PatenteeMatcher:
    """Matches patentees against the institutions and aliases as they are when it is built."""

    def __init__(self) -> None:
        self.by_credit_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_alias: dict[str, int] = {}
        # Known organisations that are not institutions (enterprises…): never owners, never reported.
        self.other_credit_codes: set[str] = set()
        self.other_names: set[str] = set()
        for pk, kind, name, credit_code in Organization.objects.values_list("pk", "kind", "name", "credit_code"):
            if kind == Organization.Kind.INSTITUTION:
                if credit_code:
                    self.by_credit_code[credit_code] = pk
                self.by_name.setdefault(normalize_name(name), pk)
            else:
                if credit_code:
                    self.other_credit_codes.add(credit_code)
                self.other_names.add(normalize_name(name))
        for org_id, kind, name in OrganizationAlias.objects.values_list(
            "organization_id", "organization__kind", "name"
        ):
            if kind == Organization.Kind.INSTITUTION:
                self.by_alias.setdefault(normalize_name(name), org_id)
            else:
                self.other_names.add(normalize_name(name))

    def match_one(self, position: int, name: str, credit_code: str = "") -> PatenteeMatch:
        if credit_code:
            org_id = self.by_credit_code.get(credit_code)
            if org_id is not None:
                return PatenteeMatch(position, name, org_id, "credit_code", PatenteeKind.INSTITUTION)
        key = normalize_name(name)
        org_id = self.by_name.get(key)
        if org_id is not None:
            return PatenteeMatch(position, name, org_id, "name", PatenteeKind.INSTITUTION)
        org_id = self.by_alias.get(key)
        if org_id is not None:
            return PatenteeMatch(position, name, org_id, "alias", PatenteeKind.INSTITUTION)
        if credit_code in self.other_credit_codes or key in self.other_names:
            return PatenteeMatch(position, name, None, "", PatenteeKind.ENTERPRISE)
        return PatenteeMatch(position, name, None, "", classify(name, credit_code))

    def match(self, names: Sequence[str], credit_codes: Sequence[str] = ()) -> list[PatenteeMatch]:
        """One match per patentee, in order; `credit_codes` is aligned with `names` ("" where none)."""
        return [
            self.match_one(position, name, credit_codes[position - 1] if position <= len(credit_codes) else "")
            for position, name in enumerate(names, start=1)
        ]


def owners(matches: Sequence[PatenteeMatch]) -> list[tuple[int, int]]:
    """(organization id, position) of the institution owners, in patentee order, each institution once."""
    seen: set[int] = set()
    result = []
    for match in matches:
        if match.organization_id is not None and match.organization_id not in seen:
            seen.add(match.organization_id)
            result.append((match.organization_id, match.position))
    return result


# Adding an alias (the operator's answer to an unmatched patentee) -------------------------------


def institutions_for_alias():
    return Organization.objects.filter(kind=Organization.Kind.INSTITUTION).order_by("name")


@transaction.atomic
def add_alias(*, actor, institution: Organization, name: str, request=None) -> OrganizationAlias:
    """Record `name` as another name of `institution`, so that the next base library import links it.

    Raises ValidationError (Chinese) when the name is empty, is already the name or alias of an
    organisation, or the organisation is not an institution.
    """
    name = unicodedata.normalize("NFKC", str(name or "")).strip()
    name = _SPACES.sub(" ", name)
    if not name:
        raise ValidationError(_("请填写别名"), code="required")
    if len(name) > OrganizationAlias._meta.get_field("name").max_length:
        raise ValidationError(_("别名“%(name)s”过长") % {"name": name}, code="max_length")
    if institution.kind != Organization.Kind.INSTITUTION:
        raise ValidationError(_("只能为高校和科研机构添加别名"), code="kind")
    key = normalize_name(name)
    for other in Organization.objects.values_list("name", flat=True).iterator():
        if normalize_name(other) == key:
            raise ValidationError(
                _("“%(name)s”已是机构“%(other)s”的名称") % {"name": name, "other": other}, code="taken"
            )
    for alias in OrganizationAlias.objects.select_related("organization"):
        if normalize_name(alias.name) == key:
            raise ValidationError(
                _("“%(name)s”已是机构“%(other)s”的别名") % {"name": name, "other": alias.organization.name},
                code="taken",
            )
    alias = OrganizationAlias.objects.create(organization=institution, name=name)
    record(
        "organization.alias_add", actor=actor, request=request, target=institution,
        after={"alias": name}, organization=institution,
    )
    return alias

