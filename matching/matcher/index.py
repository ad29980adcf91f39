"""Keeping the library's segmented text (LibraryDocument, LibraryTerm) up to date, incrementally.

`refresh()` segments only what changed: library entries without a document, and those whose
patent or inventory record was updated after their document was written (`full=True` looks at
every entry); an entry whose text hash is unchanged is not segmented again. Documents of patents
that left the library are deleted. New words get new ids (columns) at the end of the vocabulary;
the columns already used never move.

IDF drift: a document keeps raw term counts only. The IDF weights are computed from all the
documents each time the matcher loads the library (once per cycle and worker, in
matching.matcher.library.build), so adding or changing entries never leaves stale weights behind
and no full rebuild is ever needed; a word no document uses any more is an empty column.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable

import numpy as np
from django.db.models import Exists, OuterRef
from django.db.models.functions import Greatest
from django.utils import timezone

from inventory.models import InventoryRecord
from matching.matcher.models import LibraryDocument, LibraryTerm
from matching.matcher.text import segment

BATCH = 2000


def document_text(title: str, abstract: str, scenarios: str) -> str:
    return "\n".join(part for part in (title, abstract, scenarios) if part)


def _digest(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def term_ids(words: Iterable[str], known: dict[str, int]) -> dict[str, int]:
    """The ids of `words`, new words added to the vocabulary (concurrent refreshes agree: the
    term is unique)."""
    missing = {word for word in words if word not in known}
    if missing:
        LibraryTerm.objects.bulk_create([LibraryTerm(term=word) for word in missing], ignore_conflicts=True,
                                        batch_size=5000)
        for start in range(0, len(missing), 5000):
            part = sorted(missing)[start:start + 5000]
            known.update(LibraryTerm.objects.filter(term__in=part).values_list("term", "pk"))
    return known


def encode(words: list[str], known: dict[str, int]) -> tuple[bytes, bytes]:
    counts = Counter(words)
    ids = np.array([known[word] for word in counts], dtype="<i4")
    values = np.array([min(count, 65535) for count in counts.values()], dtype="<u2")
    order = np.argsort(ids)
    return ids[order].tobytes(), values[order].tobytes()


def refresh(*, full: bool = False) -> dict[str, int]:
    """Bring the documents in line with the library; returns the counts of what was done."""
    now = timezone.now()
    # NOT EXISTS (an anti-join): PostgreSQL runs NOT IN over a large subquery row by row.
    in_library = InventoryRecord.objects.filter(patent_id=OuterRef("patent_id"), in_library=True)
    removed, _ = LibraryDocument.objects.filter(~Exists(in_library)).delete()
    records = InventoryRecord.objects.filter(in_library=True)
    if not full:
        current = LibraryDocument.objects.filter(
            patent_id=OuterRef("patent_id"), indexed_at__gte=Greatest(OuterRef("updated_at"),
                                                                      OuterRef("patent__updated_at")))
        records = records.filter(~Exists(current))
    rows = records.order_by("patent_id").values_list("patent_id", "patent__title", "patent__abstract", "scenarios")
    counts = {"removed": removed, "segmented": 0, "unchanged": 0}
    known: dict[str, int] = {}
    batch: list[tuple] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            _write(batch, known, now, counts)
            batch = []
    if batch:
        _write(batch, known, now, counts)
    return counts


def _write(batch: list[tuple], known: dict[str, int], now, counts: dict[str, int]) -> None:
    digests = dict(LibraryDocument.objects.filter(patent_id__in=[row[0] for row in batch])
                   .values_list("patent_id", "digest"))
    unchanged, changed = [], []
    for patent_id, title, abstract, scenarios in batch:
        text = document_text(title, abstract, scenarios)
        digest = _digest(text)
        if digests.get(patent_id) == digest:
            unchanged.append(patent_id)
        else:
            changed.append((patent_id, digest, segment(text)))
    if unchanged:
        LibraryDocument.objects.filter(patent_id__in=unchanged).update(indexed_at=now)
    if changed:
        term_ids({word for _, _, words in changed for word in words}, known)
        documents = []
        for patent_id, digest, words in changed:
            ids, values = encode(words, known)
            documents.append(LibraryDocument(patent_id=patent_id, term_ids=ids, counts=values, digest=digest,
                                             indexed_at=now))
        LibraryDocument.objects.bulk_create(documents, update_conflicts=True, unique_fields=["patent"],
                                            update_fields=["term_ids", "counts", "digest", "indexed_at"])
    counts["segmented"] += len(changed)
    counts["unchanged"] += len(unchanged)


