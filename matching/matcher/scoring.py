"""Scoring the library for a block of enterprises, and the reasons of each push as a person reads them.

Candidates: the library patents relevant to an enterprise (an industry, an IPC field or a need's
words in common, found by sparse products over the whole library), minus those already pushed to
it or dismissed by it, minus those outside a cycle's selected patents. Each candidate's score is
the weighted sum of the components of matching.matcher.weights; the best `limit` above the minimum
score are kept, each with its reasons.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import get_language, gettext_lazy
from scipy import sparse

from inventory.choices import TECHNOLOGY_READINESS, Intent
from matching.choices import MODE_MEETS_INTENTS
from matching.matcher.library import INTENT_BITS, LEVELS, Library, ipc_levels, normalise_ipc, readable_ipc, sector_of

# What a match at each IPC depth is worth (the "ipc" component).
IPC_DEPTH = {"subclass": 0.4, "group": 0.7, "subgroup": 1.0}
SECTOR_MATCH = 0.5
TEXT_FULL = 0.5  # a cosine similarity at or above this is the full text component
FEEDBACK_STEP = 0.5


# The reasons' wording, translated once per process and language (gettext per reason is slow
# at hundreds of thousands of pushes a cycle).
TEXTS = {
    "feedback_down": gettext_lazy("贵企业曾表示同类专利不属于本企业领域，已降低排序"),
    "feedback_up": gettext_lazy("贵企业对同类专利表示过意向，已提高排序"),
    "industry": gettext_lazy("行业匹配：%(names)s"),
    "industry_sector": gettext_lazy("行业匹配：%(names)s（同属大类）"),
    "need": gettext_lazy("需求“%(title)s”命中：%(words)s"),
    "readiness": gettext_lazy("技术成熟度 TRL %(level)s：%(name)s"),
    "mode": gettext_lazy("合作方式契合：机构意愿%(intents)s"),
    "region": gettext_lazy("地区：%(name)s"),
    "listing": gettext_lazy("挂牌信息完整度 %(score)s"),
    "subgroup": gettext_lazy("小组一致"),
    "group": gettext_lazy("大组一致"),
    "subclass": gettext_lazy("小类一致"),
    "ipc": gettext_lazy("IPC %(code)s %(depth)s"),
    "ipc_any": gettext_lazy("IPC 领域一致"),
}
_translated: dict[str, dict[str, str]] = {}
_active: dict[str, str] = {}


def _use_language() -> None:
    """Resolve the wording for the active language, once per scoring call."""
    language = get_language() or ""
    texts = _translated.get(language)
    if texts is None:
        texts = {name: str(text) for name, text in TEXTS.items()}
        texts |= {f"trl{level}": str(name) for level, name in TECHNOLOGY_READINESS.items()}
        texts |= {f"intent_{value}": str(label) for value, label in Intent.choices}
        _translated[language] = texts
    _active.clear()
    _active.update(texts)


def _t(key: str) -> str:
    return _active[key]


@dataclass
class Need:
    need_id: int | None
    title: str
    words: list[str]  # segmented title, description and keywords


@dataclass
class Query:
    """One enterprise as the matcher reads it."""

    enterprise_id: int
    industries: set[str] = field(default_factory=set)
    ipc_prefixes: list[str] = field(default_factory=list)
    modes: set[str] = field(default_factory=set)
    provinces: set[str] = field(default_factory=set)
    needs: list[Need] = field(default_factory=list)
    excluded: Sequence[int] = ()  # patent ids already pushed (or dismissed)
    # ("ipc", "G06V") / ("industry", "1.5") → net answers: +1 per interest, −1 per "not our field".
    feedback: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class Match:
    patent_id: int
    row: int
    score: float
    need_id: int | None
    reasons: list[dict]


@dataclass
class Timing:
    candidates: float = 0.0
    scoring: float = 0.0
    count: int = 0

    def add(self, other: "Timing") -> None:
        self.candidates += other.candidates
        self.scoring += other.scoring
        self.count += other.count


def _binary_rows(queries_codes: list[list[int]], width: int) -> sparse.csr_matrix:
    rows = [i for i, codes in enumerate(queries_codes) for _ in codes]
    cols = [c for codes in queries_codes for c in codes]
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(queries_codes), max(width, 1)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def _hits(product: sparse.csr_matrix, value: float) -> sparse.csr_matrix:
    product = product.tocsr()
    product.data[:] = value
    return product


def _industry(library: Library, queries: list[Query]) -> sparse.csr_matrix:
    exact = [[library.industry_codes.index[c] for c in q.industries if c in library.industry_codes.index]
             for q in queries]
    sectors = [[library.sector_codes.index[s] for s in {sector_of(c) for c in q.industries}
                if s in library.sector_codes.index] for q in queries]
    e = _binary_rows(exact, len(library.industry_codes.names)) @ library.t("industry")
    s = _binary_rows(sectors, len(library.sector_codes.names)) @ library.t("sector")
    return _hits(s, SECTOR_MATCH).maximum(_hits(e, 1.0)).tocsr()


def _ipc(library: Library, queries: list[Query]) -> sparse.csr_matrix:
    result = sparse.csr_matrix((len(queries), len(library)), dtype=np.float32)
    for level in LEVELS:
        codes = library.ipc_codes[level].index
        chosen = [[codes[cut] for prefix in q.ipc_prefixes
                   if (cut := ipc_levels(normalise_ipc(prefix)).get(level)) and cut in codes] for q in queries]
        if not any(chosen):
            continue
        product = _binary_rows(chosen, len(library.ipc_codes[level].names)) @ library.t(level)
        result = result.maximum(_hits(product, IPC_DEPTH[level]))
    return result.tocsr()


def _text(library: Library, queries: list[Query]) -> tuple[sparse.csr_matrix, sparse.csr_matrix, list[int]]:
    """The best need's similarity per enterprise and patent, the needs' vectors, and each need's owner."""
    owners, texts = [], []
    for number, q in enumerate(queries):
        for need in q.needs:
            owners.append(number)
            texts.append(need.words)
    if not texts:
        empty = sparse.csr_matrix((len(queries), len(library)), dtype=np.float32)
        return empty, sparse.csr_matrix((0, library.terms.shape[1]), dtype=np.float32), owners
    vectors = library.query_vectors(texts)
    similarity = (vectors @ library.t("terms")).tocoo()
    # Per enterprise, the best of its needs: in ascending order of value, the last of each
    # (enterprise, patent) pair is its maximum.
    order = np.argsort(similarity.data, kind="stable")
    rows = np.asarray(owners, dtype=np.int64)[similarity.row[order]]
    columns = similarity.col[order].astype(np.int64)
    keys = rows * len(library) + columns
    _unique, first_from_end = np.unique(keys[::-1], return_index=True)
    keep = len(keys) - 1 - first_from_end
    best = sparse.csr_matrix((similarity.data[order][keep].astype(np.float32), (rows[keep], columns[keep])),
                             shape=(len(queries), len(library)))
    best.data = np.minimum(best.data / TEXT_FULL, 1.0).astype(np.float32)
    return best, vectors, owners


def _mode_mask(modes: set[str]) -> int:
    bits = 0
    for mode in modes:
        for intent in MODE_MEETS_INTENTS.get(mode, ()):
            bits |= INTENT_BITS.get(intent, 0)
    return bits


BLOCK = 64  # enterprises scored together: bounds the sparse products' memory


def score(library: Library, queries: list[Query], weights: dict[str, float], *, limit: int, min_score: float,
          allowed_rows: np.ndarray | None = None, timing: Timing | None = None
          ) -> list[tuple[Query, list[Match], int]]:
    """For each query: its best matches (at most `limit`, score ≥ min_score) and its candidate count."""
    _use_language()
    results = []
    for start in range(0, len(queries), BLOCK):
        results += _score_block(library, queries[start:start + BLOCK], weights, limit=limit, min_score=min_score,
                                allowed_rows=allowed_rows, timing=timing)
    return results


def _score_block(library: Library, queries: list[Query], weights: dict[str, float], *, limit: int,
                 min_score: float, allowed_rows: np.ndarray | None, timing: Timing | None
                 ) -> list[tuple[Query, list[Match], int]]:
    started = time.perf_counter()
    if not len(library) or not queries:
        return [(q, [], 0) for q in queries]
    industry = _industry(library, queries)
    ipc = _ipc(library, queries)
    text, vectors, owners = _text(library, queries)
    for matrix in (industry, ipc, text, vectors):
        matrix.sort_indices()
    relevance = (industry * weights["industry"] + ipc * weights["ipc"] + text * weights["text"]).tocsr()
    # A component weighing nothing makes no candidates (an industry-only baseline has only those).
    relevance.sum_duplicates()
    relevance.eliminate_zeros()
    allowed = None
    if allowed_rows is not None:
        allowed = np.zeros(len(library), dtype=bool)
        allowed[allowed_rows] = True
    if timing is not None:
        timing.candidates += time.perf_counter() - started
    started = time.perf_counter()
    results = []
    for number, q in enumerate(queries):
        start, end = relevance.indptr[number], relevance.indptr[number + 1]
        cols = relevance.indices[start:end]
        base = relevance.data[start:end].astype(np.float32)
        keep = np.ones(len(cols), dtype=bool)
        if allowed is not None:
            keep &= allowed[cols]
        excluded = library.rows_of(q.excluded)
        if len(excluded):
            keep &= ~np.isin(cols, excluded)
        cols, base = cols[keep], base[keep]
        candidates = len(cols)
        if not candidates:
            results.append((q, [], 0))
            continue
        mask = _mode_mask(q.modes)
        adjustment = _feedback(library, q, cols)
        total = base + _ordering(library, q, cols, weights, mask, adjustment)
        chosen = np.nonzero(total >= min_score)[0]
        if len(chosen) > limit:
            chosen = chosen[np.argpartition(-total[chosen], limit - 1)[:limit]]
        chosen = chosen[np.argsort(-total[chosen], kind="stable")]
        matches = [Match(int(library.patent_ids[cols[i]]), int(cols[i]), round(float(total[i]), 4), None, [])
                   for i in chosen]
        found = {name: _values(matrix, number, cols[chosen]) for name, matrix in
                 (("industry", industry), ("ipc", ipc), ("text", text))}
        first_need = owners.index(number) if q.needs else 0
        for position, (at, match) in enumerate(zip(chosen, matches, strict=True)):
            hits = {name: values[position] for name, values in found.items()}
            _explain(library, q, match, hits, vectors, first_need, mask,
                     float(adjustment[at]) if adjustment is not None else 0.0)
        results.append((q, matches, candidates))
    if timing is not None:
        timing.scoring += time.perf_counter() - started
        timing.count += len(queries)
    return results


def _ordering(library: Library, q: Query, cols: np.ndarray, weights: dict[str, float], mask: int,
              adjustment: np.ndarray | None) -> np.ndarray:
    """The components that order relevant candidates: readiness, listing, mode fit, region, feedback."""
    total = weights["readiness"] * library.readiness[cols] + weights["listing"] * library.listing[cols]
    if q.modes:
        total += weights["mode"] * ((library.intents[cols] & mask) != 0)
    else:
        total += weights["mode"] * 0.5
    if q.provinces:
        wanted = [library.province_codes.index(p) for p in q.provinces if p in library.province_codes]
        total += weights["region"] * np.isin(library.provinces[cols], wanted)
    else:
        total += weights["region"] * 0.5
    if adjustment is not None:
        total += weights["feedback"] * adjustment
    return total


def _feedback(library: Library, q: Query, cols: np.ndarray) -> np.ndarray | None:
    if not q.feedback:
        return None
    adjustment = np.zeros(len(cols), dtype=np.float32)
    subclasses = library.ipc_codes["subclass"].index
    for (kind, value), net in q.feedback.items():
        step = FEEDBACK_STEP * net
        if kind == "ipc" and value in subclasses:
            adjustment += step * (library.main_subclass[cols] == subclasses[value])
        elif kind == "industry" and value in library.industry_codes.index:
            column = library.industry_codes.index[value]
            adjustment += step * _values(library.t("industry"), column, cols)
    return np.clip(adjustment, -1.0, 1.0)


def _values(matrix: sparse.csr_matrix, row: int, columns: np.ndarray) -> np.ndarray:
    """matrix[row, columns] read off the CSR arrays (sorted indices), without scipy's indexing."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    indices = matrix.indices[start:end]
    at = np.minimum(np.searchsorted(indices, columns), max(len(indices) - 1, 0))
    if not len(indices):
        return np.zeros(len(columns), dtype=np.float32)
    return np.where(indices[at] == columns, matrix.data[start:end][at], 0.0)


def _row(matrix: sparse.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def _explain(library: Library, q: Query, match: Match, hits: dict[str, float], vectors, first_need: int,
             mask: int, adjustment: float) -> None:
    row = match.row
    if hits["industry"]:
        match.reasons.append(_industry_reason(library, q, row))
    if hits["ipc"]:
        match.reasons.append({"kind": "ipc", "text": _ipc_reason(library, q, row)})
    if hits["text"]:
        _need_reason(library, q, match, vectors, first_need)
    match.reasons.extend(_other_reasons(library, q, row, mask))
    if adjustment < 0:
        match.reasons.append({"kind": "feedback", "text": _t("feedback_down")})
    elif adjustment > 0:
        match.reasons.append({"kind": "feedback", "text": _t("feedback_up")})


def _industry_reason(library: Library, q: Query, row: int) -> dict:
    codes = [library.industry_codes.names[c] for c in _row(library.industry, row)[0]]
    exact = sorted(c for c in codes if c in q.industries)
    if exact:
        names = "、".join(library.industry_names.get(c, c) for c in exact)
        return {"kind": "industry", "text": _t("industry") % {"names": names}}
    sectors = sorted({sector_of(c) for c in codes} & {sector_of(c) for c in q.industries})
    names = "、".join(library.industry_names.get(c, c) for c in sectors)
    return {"kind": "industry", "text": _t("industry_sector") % {"names": names}}


def _need_reason(library: Library, q: Query, match: Match, vectors, first_need: int) -> None:
    """The need most like the patent, and the words they share, the rarest first."""
    patent_terms, patent_weights = _row(library.terms, match.row)
    best, best_value, best_shared = None, 0.0, None
    for offset in range(len(q.needs)):
        need_terms, need_weights = _row(vectors, first_need + offset)
        _common, in_need, in_patent = np.intersect1d(need_terms, patent_terms, assume_unique=True,
                                                     return_indices=True)
        products = need_weights[in_need] * patent_weights[in_patent]
        if products.sum() > best_value:
            best, best_value, best_shared = offset, float(products.sum()), (need_terms[in_need], products)
    if best is None:
        return
    terms, products = best_shared
    hit = [library.words[terms[i]] for i in np.argsort(-products)[:5]]
    need = q.needs[best]
    match.need_id = need.need_id
    match.reasons.append({"kind": "need", "text": _t("need") % {
        "title": need.title, "words": "、".join(hit)}})


def _other_reasons(library: Library, q: Query, row: int, mask: int) -> list[dict]:
    reasons = []
    maturity = round(float(library.readiness[row]) * 9)
    if library.readiness[row] >= 6 / 9 - 1e-6:
        reasons.append({"kind": "readiness", "text": _t("readiness") % {
            "level": maturity, "name": _t(f"trl{maturity}")}})
    if q.modes and library.intents[row] & mask:
        intents = [_t(f"intent_{i}") for i, bit in INTENT_BITS.items() if library.intents[row] & bit & mask]
        text = _t("mode") % {"intents": "、".join(intents)}
        reasons.append({"kind": "mode", "text": text})
    province = library.provinces[row]
    if q.provinces and province >= 0 and library.province_codes[province] in q.provinces:
        code = library.province_codes[province]
        name = library.province_names.get(code, code)
        reasons.append({"kind": "region", "text": _t("region") % {"name": name}})
    if library.listing[row] >= 0.8:
        reasons.append({"kind": "listing", "text": _t("listing") % {
            "score": round(float(library.listing[row]) * 100)}})
    return reasons


def _ipc_reason(library: Library, q: Query, row: int) -> str:
    labels = {"subgroup": _t("subgroup"), "group": _t("group"), "subclass": _t("subclass")}
    for level in reversed(LEVELS):
        patent_cuts = {library.ipc_codes[level].names[c] for c in _row(library.ipc[level], row)[0]}
        for prefix in q.ipc_prefixes:
            cut = ipc_levels(normalise_ipc(prefix)).get(level)
            if cut and cut in patent_cuts:
                return _t("ipc") % {"code": readable_ipc(cut), "depth": labels[level]}
    return _t("ipc_any")
