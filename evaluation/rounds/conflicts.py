"""Conflicts of interest between an expert and a patent (利益冲突), checked before every assignment.

An expert may not evaluate a patent when
- INVENTOR: their name is among the patent's inventors and their employer is one of its owners
  or unknown (a namesake at an unrelated employer is not the inventor);
- EMPLOYER: they work for one of the patent's owners (any PatentOwnership organisation, or a
  patentee by credit code or exact name) or for the enterprise that asked for the evaluation;
  matched by the platform organisation, by credit code and by name, so an employer typed
  differently from the platform's record is still caught by its code;
- AFFILIATION: they declared an affiliation (Expert.affiliations) with one of those organisations,
  by credit code or exact name;
- COINVENTOR: they co-invented a patent with one of its inventors in the last
  COINVENTOR_YEARS years (CoInventorLink), the co-invention having happened at the expert's
  employer or at one of the patent's owners (a common name elsewhere is not the same person).

Everything is computed in sets: `ConflictIndex` loads the experts' facts once and the co-inventor
links of all their names in a few queries, then answers per patent by dictionary look-ups; the
single check (`conflicts_of`) builds the same index for one expert and one patent.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from evaluation.experts.models import Expert
from evaluation.rounds.models import CoInventorLink
from inventory.models import Patent, PatentOwnership

# "In the last five years": a co-invention whose latest application year is at least this many
# years before the current one still counts (2026 counts 2021–2026).
COINVENTOR_YEARS = 5
# Names per query when reading the co-inventor links (keeps the parameter lists reasonable).
NAME_CHUNK = 2000

INVENTOR = "conflict_inventor"
EMPLOYER = "conflict_employer"
AFFILIATION = "conflict_affiliation"
COINVENTOR = "conflict_coinventor"
# The order in which a conflict is named when several apply (the most specific first).
REASONS = (INVENTOR, EMPLOYER, AFFILIATION, COINVENTOR)
LABELS = {
    INVENTOR: _("是该专利的发明人"),
    EMPLOYER: _("任职于专利权人或申请评价的企业"),
    AFFILIATION: _("与专利权人或申请评价的企业存在关联"),
    COINVENTOR: _("近五年与该专利发明人共同发明过专利"),
}


def clean_name(value: object) -> str:
    return "".join(str(value or "").split())


def clean_code(value: object) -> str:
    return str(value or "").strip().upper()


@dataclass(frozen=True)
class Parties:
    """Who a patent belongs to and who asked about it, as the conflict rules read them."""

    patent_id: int
    owner_ids: frozenset[int]
    owner_codes: frozenset[str]
    owner_names: frozenset[str]
    requester_ids: frozenset[int] = frozenset()
    requester_codes: frozenset[str] = frozenset()
    requester_names: frozenset[str] = frozenset()
    inventors: tuple[str, ...] = ()


@dataclass
class ExpertFacts:
    """What the conflict rules read of an expert."""

    id: int
    name: str
    employer_id: int | None
    employer_code: str
    employer_name: str
    affiliation_codes: frozenset[str] = frozenset()
    affiliation_names: frozenset[str] = frozenset()

    @property
    def employer_known(self) -> bool:
        return bool(self.employer_id or self.employer_code)


EXPERT_FIELDS = ("id", "name", "employer_id", "employer_credit_code", "employer_name", "affiliations")


def facts_from_row(row: dict) -> ExpertFacts:
    codes, names = set(), set()
    for item in row.get("affiliations") or []:
        if isinstance(item, dict):
            if clean_code(item.get("credit_code")):
                codes.add(clean_code(item.get("credit_code")))
            if clean_name(item.get("name")):
                names.add(clean_name(item.get("name")))
        elif clean_name(item):
            names.add(clean_name(item))
    return ExpertFacts(row["id"], clean_name(row["name"]), row["employer_id"], clean_code(row["employer_credit_code"]),
                       clean_name(row["employer_name"]), frozenset(codes), frozenset(names))


def load_parties(patent_ids: Iterable[int], requesters: dict[int, set[int]] | None = None) -> dict[int, Parties]:
    """The parties of each patent, in three queries whatever the number of patents: the patents'
    inventors and patentees, their ownerships with the owners' codes and names, and the
    requesting enterprises (`requesters`: patent id → enterprise ids)."""
    ids = list(set(patent_ids))
    requesters = requesters or {}
    owners: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for patent_id, org_id, code, name in (PatentOwnership.objects.filter(patent_id__in=ids).order_by()
                                          .values_list("patent_id", "organization_id", "organization__credit_code",
                                                       "organization__name").iterator(chunk_size=20000)):
        owners[patent_id].append((org_id, clean_code(code), clean_name(name)))
    enterprise_ids = {e for found in requesters.values() for e in found}
    enterprises = {pk: (clean_code(code), clean_name(name)) for pk, code, name in
                   Organization.objects.filter(pk__in=enterprise_ids).values_list("pk", "credit_code", "name")}
    parties = {}
    for pk, inventors, patentees, codes in (Patent.objects.filter(pk__in=ids).order_by()
                                            .values_list("pk", "inventors", "patentees", "patentee_credit_codes")
                                            .iterator(chunk_size=20000)):
        own = owners.get(pk, [])
        asked = requesters.get(pk, set())
        parties[pk] = Parties(
            patent_id=pk,
            owner_ids=frozenset(o for o, _c, _n in own),
            owner_codes=frozenset({c for _o, c, _n in own if c}
                                  | {clean_code(c) for c in codes or [] if clean_code(c)}),
            owner_names=frozenset({n for _o, _c, n in own if n} | {clean_name(n) for n in patentees or []
                                                                   if clean_name(n)}),
            requester_ids=frozenset(asked),
            requester_codes=frozenset(enterprises[e][0] for e in asked if e in enterprises and enterprises[e][0]),
            requester_names=frozenset(enterprises[e][1] for e in asked if e in enterprises and enterprises[e][1]),
            inventors=tuple(dict.fromkeys(clean_name(n) for n in inventors or [] if clean_name(n))),
        )
    return parties


@dataclass
class ConflictIndex:
    """The experts' facts indexed by everything a conflict rule looks up, and the co-inventor links
    of their names: (inventor name) → [(expert name, organisation id)]."""

    experts: dict[int, ExpertFacts]
    by_employer_id: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_employer_code: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_employer_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_affiliation_code: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_affiliation_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    links: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, experts: Iterable[ExpertFacts], *, today: dt.date | None = None,
              inventors: set[str] | None = None) -> "ConflictIndex":
        """Index `experts`; read the co-inventor links of their names since the cutoff year (one
        query per NAME_CHUNK names and direction). `inventors`, if given, keeps only the links to
        those names (the patents at hand)."""
        index = cls({e.id: e for e in experts})
        for e in index.experts.values():
            if e.employer_id:
                index.by_employer_id[e.employer_id].add(e.id)
            if e.employer_code:
                index.by_employer_code[e.employer_code].add(e.id)
            if e.employer_name:
                index.by_employer_name[e.employer_name].add(e.id)
            for code in e.affiliation_codes:
                index.by_affiliation_code[code].add(e.id)
            for name in e.affiliation_names:
                index.by_affiliation_name[name].add(e.id)
            index.by_name[e.name].add(e.id)
        index._load_links((today or dt.date.today()).year - COINVENTOR_YEARS, inventors)
        return index

    def _load_links(self, since: int, inventors: set[str] | None) -> None:
        names = sorted(self.by_name)
        for start in range(0, len(names), NAME_CHUNK):
            chunk = names[start:start + NAME_CHUNK]
            rows = (CoInventorLink.objects.filter(Q(name_a__in=chunk) | Q(name_b__in=chunk), last_year__gte=since)
                    .order_by().values_list("name_a", "name_b", "organization_id"))
            for a, b, org in rows.iterator(chunk_size=20000):
                for expert_name, other in ((a, b), (b, a)):
                    if expert_name in self.by_name and (inventors is None or other in inventors):
                        self.links[other].append((expert_name, org))

    def hits(self, parties: Parties, reason: str) -> set[int]:
        """The indexed experts one rule (`reason`) finds in conflict with the patent."""
        rule = {INVENTOR: self._inventors, EMPLOYER: self._employees, AFFILIATION: self._affiliated,
                COINVENTOR: self._coinventors}[reason]
        return rule(parties)

    def _inventors(self, parties: Parties) -> set[int]:
        found = set()
        for name in parties.inventors:
            for pk in self.by_name.get(name, ()):
                e = self.experts[pk]
                if (not e.employer_known or e.employer_id in parties.owner_ids
                        or (e.employer_code and e.employer_code in parties.owner_codes)):
                    found.add(pk)
        return found

    def _by_code_and_name(self, parties: Parties, by_code: dict, by_name: dict) -> set[int]:
        found: set[int] = set()
        for code in parties.owner_codes | parties.requester_codes:
            found.update(by_code.get(code, ()))
        for name in parties.owner_names | parties.requester_names:
            found.update(by_name.get(name, ()))
        return found

    def _employees(self, parties: Parties) -> set[int]:
        found = self._by_code_and_name(parties, self.by_employer_code, self.by_employer_name)
        for org in parties.owner_ids | parties.requester_ids:
            found.update(self.by_employer_id.get(org, ()))
        return found

    def _affiliated(self, parties: Parties) -> set[int]:
        return self._by_code_and_name(parties, self.by_affiliation_code, self.by_affiliation_name)

    def _coinventors(self, parties: Parties) -> set[int]:
        found = set()
        for inventor in parties.inventors:
            for expert_name, org in self.links.get(inventor, ()):
                if expert_name == inventor:
                    continue
                for pk in self.by_name.get(expert_name, ()):
                    if org in parties.owner_ids or org == self.experts[pk].employer_id:
                        found.add(pk)
        return found

    def conflicts(self, parties: Parties) -> dict[int, str]:
        """expert id → the first conflict reason (REASONS order), for every indexed expert in
        conflict with the patent."""
        found: dict[int, str] = {}
        for reason in REASONS:
            for pk in self.hits(parties, reason):
                found.setdefault(pk, reason)
        return found


def expert_facts(experts: Iterable[Expert] | None = None, ids: Iterable[int] | None = None) -> list[ExpertFacts]:
    """The facts of the given experts (model instances), or of the experts `ids` (one query)."""
    if experts is not None:
        return [facts_from_row({f: getattr(e, "employer_credit_code" if f == "employer_credit_code" else f)
                                for f in EXPERT_FIELDS}) for e in experts]
    return [facts_from_row(row) for row in Expert.objects.filter(pk__in=list(ids or [])).values(*EXPERT_FIELDS)]


def conflicts_of(expert: Expert, patent: Patent, requester_ids: Iterable[int] = (),
                 *, today: dt.date | None = None) -> list[str]:
    """Every conflict reason (REASONS order) between one expert and one patent; [] when none."""
    parties = load_parties([patent.pk], {patent.pk: set(requester_ids)})[patent.pk]
    facts = expert_facts([expert])
    index = ConflictIndex.build(facts, today=today, inventors=set(parties.inventors))
    return [reason for reason in REASONS if index.hits(parties, reason)]
