"""Every patent's strategic emerging industries and WIPO technology fields (DATA-STANDARD.md §5).

The concordance is data (IndustryRule, TechnologyField): IPC patterns with `*` wildcards, and for
industry rules exclusions (不含) and keywords. A pattern is read at one of four levels:

    G06*         class        every subclass of G06
    G06N*        subclass     G06N (the `*` is optional)
    G10L15*      main group   G10L 15/xx; also written G10L15/*, G10L 15, G10L 15/00 (a main group's
                              symbol names the group with its subgroups, as in the IPC itself)
    G06F9/50*    subgroup     subgroups of G06F 9 whose digits start 50 (9/50, 9/5005, 9/5027 …);
                              without `*` (G06F 9/50) that subgroup alone

Industries: a patent falls in a rule's sub-sector when one of its IPC codes (main_ipc and
ipc_codes) matches one of the rule's patterns and none of its exclusions, and, if the rule has
keywords, its title or abstract contains one of them. Technology fields: each code goes to the
field(s) of its most specific matching pattern, which is how WIPO's concordance writes its
exceptions (G01* is 10 Measurement, G01N33* is 11 Analysis of biological materials).

Staff overrides: InventoryRecord.industry_codes and InventoryRecord.field_numbers, when not
empty, are the patent's industries or fields exactly (rows with is_manual=True). Classifying a
patent reads its record, so an override survives every re-classification and every base library
re-import (which never touches records); `apply_overrides` is classification of those records'
patents.

National scale (1.5 million patents): the concordance is compiled once into dictionaries keyed by
class, subclass and main group, each distinct IPC code is resolved once, patents are read and
written in chunks, and each chunk's rows are synchronised set-wise (one read of its current rows,
one bulk delete of the rows no longer wanted, one bulk insert of the new ones), so a re-run that
changes nothing writes nothing.
"""

import re
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from inventory import data
from inventory.models import (
    Industry,
    IndustryRule,
    InventoryRecord,
    Patent,
    PatentIndustry,
    PatentTechField,
    TechnologyField,
)

# The task that re-classifies every patent (inventory/tasks.py registers it under this name).
CLASSIFY_ALL_TASK = "inventory.classify_all_patents"

# Levels of a pattern, least to most specific.
CLASS, SUBCLASS, GROUP, SUBGROUP = 1, 2, 3, 4

_PATTERN = re.compile(r"^([A-H]\d{2})(?:([A-Z])(?:(\d{1,4})(?:/(\d{0,6}))?)?)?(\*)?$")
_CODE = re.compile(r"^([A-H]\d{2})([A-Z])(?:(\d{1,4})(?:/(\d{1,6}))?)?")


def _compact(text: object) -> str:
    """Upper case, half-width, without spaces: `g06v 10/82` and `Ｇ06Ｖ10/82` become `G06V10/82`."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).upper()


@dataclass(frozen=True)
class Pattern:
    level: int
    subclass: str  # "G06" for a class pattern, else the four-character subclass
    group: str = ""  # main group without leading zeros ("15")
    subgroup: str = ""  # subgroup digits (a prefix when `prefix`)
    prefix: bool = False

    @property
    def specificity(self) -> tuple[int, int]:
        return (self.level, len(self.subgroup))

    def __str__(self) -> str:
        """The canonical spelling, as stored: G06*, G06N*, G10L15*, G06F9/50*, G06F9/50."""
        if self.level in (CLASS, SUBCLASS):
            return f"{self.subclass}*"
        if self.level == GROUP:
            return f"{self.subclass}{self.group}*"
        return f"{self.subclass}{self.group}/{self.subgroup}{'*' if self.prefix else ''}"


class InvalidPattern(ValueError):
    """The message says, in Chinese, what is wrong with the pattern."""


def parse_pattern(text: object) -> Pattern:
    """A concordance pattern (see the module docstring); raises InvalidPattern."""
    compact = _compact(text)
    match = _PATTERN.match(compact)
    if not match:
        raise InvalidPattern(
            _("“%(value)s”不是有效的 IPC 参照写法,应写作如 G06N*、G10L15*、G06F9/50* 或 A61K 31/00")
            % {"value": str(text or "").strip()}
        )
    klass, letter, group, subgroup, star = match.groups()
    if letter is None:
        return Pattern(CLASS, klass)
    subclass = klass + letter
    if group is None:
        return Pattern(SUBCLASS, subclass)
    group = str(int(group))
    if not subgroup or (subgroup.strip("0") == "" and len(subgroup) >= 2):
        # G10L15*, G10L15/*, G10L15, G10L15/00: the main group with all its subgroups.
        return Pattern(GROUP, subclass, group)
    return Pattern(SUBGROUP, subclass, group, subgroup, prefix=bool(star))


def parse_code(text: object) -> tuple[str, str, str] | None:
    """(subclass, main group, subgroup) of an IPC symbol, "" for parts it lacks; None if it is not
    IPC (a design's Locarno class, say)."""
    match = _CODE.match(_compact(text))
    if not match:
        return None
    klass, letter, group, subgroup = match.groups()
    return klass + letter, str(int(group)) if group else "", subgroup or ""


class PatternIndex:
    """Patterns with a target each, looked up by an IPC code's class, subclass and main group."""

    def __init__(self) -> None:
        self._whole: dict[str, list] = defaultdict(list)  # class or subclass -> [(target, specificity)]
        self._groups: dict[tuple[str, str], list] = defaultdict(list)
        self._subgroups: dict[tuple[str, str], list] = defaultdict(list)  # -> [(pattern, target)]

    def add(self, pattern: Pattern, target: object) -> None:
        if pattern.level in (CLASS, SUBCLASS):
            self._whole[pattern.subclass].append((target, pattern.specificity))
        elif pattern.level == GROUP:
            self._groups[(pattern.subclass, pattern.group)].append((target, pattern.specificity))
        else:
            self._subgroups[(pattern.subclass, pattern.group)].append((pattern, target))

    def hits(self, code: tuple[str, str, str]) -> list[tuple[object, tuple[int, int]]]:
        subclass, group, subgroup = code
        found = self._whole.get(subclass[:3], []) + self._whole.get(subclass, [])
        if group:
            found += self._groups.get((subclass, group), [])
            for pattern, target in self._subgroups.get((subclass, group), ()):
                if subgroup.startswith(pattern.subgroup) if pattern.prefix else subgroup == pattern.subgroup:
                    found.append((target, pattern.specificity))
        return found


@dataclass(frozen=True)
class Rule:
    industry: str
    keywords: tuple[str, ...]


class Concordance:
    """The concordance compiled for matching; `load()` reads it from the database once per run."""

    CACHE_LIMIT = 500_000  # distinct IPC codes remembered (a few hundred thousand exist)

    def __init__(self, rules: Iterable[dict], fields: Iterable[dict]) -> None:
        self.rules: list[Rule] = []
        self._patterns = PatternIndex()
        self._exclusions = PatternIndex()
        for index, rule in enumerate(rules):
            self.rules.append(Rule(rule["industry"], tuple(rule.get("keywords") or ())))
            for text in rule["ipc_patterns"]:
                self._patterns.add(parse_pattern(text), index)
            for text in rule.get("exclusions") or ():
                self._exclusions.add(parse_pattern(text), index)
        self._fields = PatternIndex()
        for item in fields:
            for text in item["ipc_patterns"]:
                self._fields.add(parse_pattern(text), item["number"])
        self._cache: dict[str, tuple[frozenset[int], frozenset[int]]] = {}

    @classmethod
    def load(cls) -> "Concordance":
        rules = IndustryRule.objects.order_by("pk").values("industry_id", "ipc_patterns", "exclusions", "keywords")
        return cls(
            [{"industry": r["industry_id"], "ipc_patterns": r["ipc_patterns"], "exclusions": r["exclusions"],
              "keywords": r["keywords"]} for r in rules],
            TechnologyField.objects.values("number", "ipc_patterns"),
        )

    def _resolve(self, raw: str) -> tuple[frozenset[int], frozenset[int]]:
        """(industry rules, technology fields) of one IPC code, each distinct code computed once."""
        cached = self._cache.get(raw)
        if cached is not None:
            return cached
        code = parse_code(raw)
        if code is None:
            resolved: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())
        else:
            excluded = {rule for rule, _level in self._exclusions.hits(code)}
            rules = frozenset(rule for rule, _level in self._patterns.hits(code) if rule not in excluded)
            field_hits = self._fields.hits(code)
            best = max((level for _number, level in field_hits), default=None)
            resolved = (rules, frozenset(number for number, level in field_hits if level == best))
        if len(self._cache) >= self.CACHE_LIMIT:
            self._cache.clear()
        self._cache[raw] = resolved
        return resolved

    def classify(self, main_ipc: str, ipc_codes: Iterable[str], title: str = "",
                 abstract: str = "") -> tuple[set[str], set[int]]:
        """(industry codes, technology field numbers) that the concordance gives these IPC codes and text."""
        rules: set[int] = set()
        fields: set[int] = set()
        for raw in (main_ipc, *(ipc_codes or ())):
            if raw:
                code_rules, code_fields = self._resolve(raw)
                rules |= code_rules
                fields |= code_fields
        industries: set[str] = set()
        text = None
        for index in rules:
            rule = self.rules[index]
            if rule.industry in industries:
                continue
            if rule.keywords:
                if text is None:
                    text = f"{title or ''}\n{abstract or ''}"
                if not any(keyword in text for keyword in rule.keywords):
                    continue
            industries.add(rule.industry)
        return industries, fields


@dataclass
class ClassificationCounts:
    patents: int = 0  # patents looked at
    with_industry: int = 0  # patents left with at least one industry
    with_field: int = 0  # patents left with at least one technology field
    overridden: int = 0  # patents whose record overrides industries or fields
    added: int = 0  # rows written
    removed: int = 0  # rows deleted

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Chunk:
    industries: dict[tuple[int, str], bool] = field(default_factory=dict)  # (patent, code) -> is_manual
    fields: dict[tuple[int, int], bool] = field(default_factory=dict)


def chunk_size() -> int:
    # SQLite builds may refuse more than 999 bound parameters; PostgreSQL takes large arrays.
    return 900 if connection.vendor == "sqlite" else 5_000


def classify_patents(
    patents: QuerySet, *, concordance: Concordance | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ClassificationCounts:
    """Give each patent of `patents` its industries and technology fields: the record's override
    where there is one (is_manual=True), the concordance's otherwise (is_manual=False).

    Each chunk commits on its own; the result is the same however often it runs."""
    concordance = concordance or Concordance.load()
    known_industries = set(Industry.objects.values_list("code", flat=True))
    known_fields = set(TechnologyField.objects.values_list("number", flat=True))
    ids = array("q", patents.order_by().values_list("pk", flat=True).distinct().iterator(chunk_size=20_000))
    ids = array("q", sorted(ids))
    counts = ClassificationCounts()
    size = chunk_size()
    for start in range(0, len(ids), size):
        part = list(ids[start:start + size])
        with transaction.atomic():
            _classify_chunk(part, concordance, known_industries, known_fields, counts)
        if progress:
            progress(min(start + size, len(ids)), len(ids))
    return counts


def apply_overrides(records: QuerySet) -> ClassificationCounts:
    """Make the industries and fields of these records' patents exactly their overrides (or,
    where an override was cleared, the concordance's classification again)."""
    return classify_patents(Patent.objects.filter(pk__in=records.values("patent_id")))


def _override_industries(codes: object, known: set[str]) -> list[str]:
    return [str(code) for code in (codes or ()) if str(code) in known]


def _override_fields(numbers: object, known: set[int]) -> list[int]:
    found = []
    for number in numbers or ():
        try:
            value = int(number)
        except (TypeError, ValueError):
            continue
        if value in known:
            found.append(value)
    return found


def _classify_chunk(ids: list[int], concordance: Concordance, known_industries: set[str], known_fields: set[int],
                    counts: ClassificationCounts) -> None:
    overrides = {
        patent_id: (_override_industries(codes, known_industries), _override_fields(numbers, known_fields))
        for patent_id, codes, numbers in InventoryRecord.objects.filter(patent_id__in=ids).values_list(
            "patent_id", "industry_codes", "field_numbers")
    }
    wanted = _Chunk()
    rows = Patent.objects.filter(pk__in=ids).values_list("pk", "main_ipc", "ipc_codes", "title", "abstract")
    for patent_id, main_ipc, ipc_codes, title, abstract in rows:
        counts.patents += 1
        manual_industries, manual_fields = overrides.get(patent_id, ([], []))
        if manual_industries and manual_fields:
            industries, fields = set(), set()
        else:
            industries, fields = concordance.classify(main_ipc, ipc_codes, title, abstract)
        if manual_industries or manual_fields:
            counts.overridden += 1
        for code in manual_industries or industries:
            wanted.industries[(patent_id, code)] = bool(manual_industries)
        for number in manual_fields or fields:
            wanted.fields[(patent_id, number)] = bool(manual_fields)
        counts.with_industry += bool(manual_industries or industries)
        counts.with_field += bool(manual_fields or fields)
    _sync(PatentIndustry, "industry_id", ids, wanted.industries, counts)
    _sync(PatentTechField, "field_id", ids, wanted.fields, counts)


def _sync(model, column: str, ids: list[int], wanted: dict[tuple, bool], counts: ClassificationCounts) -> None:
    """Make the chunk's rows of `model` exactly `wanted`: delete the others, insert the missing."""
    have = {(patent_id, value): (pk, manual) for pk, patent_id, value, manual in _current_rows(model, column, ids)}
    stale = [pk for key, (pk, manual) in have.items() if wanted.get(key) != manual]
    new = [(key[0], key[1], manual) for key, manual in wanted.items() if key not in have or have[key][1] != manual]
    _delete_rows(model, stale)
    _insert_rows(model, column, new)
    counts.added += len(new)
    counts.removed += len(stale)


# On PostgreSQL the chunk's ids travel as one array parameter (= ANY) and new rows as one array per
# column (INSERT … SELECT FROM unnest): no model instance and no per-row SQL, which is most of the
# cost of bulk_create at a million rows. Other databases (SQLite for demos and tests) use the ORM.


def _current_rows(model, column: str, ids: list[int]) -> list[tuple]:
    if connection.vendor != "postgresql":
        return list(model.objects.filter(patent_id__in=ids).values_list("pk", "patent_id", column, "is_manual"))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, patent_id, {quote(column)}, is_manual FROM {quote(model._meta.db_table)} "
            f"WHERE patent_id = ANY(%s)", [ids])
        return cursor.fetchall()


def _delete_rows(model, pks: list[int]) -> None:
    if not pks:
        return
    if connection.vendor != "postgresql":
        size = chunk_size()
        for start in range(0, len(pks), size):
            model.objects.filter(pk__in=pks[start:start + size]).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id = ANY(%s)", [pks])


def _insert_rows(model, column: str, rows: list[tuple]) -> None:
    """Insert (patent_id, value, is_manual) rows."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(patent_id=patent_id, is_manual=manual, **{column: value}) for patent_id, value, manual in rows],
            batch_size=1_000)
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field("patent"), model._meta.get_field(column.removesuffix("_id")),
              model._meta.get_field("is_manual")]
    columns = ", ".join(quote(f.column) for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})",
            [list(values) for values in zip(*rows, strict=True)])


# Display -------------------------------------------------------------------------------------


def industry_name(code: str) -> str:
    return data.industries().get(code, "")


def industry_label(code: str) -> str:
    """`1.5 人工智能`."""
    name = industry_name(code)
    return f"{code} {name}" if name else code


def field_name(number: int) -> str:
    return next((item["name"] for item in data.technology_fields() if item["number"] == int(number)), "")


def industries_of(patent: Patent) -> list[dict]:
    """The patent's industries: [{code, name, sector, is_manual}] in code order."""
    links = PatentIndustry.objects.filter(patent=patent).values_list("industry_id", "is_manual")
    return [
        {"code": code, "name": industry_name(code), "sector": data.parent_code(code) or code, "is_manual": manual}
        for code, manual in sorted(links, key=lambda link: [int(part) for part in link[0].split(".")])
    ]


def fields_of(patent: Patent) -> list[dict]:
    """The patent's technology fields: [{number, name, is_manual}] in number order."""
    links = PatentTechField.objects.filter(patent=patent).order_by("field_id").values_list("field_id", "is_manual")
    return [{"number": number, "name": field_name(number), "is_manual": manual} for number, manual in links]


def concordance_is_provisional() -> bool:
    """True while any rule of the shipped provisional concordance is in use (or none is loaded)."""
    return IndustryRule.objects.filter(provisional=True).exists() or not IndustryRule.objects.exists()
