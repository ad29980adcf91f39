"""The random draw of experts (随机抽取).

Qualified for a patent: an approved expert whose industries or IPC specialties match the patent's
(industry codes at sector or sub-sector level, IPC prefixes at any depth), available from today to
the due date (no Unavailability overlapping it), under the cap of open assignments
(EVALUATION_MAX_OPEN_ASSIGNMENTS, counting those drawn earlier in the same round), not already
given the patent in the round, and without a conflict of interest (evaluation.rounds.conflicts).

Reproducible: each patent's draw gets a fresh seed (secrets, logged); its qualified candidates are
sorted by id and `random.Random(seed).sample(candidates, k)` picks the experts. The Draw row keeps
the seed, the candidates, the excluded counts by reason and the drawn ids, so `replay(draw)` gives
the same experts again.

In bulk: a round's draw loads the experts, their unavailabilities and open loads once (three
queries), the patents' parties and industries in a few more, the co-inventor links of every
expert's name in one query per 2,000 names, then works in memory; nothing is written unless every
patent found enough experts (DrawRefused, with the counts per reason, otherwise).
"""

import datetime as dt
import logging
import random
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.choices import AssignmentStatus, ExpertStatus
from evaluation.experts.models import Expert, Unavailability
from evaluation.rounds.conflicts import EXPERT_FIELDS, ConflictIndex, Parties, facts_from_row, load_parties
from evaluation.rounds.conflicts import LABELS as CONFLICT_LABELS
from evaluation.rounds.conflicts import REASONS as CONFLICT_REASONS
from evaluation.rounds.models import Assignment
from inventory.models import Patent, PatentIndustry

logger = logging.getLogger(__name__)

OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED)
SPECIALTY = "specialty"
UNAVAILABLE = "unavailable"
LOAD = "load"
ALREADY = "already"
# Why an approved expert was not a candidate, in the order the reasons are tried.
REASONS = (SPECIALTY, UNAVAILABLE, LOAD, ALREADY, *CONFLICT_REASONS)
LABELS = {
    SPECIALTY: gettext_lazy("产业和专业领域均不匹配"),
    UNAVAILABLE: gettext_lazy("评价期间不可用"),
    LOAD: gettext_lazy("在办评价任务已达上限"),
    ALREADY: gettext_lazy("已分配过该专利"),
    "not_approved": gettext_lazy("不是已入库专家"),
    **CONFLICT_LABELS,
}


def max_open_assignments() -> int:
    return int(getattr(settings, "EVALUATION_MAX_OPEN_ASSIGNMENTS", 10))


class DrawRefused(Exception):
    """Too few qualified experts: `message` says for which patent, how many were found and why the
    others failed. Nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_IPC = re.compile(r"^([A-H])(\d{2})([A-Z])(\d{1,4})(?:/(\d{1,6}))?")


def ipc_levels(code: str) -> list[str]:
    """The prefixes of an IPC symbol at each level, without spaces: G, G06, G06F, G06F16, G06F16/30."""
    text = "".join(str(code or "").upper().split())
    match = _IPC.match(text)
    if not match:
        return [text] if text else []
    section, klass, subclass, group, subgroup = match.groups()
    levels = [section, section + klass, section + klass + subclass, f"{section}{klass}{subclass}{int(group)}"]
    if subgroup:
        levels.append(f"{levels[-1]}/{subgroup}")
    return levels


def ipc_key(prefix: str) -> str:
    """An expert's IPC prefix in the form ipc_levels gives (`g06f 16` → `G06F16`)."""
    levels = ipc_levels(prefix)
    text = "".join(str(prefix or "").upper().split())
    return levels[-1] if levels and _IPC.match(text) else text


def _sector(code: str) -> str:
    return str(code).split(".")[0]


@dataclass
class Pool:
    """The approved experts as the draw reads them, loaded once."""

    facts: dict[int, object]
    by_industry: dict[str, set[int]]
    by_sector: dict[str, set[int]]
    by_ipc: dict[str, set[int]]
    unavailable: set[int]
    load: Counter
    cap: int
    conflicts: ConflictIndex | None = None

    @property
    def size(self) -> int:
        return len(self.facts)


def load_pool(due_on: dt.date, *, today: dt.date | None = None, inventors: set[str] | None = None) -> Pool:
    """Every approved expert with their specialties, who is unavailable from today to `due_on`,
    the open assignments of each, and the conflict index (co-inventor links kept to `inventors`)."""
    today = today or dt.date.today()
    rows = list(Expert.objects.filter(status=ExpertStatus.APPROVED).order_by("pk")
                .values(*EXPERT_FIELDS, "industry_codes", "ipc_prefixes"))
    by_industry, by_sector, by_ipc = defaultdict(set), defaultdict(set), defaultdict(set)
    facts = {}
    for row in rows:
        facts[row["id"]] = facts_from_row(row)
        for code in row["industry_codes"] or []:
            code = str(code).strip()
            if code:
                by_industry[code].add(row["id"])
                if "." in code:
                    by_sector[_sector(code)].add(row["id"])
        for prefix in row["ipc_prefixes"] or []:
            key = ipc_key(prefix)
            if key:
                by_ipc[key].add(row["id"])
    unavailable = set(Unavailability.objects.filter(starts_on__lte=due_on, ends_on__gte=today,
                                                    expert__status=ExpertStatus.APPROVED)
                      .values_list("expert_id", flat=True).distinct())
    load = Counter(dict(Assignment.objects.filter(status__in=OPEN_STATUSES).order_by().values("expert_id")
                        .annotate(n=Count("pk")).values_list("expert_id", "n")))
    pool = Pool(facts, by_industry, by_sector, by_ipc, unavailable, load, max_open_assignments())
    pool.conflicts = ConflictIndex.build(facts.values(), today=today, inventors=inventors)
    return pool


@dataclass
class PatentNeeds:
    """What the draw matches of a patent: its industries and IPC symbols, and its parties."""

    patent_id: int
    title: str
    industries: set[str] = field(default_factory=set)
    ipc: list[str] = field(default_factory=list)
    parties: Parties | None = None


def load_needs(patent_ids: Iterable[int], requesters: dict[int, set[int]] | None = None) -> dict[int, PatentNeeds]:
    """The patents' industries, IPC codes and parties: four queries for any number of patents."""
    ids = list(set(patent_ids))
    needs = {}
    for pk, title, main_ipc, codes in Patent.objects.filter(pk__in=ids).order_by().values_list(
            "pk", "title", "main_ipc", "ipc_codes").iterator(chunk_size=20000):
        needs[pk] = PatentNeeds(pk, title, ipc=list(dict.fromkeys([c for c in [main_ipc, *(codes or [])] if c])))
    for patent_id, industry in PatentIndustry.objects.filter(patent_id__in=ids).values_list(
            "patent_id", "industry_id").iterator(chunk_size=20000):
        if patent_id in needs:
            needs[patent_id].industries.add(industry)
    parties = load_parties(ids, requesters)
    for pk, need in needs.items():
        need.parties = parties.get(pk)
    return needs


def matching_experts(pool: Pool, need: PatentNeeds) -> set[int]:
    """The experts whose industry or IPC specialty matches the patent's."""
    found: set[int] = set()
    for code in need.industries:
        found |= pool.by_industry.get(code, set())
        sector = _sector(code)
        if sector != code:
            found |= pool.by_industry.get(sector, set())  # an expert of the whole sector
        else:
            found |= pool.by_sector.get(code, set())  # a sector-level patent, a sub-sector expert
    for symbol in need.ipc:
        for level in ipc_levels(symbol):
            found |= pool.by_ipc.get(level, set())
    return found


def exclusion(pool: Pool, pk: int, *, matched: set[int], already: set[int], conflicts: dict[int, str],
              extra_load: Counter) -> str | None:
    """The first reason (REASONS order) that keeps expert `pk` from the patent; None if qualified."""
    if pk not in matched:
        return SPECIALTY
    if pk in pool.unavailable:
        return UNAVAILABLE
    if pool.load[pk] + extra_load[pk] >= pool.cap:
        return LOAD
    if pk in already:
        return ALREADY
    return conflicts.get(pk)


def qualify(pool: Pool, need: PatentNeeds, already: set[int] = frozenset(),
            extra_load: Counter | None = None) -> tuple[list[int], dict[str, int]]:
    """(the qualified candidates sorted by id, excluded counts by reason) for one patent. Every
    approved expert not a candidate is counted once, under the first reason that excludes it."""
    excluded = Counter()
    matched = matching_experts(pool, need)
    excluded[SPECIALTY] = pool.size - len(matched)
    conflicts = pool.conflicts.conflicts(need.parties) if need.parties is not None and matched else {}
    candidates = []
    extra_load = extra_load if extra_load is not None else Counter()
    for pk in sorted(matched):
        reason = exclusion(pool, pk, matched=matched, already=already, conflicts=conflicts, extra_load=extra_load)
        if reason is None:
            candidates.append(pk)
        else:
            excluded[reason] += 1
    return candidates, {reason: excluded[reason] for reason in REASONS if excluded[reason]}


def why_not(pool: Pool, need: PatentNeeds, pk: int, already: set[int] = frozenset()) -> str | None:
    """Why one expert may not be given the patent (a reason of REASONS), or None if they may."""
    if pk not in pool.facts:
        return "not_approved"
    conflicts = pool.conflicts.conflicts(need.parties) if need.parties is not None else {}
    return exclusion(pool, pk, matched=matching_experts(pool, need), already=already, conflicts=conflicts,
                     extra_load=Counter())


def new_seed() -> str:
    return secrets.token_hex(16)


def pick(seed: str, candidates: list[int], k: int) -> list[int]:
    """The experts drawn: a sample of k of the candidates (sorted by id) by random.Random(seed)."""
    return random.Random(seed).sample(sorted(candidates), k)


def replay(draw) -> list[int]:
    """The experts a recorded Draw gives when run again from its seed and candidates."""
    return pick(draw.seed, list(draw.candidates), len(draw.drawn))


def too_few_message(title: str, k: int, candidates: int, excluded: dict[str, int], total: int) -> str:
    reasons = "、".join(f"{LABELS[reason]} {n} 名" for reason, n in excluded.items())
    return _("专利《%(title)s》合格专家不足:需要 %(k)d 名,只找到 %(found)d 名(专家库共 %(total)d 名已入库专家;"
             "未入选原因:%(reasons)s)。未抽取任何专家,请调整每件专利专家数或截止日期后再试。") % {
        "title": title, "k": k, "found": candidates, "total": total, "reasons": reasons or _("无")}


@dataclass
class PlannedDraw:
    patent_id: int
    seed: str
    candidates: list[int]
    excluded: dict[str, int]
    drawn: list[int]


def plan(pool: Pool, needs: dict[int, PatentNeeds], k: int, *, already: dict[int, set[int]] | None = None,
         seeds: dict[int, str] | None = None) -> list[PlannedDraw]:
    """Draw k experts for each patent (in id order), each draw counting the experts drawn before
    it against the load cap; DrawRefused at the first patent with fewer than k candidates."""
    extra = Counter()
    planned = []
    already = already or {}
    for patent_id in sorted(needs):
        need = needs[patent_id]
        candidates, excluded = qualify(pool, need, already.get(patent_id, set()), extra)
        if len(candidates) < k:
            raise DrawRefused(too_few_message(need.title, k, len(candidates), excluded, pool.size))
        seed = (seeds or {}).get(patent_id) or new_seed()
        drawn = pick(seed, candidates, k)
        logger.info("evaluation draw: patent=%s seed=%s candidates=%d drawn=%s", patent_id, seed, len(candidates),
                    drawn)
        extra.update(drawn)
        planned.append(PlannedDraw(patent_id, seed, candidates, excluded, drawn))
    return planned


def requesters_of(round_patents: Iterable[tuple[int, int | None]]) -> dict[int, set[int]]:
    """patent id → the requesting enterprises, from (patent id, enterprise id or None) pairs."""
    found: dict[int, set[int]] = defaultdict(set)
    for patent_id, enterprise_id in round_patents:
        if enterprise_id:
            found[patent_id].add(enterprise_id)
    return found


def assigned_experts(round_id: int, patent_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """patent id → every expert already given it in the round (any status: a recused or declined
    expert is not drawn again for it)."""
    rows = Assignment.objects.filter(round_id=round_id)
    if patent_ids is not None:
        rows = rows.filter(patent_id__in=list(patent_ids))
    found: dict[int, set[int]] = defaultdict(set)
    for patent_id, expert_id in rows.values_list("patent_id", "expert_id"):
        found[patent_id].add(expert_id)
    return found

