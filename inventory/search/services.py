"""Chinese full-text search over title, abstract, inventors and patentees of the patents a user may see.

Documents and queries are segmented alike by jieba (`cut_for_search`, no HMM: new-word guessing
makes the same phrase segment differently in a title and in a query, and costs a third of the speed).
The segmented words are kept space-separated in `PatentSearchDocument.tokens`:

* PostgreSQL matches `search_vector @@ plainto_tsquery('simple', '<query words>')`, where
  search_vector is to_tsvector('simple', tokens) stored by the database (a generated column,
  migration 0009) with a GIN index;
* elsewhere (SQLite) every query word must appear as a whole word in `tokens`.

The rank, on both, is how often the query words occur in the document; titles are written twice
into the document so that a title match outranks an abstract one. (ts_rank gives the same order
for these unweighted documents but re-parses each one: measured 10–25 times slower.) A search
ranks at most RANK_CANDIDATES matches and counts up to COUNT_LIMIT, so that a word found in most
of 1.5 million patents still answers quickly.

A query written as an application or patent number (`CN201310291010.0`, `ZL 2013 1 0291010.0`,
`2013102910100`, or the first digits of one: see `number_prefix`) is not segmented: it matches the
patents whose stored canonical number starts with it, through an index on the number (on
PostgreSQL `application_number LIKE 'prefix%'` on its varchar_pattern_ops index, migration 0013; on
SQLite a range on the unique index, whose binary order is the pattern's).
"""

from __future__ import annotations

import html
import io
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Length, Replace
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from inventory.models import Patent, PatentOwnership, PatentSearchDocument
from inventory.patents import InvalidPatentNumber, normalize_application_number

USER_DICTIONARY = Path(__file__).with_name("data") / "search_userdict.txt"
CHUNK_SIZE = 2000
SNIPPET_LENGTH = 160
MAX_QUERY_WORDS = 16

# Function words that carry no meaning in a patent title; kept out of documents and queries alike.
STOPWORDS = frozenset({"的", "一种", "及", "及其", "与", "和", "或", "其", "之", "于", "对", "在", "中", "了", "是"})
# Letters, digits and CJK ideographs only: everything else is a separator, which also makes every
# word safe inside a tsquery.
_WORD = re.compile(r"^[0-9a-z\u00c0-\u024f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")

_jieba_lock = threading.Lock()
_tokenizer = None


def _new_lock_after_fork() -> None:
    # A process forked while another thread held the lock (a warm-up under gunicorn --preload)
    # would wait on it forever: the child starts with a free lock, and loads if nothing was loaded.
    global _jieba_lock
    _jieba_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)


def _jieba():
    """The jieba tokenizer, its dictionary loaded once per process (about a second)."""
    global _tokenizer
    if _tokenizer is None:
        with _jieba_lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                if USER_DICTIONARY.exists():
                    # A file object: given a path, jieba leaves the file open.
                    with open(USER_DICTIONARY, "rb") as words:
                        tokenizer.load_userdict(words)
                _tokenizer = tokenizer
    return _tokenizer


WARM_UP_THREAD = "jieba-warm-up"


def warm_up(*, background: bool = True) -> threading.Thread | None:
    """Loads jieba's dictionary now, so that the process's first search does not wait for it: the
    web process calls it when it starts (patentnavi/wsgi.py), a Celery worker when it starts
    (worker_init, connected in inventory/apps.py). Other commands load it only if they search.

    In a daemon thread (returned) while the process goes on starting; a search arriving before the
    load ends waits for that load, it does not start another. `background=False` loads before
    returning (a worker, before it forks its pool processes, which then share the loaded one)."""
    if _tokenizer is not None:
        return None
    if not background:
        _jieba()
        return None
    thread = threading.Thread(target=_jieba, name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread


def warm_up_worker(**_signal) -> None:
    """Receiver of Celery's worker_init: the worker loads the dictionary before it takes tasks."""
    warm_up(background=False)


def segment(text: str) -> list[str]:
    """The words of `text` as the index stores them: lower case, letters/digits/CJK only,
    function words dropped, repeats kept (they weigh in the rank)."""
    if not text:
        return []
    words = []
    # NFKC folds full-width letters and digits (ＬＥＤ, ５Ｇ) to the half-width ones a query uses.
    for word in _jieba().cut_for_search(unicodedata.normalize("NFKC", text).lower(), HMM=False):
        word = word.strip()
        if word and word not in STOPWORDS and _WORD.match(word):
            words.append(word)
    return words


def query_words(q: str) -> list[str]:
    """The words a document must contain to match `q`, in order, without repeats.

    `cut_for_search` also yields a long word's dictionary parts (图像识别 → 图像, 识别, 图像识别);
    a word that is exactly a concatenation of other query words is dropped, since a document
    segmented slightly differently still holds the parts."""
    words = list(dict.fromkeys(segment(q or "")))[:MAX_QUERY_WORDS]
    kept = [word for word in words if not _composed_of(word, [w for w in words if w != word and len(w) < len(word)])]
    return kept


def _composed_of(word: str, parts: list[str]) -> bool:
    if not parts:
        return False
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(reachable[end - len(p)] and word.endswith(p, 0, end) for p in parts if len(p) <= end)
    return reachable[-1]


def document_tokens(title: str, abstract: str, inventors: Iterable[str], patentees: Iterable[str]) -> str:
    """The stored document: the words, space-separated, with a space at both ends so that the
    portable path can look for ' word ' as a whole word."""
    names = " ".join(str(name) for name in [*(inventors or []), *(patentees or [])])
    words = segment(title) * 2 + segment(abstract) + segment(names)
    return f" {' '.join(words)} "


# --- application and patent numbers --------------------------------------------------------------

# A number typed without CN or ZL needs this many digits (year and type digit) to be taken for
# one: a shorter run of digits is searched as a word.
MIN_NUMBER_DIGITS = 5
_NUMBER_PREFIX = re.compile(r"^(CN|ZL)", re.IGNORECASE)
_NUMBER_SEPARATORS = re.compile(r"[\s.\-·。]")


def number_prefix(q: str) -> str | None:
    """The beginning of the stored canonical number (`CN201310291010.0`) that `q` stands for when it is
    written as an application or patent number, else None (a query of words).

    A whole number in any form the normaliser accepts (CN or ZL or neither, spaces, full width, the
    check character after a dot or not) is its canonical form, which only that patent matches. Short
    of one, digits after CN or ZL, or at least MIN_NUMBER_DIGITS of them alone, are a prefix (`CN2013`,
    `201310291010` without its check character); twelve digits and a check character that does not
    compute stay a number (and find nothing) rather than becoming words."""
    text = unicodedata.normalize("NFKC", q or "").strip().upper()
    if not text:
        return None
    marked = bool(_NUMBER_PREFIX.match(text))
    compact = _NUMBER_SEPARATORS.sub("", _NUMBER_PREFIX.sub("", text))
    if not re.fullmatch(r"\d+X?", compact) or len(compact) > 13:
        return None
    try:
        return normalize_application_number(text)
    except InvalidPatentNumber:
        pass
    if len(compact) == 13 or compact.endswith("X"):
        return f"CN{compact[:-1]}.{compact[-1]}"
    if marked or len(compact) >= MIN_NUMBER_DIGITS:
        return f"CN{compact}"
    return None


def number_match(prefix: str, field: str = "application_number") -> Q:
    """The patents whose canonical number starts with `prefix`, as an indexed condition on `field`."""
    if connection.vendor == "postgresql":
        # LIKE 'prefix%': served by the varchar_pattern_ops index whatever the database's collation.
        return Q(**{f"{field}__startswith": prefix})
    # SQLite's LIKE ignores case and so no index serves it; the numbers are ASCII, compared
    # bytewise by the unique index, so those starting with the prefix are one range of it.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


# --- matching -------------------------------------------------------------------------------------


class _TsMatch(Func):
    """search_vector @@ plainto_tsquery('simple', q), on the document whose `tokens` column is
    given; with `owner_id`, also owner_ids @> {owner_id}.

    `search_vector` (the stored to_tsvector('simple', tokens), migration 0009) and `owner_ids`
    (the patent's owner organisations, kept by triggers, migration 0010) are PostgreSQL columns
    that the model does not declare (SQLite has no tsvector): the tokens column is resolved
    through the ORM, which joins and aliases the document table, and its neighbours on the same
    alias are matched. Both are in one GIN index, which intersects an owner's documents with the
    words' without reading a document."""

    output_field = BooleanField()

    def __init__(self, tokens, query: str, owner_id: int | None = None) -> None:
        super().__init__(tokens)
        self.query = query
        self.owner_id = owner_id

    def as_sql(self, compiler, connection, **extra):
        tokens_sql, params = compiler.compile(self.get_source_expressions()[0])
        table, _column = tokens_sql.rsplit(".", 1)
        quote = connection.ops.quote_name
        sql = f"{table}.{quote('search_vector')} @@ plainto_tsquery('simple'::regconfig, %s)"
        params = (*params, self.query)
        if self.owner_id is not None:
            sql = f"({table}.{quote('owner_ids')} @> ARRAY[%s]::bigint[] AND {sql})"
            params = (self.owner_id, *params)
        return sql, params


def uses_full_text_index() -> bool:
    return connection.vendor == "postgresql"


def _occurrences(words: list[str], tokens=None):
    """The rank: how often the query words occur in the document (title words count twice,
    being stored twice). Plain string arithmetic, the same on every database; ts_rank would
    re-parse every matching document with to_tsvector, measured 10–25 times slower."""
    tokens = tokens or F("search_document__tokens")
    total = None
    for word in words:
        needle = f" {word} "
        count = (Length(tokens) - Length(Replace(tokens, Value(needle), Value("")))) / len(needle)
        total = count if total is None else total + count
    return total


def keyword_filter(queryset: QuerySet[Patent], q: str, *, owner_id: int | None = None) -> QuerySet[Patent]:
    """Restricts a Patent queryset (already scoped by `visible_to`) to the patents matching `q`,
    annotated with `search_rank` (higher is better). A blank `q` leaves the queryset as it is;
    a `q` written as a number (number_prefix) keeps the patents whose number starts with it, all
    ranked alike; a `q` without a searchable word matches nothing. The caller orders (by `-search_rank` for
    relevance). `owner_id`, when the queryset holds one institution's patents only, narrows the
    index lookup to its documents (a hint for speed: the queryset's own scope still decides)."""
    if not (q or "").strip():
        return queryset
    prefix = number_prefix(q)
    if prefix is not None:
        return queryset.filter(number_match(prefix)).annotate(search_rank=Value(1.0, output_field=FloatField()))
    words = query_words(q)
    if not words:
        return queryset.none()
    if uses_full_text_index():
        queryset = queryset.filter(_TsMatch(F("search_document__tokens"), " ".join(words), owner_id))
    else:
        for word in words:
            queryset = queryset.filter(search_document__tokens__contains=f" {word} ")
    return queryset.annotate(search_rank=_occurrences(words))


def _matching_documents(words: list[str]) -> QuerySet[PatentSearchDocument]:
    documents = PatentSearchDocument.objects.all()
    if uses_full_text_index():
        return documents.filter(_TsMatch(F("tokens"), " ".join(words)))
    for word in words:
        documents = documents.filter(tokens__contains=f" {word} ")
    return documents


def matching_patent_ids(q: str) -> QuerySet:
    """The ids of all patents matching `q`, as a subquery (`Patent.objects.filter(pk__in=…)`),
    for callers that filter but do not rank; unscoped: combine with `visible_to`."""
    prefix = number_prefix(q)
    if prefix is not None:
        return Patent.objects.filter(number_match(prefix)).values("pk")
    words = query_words(q)
    if not words:
        return PatentSearchDocument.objects.none().values("patent_id")
    return _matching_documents(words).values("patent_id")


@contextmanager
def prefer_index() -> Iterator[None]:
    """On PostgreSQL, a transaction in which the planner does not read tables sequentially.

    Written when the tokens were matched as text: any path but the GIN index then ran to_tsvector
    on each row it read, and for a word such as 方法, found in most documents, the planner picked a
    sequential scan (minutes at 1.5 million; counting 方法 on 60,000 patents: 2.3 s → 0.1 s). The
    vector is now stored (migration 0009) and costs little per row, but a sequential read of the
    documents is still the whole table, which a word's estimate can make the planner choose."""
    if not uses_full_text_index():
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Only sequential scans are ruled out: turning index scans off too (as first written)
            # made the scope's joins scan in bitmaps, measured on 1.5 million patents at 10.7 s
            # against 1.5 s for 图像识别 and 16 s against 1.8 s for 方法 (bench/bench_workbench.py).
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield


@dataclass
class SearchHit:
    patent: Patent
    rank: float
    title_html: SafeString
    abstract_html: SafeString


# Relevance is computed over at most this many matches in scope, the first the index yields; a
# word matching more than that is too common to rank usefully (the page says how many match, so
# the reader adds a word). Each candidate costs its document and a visibility check: 1,000 answer
# 图像识别 (62,000 matches in 1.5 million) in about 0.1 s, 5,000 took 0.5 s (bench/bench_workbench.py).
RANK_CANDIDATES = 1000
# Counts stop here: "more than 1,000", as many as the ranked pages reach, is all a reader needs
# to refine the words; counting checks each match's visibility as ranking does.
COUNT_LIMIT = 1000


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int  # the matches in scope, counted up to COUNT_LIMIT
    capped: bool  # more than COUNT_LIMIT match
    number: str | None = None  # the number prefix searched for, when `q` was a number (number_prefix)


def search_results(user, q: str, *, limit: int = 50, offset: int = 0) -> SearchResults:
    """The patents visible to `user` that match `q`, best first, with highlighted snippets, and
    how many match: one scan of the matching documents in scope yields the (patent, rank) pairs
    that are both ranked (the first RANK_CANDIDATES) and counted (up to COUNT_LIMIT + 1); they are
    ordered here and only the page's patents are loaded. A number (number_prefix) lists the
    patents whose number starts with it, in the order of the numbers."""
    prefix = number_prefix(q)
    if prefix is not None:
        return _number_results(user, prefix, limit=limit, offset=offset)
    words = query_words(q)
    if not words:
        return SearchResults([], 0, False)
    visible = Patent.objects.visible_to(user)
    documents = _matching_documents(words).filter(patent__in=visible.values("pk"))
    pairs = documents.annotate(rank=_occurrences(words, F("tokens"))).values_list("patent_id", "rank")
    with prefer_index():
        candidates = list(pairs[:max(RANK_CANDIDATES, COUNT_LIMIT + 1)])
        ranked = sorted(candidates[:RANK_CANDIDATES], key=lambda pair: (-pair[1], pair[0]))[offset:offset + limit]
        loaded = visible.in_bulk([pk for pk, _rank in ranked])
    patents = []
    for pk, rank in ranked:
        if pk in loaded:
            loaded[pk].search_rank = rank
            patents.append(loaded[pk])
    # Highlight whole phrases too (图像识别 in one <mark>), longest first.
    marked = list(dict.fromkeys([*segment(q), *words]))
    hits = [
        SearchHit(
            patent=patent,
            rank=float(patent.search_rank or 0),
            title_html=highlight(patent.title, marked),
            abstract_html=highlight(snippet(patent.abstract, words), marked),
        )
        for patent in patents
    ]
    return SearchResults(hits, min(len(candidates), COUNT_LIMIT), len(candidates) > COUNT_LIMIT)


def _number_results(user, prefix: str, *, limit: int, offset: int) -> SearchResults:
    """The visible patents whose number starts with `prefix`: the first COUNT_LIMIT + 1 that the
    number's index yields are counted and paged in the order of their numbers (a prefix matching
    more is too short to page through: the page says how many, the reader types more digits); no
    rank, no words to mark."""
    visible = Patent.objects.visible_to(user)
    matching = visible.filter(number_match(prefix)).values_list("pk", "application_number")
    with prefer_index():
        candidates = sorted(matching.order_by()[:COUNT_LIMIT + 1], key=lambda pair: pair[1])
        shown = [pk for pk, _number in candidates[:COUNT_LIMIT][offset:offset + limit]]
        loaded = visible.in_bulk(shown)
    hits = [
        SearchHit(patent=loaded[pk], rank=1.0, title_html=highlight(loaded[pk].title, []),
                  abstract_html=highlight(snippet(loaded[pk].abstract, []), []))
        for pk in shown if pk in loaded
    ]
    return SearchResults(hits, min(len(candidates), COUNT_LIMIT), len(candidates) > COUNT_LIMIT, number=prefix)


def search(user, q: str, *, limit: int = 50, offset: int = 0) -> list[SearchHit]:
    """The hits of search_results."""
    return search_results(user, q, limit=limit, offset=offset).hits


# --- highlighting ---------------------------------------------------------------------------------


def _pattern(words: Iterable[str]) -> re.Pattern | None:
    ordered = sorted(set(words), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(word) for word in ordered), re.IGNORECASE)


def snippet(text: str, words: Iterable[str], length: int = SNIPPET_LENGTH) -> str:
    """About `length` characters of `text` around the first query word (the start if none)."""
    text = text or ""
    if len(text) <= length:
        return text
    pattern = _pattern(words)
    match = pattern.search(text) if pattern else None
    start = max(0, (match.start() if match else 0) - length // 4)
    end = min(len(text), start + length)
    start = max(0, end - length)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def highlight(text: str, words: Iterable[str]) -> SafeString:
    """`text` HTML-escaped, with each query word wrapped in <mark>."""
    pattern = _pattern(words)
    if pattern is None:
        return mark_safe(html.escape(text or ""))
    pieces, last = [], 0
    for match in pattern.finditer(text or ""):
        pieces.append(html.escape(text[last:match.start()]))
        pieces.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(html.escape((text or "")[last:]))
    return mark_safe("".join(pieces))


# --- keeping documents current --------------------------------------------------------------------


def _rows(patents: QuerySet[Patent], chunk_size: int) -> Iterator[list[tuple]]:
    """The patents' searchable fields in chunks, by primary-key keyset (no OFFSET)."""
    base = patents.order_by("pk").values_list("pk", "title", "abstract", "inventors", "patentees")
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def build_documents(rows: Iterable[tuple]) -> list[tuple[int, str]]:
    return [(pk, document_tokens(title, abstract, inventors, patentees))
            for pk, title, abstract, inventors, patentees in rows]


def index_patents(patents: QuerySet[Patent] | None = None, *, chunk_size: int = CHUNK_SIZE) -> int:
    """Writes (inserts or replaces) the search documents of `patents` (all patents if None),
    chunk by chunk; returns how many were written."""
    if patents is None:
        patents = Patent.objects.all()
    written = 0
    for chunk in _rows(patents, chunk_size):
        written += write_documents(build_documents(chunk))
    return written


def write_documents(documents: list[tuple[int, str]]) -> int:
    """Upserts (patent id, tokens) pairs set-wise."""
    if not documents:
        return 0
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_upsert(documents, now)
        else:
            PatentSearchDocument.objects.bulk_create(
                [PatentSearchDocument(patent_id=pk, tokens=tokens, updated_at=now) for pk, tokens in documents],
                update_conflicts=True, unique_fields=["patent"], update_fields=["tokens", "updated_at"],
                batch_size=500,
            )
    return len(documents)


_STAGE = "search_document_stage"


def _copy_upsert(documents: list[tuple[int, str]], now) -> None:
    table = connection.ops.quote_name(PatentSearchDocument._meta.db_table)
    owners = connection.ops.quote_name(PatentOwnership._meta.db_table)
    buffer = io.StringIO()
    for pk, tokens in documents:
        # Tokens hold only letters, digits, CJK and spaces: nothing COPY's text format escapes.
        buffer.write(f"{pk}\t{tokens}\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (patent_id bigint, tokens text)")
        cursor.execute(f"TRUNCATE {_STAGE}")
        sql = f"COPY {_STAGE} (patent_id, tokens) FROM STDIN WITH (FORMAT text)"
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, buffer)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(buffer.getvalue())
        cursor.execute(
            # owner_ids (migration 0010): the patent's owners now; triggers on the ownerships keep them.
            f"INSERT INTO {table} (patent_id, tokens, updated_at, owner_ids) SELECT s.patent_id, s.tokens, %s, "
            f"COALESCE((SELECT array_agg(o.organization_id ORDER BY o.organization_id) FROM {owners} AS o "
            f"WHERE o.patent_id = s.patent_id), '{{}}') FROM {_STAGE} AS s "
            f"ON CONFLICT (patent_id) DO UPDATE SET tokens = EXCLUDED.tokens, updated_at = EXCLUDED.updated_at, "
            f"owner_ids = EXCLUDED.owner_ids WHERE {table}.tokens IS DISTINCT FROM EXCLUDED.tokens "
            f"OR {table}.owner_ids IS DISTINCT FROM EXCLUDED.owner_ids",
            [now],
        )
