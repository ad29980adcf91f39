"""The reproducible stratified draw of a spot check (随机抽查).

Population: the inventoried records (status other than 待盘点) of the chosen institutions. Each
institution's records fall into strata by 是否入库 (screening) and 转化意愿 (intents, as stored). An
institution's sample (a fixed size, or a rate of its population rounded up) is shared among its
strata in proportion to their sizes (largest remainders; every stratum gets at least one record
when the sample is at least as large as the number of strata), and each stratum gives the records
with the smallest keys blake2b(seed:record id): a uniform random sample that depends only on the
seed and the population, never on the order rows come back in.

In sets: one GROUP BY for the strata sizes, then one streamed pass over (id, institution,
screening, intents) keeping per stratum only the records that can still be drawn (a bounded heap),
so memory follows the sample, not the 1.5 million records of the country.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from inventory.choices import InventoryStatus
from inventory.models import InventoryRecord
from reporting.spotchecks.labels import BLANK, stratum_key, stratum_label

PROGRESS_EVERY = 50_000  # records read between two progress reports


class SampleTooLarge(Exception):
    """A sample larger than its population: `message` names the institution and the counts."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def population(institution_ids: Iterable[int]):
    """The records a spot check draws from: the inventoried records of the institutions."""
    return (InventoryRecord.objects.filter(institution_id__in=list(institution_ids))
            .exclude(status=InventoryStatus.PENDING))


def record_key(seed: str, record_id: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{record_id}".encode(), digest_size=8).digest()


@dataclass
class Stratum:
    institution: int
    key: str
    population: int
    drawn: int = 0

    def as_json(self) -> dict:
        screening, intents = self.key.split("|")
        return {"institution": self.institution, "screening": "" if screening == BLANK else screening,
                "intents": [] if intents == BLANK else intents.split("+"), "population": self.population,
                "drawn": self.drawn}

    @property
    def label(self) -> str:
        return stratum_label(self.key)


@dataclass
class DrawResult:
    # (record id, institution id, stratum key), by institution then record id.
    records: list[tuple[int, int, str]] = field(default_factory=list)
    strata: list[Stratum] = field(default_factory=list)

    @property
    def population(self) -> int:
        return sum(s.population for s in self.strata)


def institution_sample_size(population_size: int, size: int | None, rate: Decimal | None) -> int:
    if size is not None:
        return size
    return min(population_size, math.ceil(Decimal(population_size) * rate))


def allocate(sizes: list[int], k: int) -> list[int]:
    """k shared among strata of `sizes` in proportion (largest remainder, ties to the earlier
    stratum), each at least one when k allows, never more than a stratum holds."""
    total = sum(sizes)
    if k <= 0 or total == 0:
        return [0] * len(sizes)
    floor = [min(n, k * n // total) for n in sizes]
    if k >= len(sizes):
        floor = [max(1, f) if n else 0 for f, n in zip(floor, sizes, strict=True)]
    remainders = sorted(range(len(sizes)), key=lambda i: (-(k * sizes[i] % total), i))
    while sum(floor) > k:  # the minimum of one took from the largest allocations
        largest = max(range(len(sizes)), key=lambda i: (floor[i], -i))
        floor[largest] -= 1
    for i in remainders + list(range(len(sizes))):
        if sum(floor) >= k:
            break
        if floor[i] < sizes[i]:
            floor[i] += 1
    return floor


def strata_sizes(institution_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """institution id → stratum key → records (one GROUP BY)."""
    sizes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (population(institution_ids).order_by().values("institution_id", "screening", "intents")
            .annotate(n=Count("pk")))
    for row in rows:
        sizes[row["institution_id"]][stratum_key(row["screening"], row["intents"])] += row["n"]
    return sizes


def check_sizes(sizes: dict[int, dict[str, int]], institution_names: dict[int, str], size: int | None,
                rate: Decimal | None) -> None:
    """SampleTooLarge for the first institution whose sample exceeds its population."""
    for institution_id, name in institution_names.items():
        available = sum(sizes.get(institution_id, {}).values())
        wanted = institution_sample_size(available, size, rate)
        if available == 0 or wanted > available:
            raise SampleTooLarge(
                _("抽取数量超过总体:%(name)s 只有 %(available)d 条已盘点记录,不能抽取 %(wanted)d 条")
                % {"name": name, "available": available, "wanted": max(wanted, 1)})


def draw(seed: str, institution_ids: Iterable[int], size: int | None, rate: Decimal | None,
         sizes: dict[int, dict[str, int]] | None = None,
         progress: Callable[[int], None] | None = None) -> DrawResult:
    """The sample of the institutions' population under `seed` (see the module); `progress` is told
    the percentage of the population read every PROGRESS_EVERY records."""
    ids = sorted(set(institution_ids))
    sizes = sizes if sizes is not None else strata_sizes(ids)
    total = sum(sum(by_key.values()) for by_key in sizes.values()) or 1
    quota: dict[tuple[int, str], int] = {}
    strata: list[Stratum] = []
    for institution_id in ids:
        keys = sorted(sizes.get(institution_id, {}))
        counts = [sizes[institution_id][key] for key in keys]
        shares = allocate(counts, institution_sample_size(sum(counts), size, rate))
        for key, count, share in zip(keys, counts, shares, strict=True):
            strata.append(Stratum(institution_id, key, count, share))
            if share:
                quota[(institution_id, key)] = share
    # Per stratum, a max-heap (negated keys) of the `share` smallest record keys seen so far.
    heaps: dict[tuple[int, str], list] = defaultdict(list)
    rows = population(ids).order_by().values_list("pk", "institution_id", "screening", "intents")
    for seen, (pk, institution_id, screening, intents) in enumerate(rows.iterator(chunk_size=5000), start=1):
        if progress is not None and seen % PROGRESS_EVERY == 0:
            progress(min(99, seen * 100 // total))
        stratum = (institution_id, stratum_key(screening, intents))
        share = quota.get(stratum)
        if not share:
            continue
        entry = (_negated(record_key(seed, pk)), pk)
        heap = heaps[stratum]
        if len(heap) < share:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)
    result = DrawResult(strata=strata)
    for (institution_id, key), heap in heaps.items():
        result.records.extend((pk, institution_id, key) for _neg, pk in heap)
    result.records.sort(key=lambda row: (row[1], row[0]))
    return result


def _negated(key: bytes) -> bytes:
    return bytes(255 - b for b in key)


def strata_json(result: DrawResult) -> list[dict]:
    return [s.as_json() for s in result.strata]
