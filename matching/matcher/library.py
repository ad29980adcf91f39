"""The conversion resource library as the matcher reads it: one row per library patent, held in
memory as sparse matrices (scipy) and arrays (numpy), built once per cycle in each worker.

* `terms`: the TF-IDF matrix (patents × vocabulary), rows L2-normalised, from the term counts
  kept in LibraryDocument. scikit-learn's TfidfTransformer computes the IDF from all the rows at
  every build, so the weights follow the library as it grows: nothing stored drifts.
* `industry` / `sector`: binary patents × industry codes (the patent's classification and the
  institution's own industry tags), and the same folded to the sector (`1.5` → `1`).
* `ipc[level]`: binary patents × IPC codes cut at the subclass (G06V), main group (G06V10) and
  subgroup (G06V10/82) for each of its classification codes.
* per-patent arrays: readiness (TRL), listing quality, the institution's intents as bits, the
  institution's province.

`build` takes plain rows (the benchmark builds a library without a database); `load` reads them
from the database.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

from accounts.models import Province
from inventory.choices import Intent
from inventory.models import Industry, InventoryRecord, PatentIndustry
from matching.matcher.models import LibraryDocument, LibraryTerm

LEVELS = ("subclass", "group", "subgroup")
MAX_DF_SHARE = 0.02
MAX_QUERY_WORDS = 32
INTENT_BITS = {intent: 1 << position for position, intent in enumerate(Intent.values)}
_SPACES = re.compile(r"\s+")


def normalise_ipc(code: str) -> str:
    """`G06V 10/82` and `g06v10/82` alike: upper case, no spaces."""
    return _SPACES.sub("", code or "").upper()


def ipc_levels(code: str) -> dict[str, str]:
    """The cuts of a normalised IPC code that exist in it: {"subclass": "G06V", "group": "G06V10",
    "subgroup": "G06V10/82"} for a full code, fewer for a prefix."""
    levels: dict[str, str] = {}
    if len(code) >= 4:
        levels["subclass"] = code[:4]
        group = code.split("/", 1)[0]
        if len(group) > 4:
            levels["group"] = group
            if "/" in code and code.split("/", 1)[1]:
                levels["subgroup"] = code
    return levels


def readable_ipc(code: str) -> str:
    """G06V10/82 → G06V 10/82, as people write it."""
    return f"{code[:4]} {code[4:]}" if len(code) > 4 else code


def sector_of(code: str) -> str:
    return code.split(".", 1)[0]


@dataclass
class Row:
    """One library patent: what the matcher reads of it."""

    patent_id: int
    institution_id: int
    province_id: str | None
    ipc_codes: Sequence[str]
    industries: Sequence[str]
    maturity: int | None
    intents: Sequence[str]
    listing_score: int
    term_ids: np.ndarray
    counts: np.ndarray


class Codes:
    """A growing code → column index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def id(self, code: str) -> int:
        found = self.index.get(code)
        if found is None:
            found = self.index[code] = len(self.names)
            self.names.append(code)
        return found


def _binary(rows: list[list[int]], width: int) -> sparse.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int32, count=int(indptr[-1]))
    matrix = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                               shape=(len(rows), max(width, 1)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


@dataclass
class Library:
    patent_ids: np.ndarray  # sorted int64
    institution_ids: np.ndarray
    provinces: np.ndarray  # int32 index into province_codes, -1 = unknown
    province_codes: list[str]
    readiness: np.ndarray  # float32 0..1
    listing: np.ndarray  # float32 0..1
    intents: np.ndarray  # uint8 bits (INTENT_BITS)
    main_subclass: np.ndarray  # int32 index into ipc["subclass"] codes, -1 = none
    terms: sparse.csr_matrix
    transformer: TfidfTransformer
    df: np.ndarray  # documents per word
    vocabulary: dict[str, int]
    words: list[str]
    industry: sparse.csr_matrix
    industry_codes: Codes
    sector: sparse.csr_matrix
    sector_codes: Codes
    ipc: dict[str, sparse.csr_matrix]
    ipc_codes: dict[str, Codes]
    industry_names: dict[str, str] = field(default_factory=dict)
    province_names: dict[str, str] = field(default_factory=dict)
    transposed: dict[str, sparse.csc_matrix] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.patent_ids)

    def rows_of(self, patent_ids: Iterable[int]) -> np.ndarray:
        """The rows of those patents that are in the library."""
        ids = np.fromiter(patent_ids, dtype=np.int64)
        if not len(ids) or not len(self.patent_ids):
            return np.zeros(0, dtype=np.int64)
        at = np.searchsorted(self.patent_ids, ids)
        at = np.minimum(at, len(self.patent_ids) - 1)
        return at[self.patent_ids[at] == ids]

    def query_vectors(self, texts: list[list[str]]) -> sparse.csr_matrix:
        """TF-IDF vectors of segmented texts, L2-normalised. Left out: words the library never saw,
        and words in more than MAX_DF_SHARE of its documents (they tell patents apart little and
        would make every need's product with the library touch a large part of it); at most
        MAX_QUERY_WORDS words per text, the rarest."""
        rows, cols = [], []
        limit = max(MAX_DF_SHARE * len(self.patent_ids), 50)
        for number, words in enumerate(texts):
            counts = Counter(c for word in words if (c := self.vocabulary.get(word)) is not None
                             and self.df[c] <= limit)
            for column in sorted(counts, key=lambda c: self.df[c])[:MAX_QUERY_WORDS]:
                rows += [number] * counts[column]
                cols += [column] * counts[column]
        counts = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                   shape=(len(texts), self.terms.shape[1]))
        counts.sum_duplicates()
        return self.transformer.transform(counts).astype(np.float32)

    def t(self, name: str) -> sparse.csr_matrix:
        """A matrix transposed (patents as columns), kept for the products of every block."""
        if name not in self.transposed:
            matrix = {"terms": self.terms, "industry": self.industry, "sector": self.sector}.get(name)
            if matrix is None:
                matrix = self.ipc[name]
            transposed = matrix.T.tocsr()
            transposed.sort_indices()
            self.transposed[name] = transposed
        return self.transposed[name]


def build(rows: Iterable[Row], vocabulary_size: int, words: list[str], *,
          industry_names: dict[str, str] | None = None, province_names: dict[str, str] | None = None) -> Library:
    """The library from its rows (any order; kept sorted by patent id)."""
    rows = sorted(rows, key=lambda row: row.patent_id)
    n = len(rows)
    industry_codes, sector_codes, provinces = Codes(), Codes(), Codes()
    ipc_codes = {level: Codes() for level in LEVELS}
    industry_rows, sector_rows = [], []
    ipc_rows: dict[str, list[list[int]]] = {level: [] for level in LEVELS}
    province_index = np.full(n, -1, dtype=np.int32)
    main_subclass = np.full(n, -1, dtype=np.int32)
    readiness = np.full(n, 0.3, dtype=np.float32)
    listing = np.zeros(n, dtype=np.float32)
    intents = np.zeros(n, dtype=np.uint8)
    lengths = np.zeros(n + 1, dtype=np.int64)
    for at, row in enumerate(rows):
        codes = set(row.industries)
        industry_rows.append([industry_codes.id(code) for code in codes])
        sector_rows.append([sector_codes.id(code) for code in {sector_of(code) for code in codes}])
        cuts: dict[str, set[int]] = {level: set() for level in LEVELS}
        for position, code in enumerate(row.ipc_codes):
            for level, cut in ipc_levels(normalise_ipc(code)).items():
                column = ipc_codes[level].id(cut)
                cuts[level].add(column)
                if position == 0 and level == "subclass":
                    main_subclass[at] = column
        for level in LEVELS:
            ipc_rows[level].append(sorted(cuts[level]))
        if row.province_id:
            province_index[at] = provinces.id(row.province_id)
        if row.maturity:
            readiness[at] = min(max(row.maturity, 1), 9) / 9
        listing[at] = min(max(row.listing_score or 0, 0), 100) / 100
        bits = 0
        for intent in row.intents or ():
            bits |= INTENT_BITS.get(intent, 0)
        intents[at] = bits
        lengths[at + 1] = len(row.term_ids)
    indptr = np.cumsum(lengths)
    indices = np.concatenate([row.term_ids for row in rows]).astype(np.int32) if n else np.zeros(0, np.int32)
    counts = np.concatenate([row.counts for row in rows]).astype(np.float32) if n else np.zeros(0, np.float32)
    width = max(vocabulary_size, int(indices.max()) + 1 if len(indices) else 1)
    tf = sparse.csr_matrix((counts, indices, indptr), shape=(n, width))
    transformer = TfidfTransformer(sublinear_tf=True)
    terms = transformer.fit_transform(tf).astype(np.float32).tocsr() if n else tf
    if not n:
        transformer.fit(sparse.csr_matrix((1, width), dtype=np.float32))
    words = list(words) + [""] * (width - len(words))
    return Library(
        patent_ids=np.array([row.patent_id for row in rows], dtype=np.int64),
        institution_ids=np.array([row.institution_id for row in rows], dtype=np.int64),
        provinces=province_index, province_codes=provinces.names, readiness=readiness, listing=listing,
        intents=intents, main_subclass=main_subclass, terms=terms, transformer=transformer,
        df=np.bincount(indices, minlength=width),
        vocabulary={word: column for column, word in enumerate(words) if word}, words=words,
        industry=_binary(industry_rows, len(industry_codes.names)), industry_codes=industry_codes,
        sector=_binary(sector_rows, len(sector_codes.names)), sector_codes=sector_codes,
        ipc={level: _binary(ipc_rows[level], len(ipc_codes[level].names)) for level in LEVELS},
        ipc_codes=ipc_codes, industry_names=industry_names or {}, province_names=province_names or {},
    )


def load(patent_ids: Sequence[int] = ()) -> Library:
    """The library from the database: every in-library patent with its indexed text (run
    matching.matcher.index.refresh first), or only the given patents."""
    records = InventoryRecord.objects.filter(in_library=True)
    links = PatentIndustry.objects.filter(patent__inventory__in_library=True)
    documents = LibraryDocument.objects.filter(patent__inventory__in_library=True)
    if patent_ids:
        records = records.filter(patent_id__in=patent_ids)
        links = links.filter(patent_id__in=patent_ids)
        documents = documents.filter(patent_id__in=patent_ids)
    industries: dict[int, list[str]] = {}
    for patent_id, industry_id in links.values_list("patent_id", "industry_id").iterator(chunk_size=20000):
        industries.setdefault(patent_id, []).append(industry_id)
    texts: dict[int, tuple[bytes, bytes]] = {
        patent_id: (bytes(term_ids), bytes(counts))
        for patent_id, term_ids, counts in documents.values_list("patent_id", "term_ids", "counts")
        .iterator(chunk_size=20000)
    }
    empty = (b"", b"")
    rows = []
    for (patent_id, institution_id, province_id, main_ipc, ipc_codes, industry_codes, maturity, intents,
         listing_score) in records.values_list(
            "patent_id", "institution_id", "institution__province_id", "patent__main_ipc", "patent__ipc_codes",
            "industry_codes", "maturity", "intents", "listing_score").iterator(chunk_size=20000):
        term_ids, counts = texts.get(patent_id, empty)
        codes = [main_ipc] if main_ipc else []
        codes += [code for code in ipc_codes or () if code != main_ipc]
        rows.append(Row(patent_id, institution_id, province_id, codes,
                        list(industries.get(patent_id, ())) + list(industry_codes or ()), maturity,
                        intents or (), listing_score, np.frombuffer(term_ids, dtype="<i4"),
                        np.frombuffer(counts, dtype="<u2")))
    words = [""] * (LibraryTerm.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    words.append("")
    for pk, term in LibraryTerm.objects.values_list("pk", "term").iterator(chunk_size=50000):
        words[pk] = term
    return build(rows, len(words), words,
                 industry_names=dict(Industry.objects.values_list("code", "name")),
                 province_names=dict(Province.objects.values_list("code", "name")))
