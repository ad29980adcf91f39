"""Benchmark: one full match cycle on PostgreSQL.

    python bench/bench_match_speed.py                                   # 30,000 enterprises × 500,000 patents
    python bench/bench_match_speed.py --enterprises 3000 --patents 50000   # a scaled run
    python bench/bench_match_speed.py --regenerate                      # new data even if the size exists

Data lives in the database pn_matcher_bench (DATABASE_URL names the server, default
postgres://postgres@127.0.0.1:5432/), kept between runs and regenerated only when the size asked
for differs. Generation is bulk: organisations and patents by INSERT … SELECT generate_series,
the library's segmented text (LibraryDocument term counts over a 20,000-word vocabulary of real
jieba dictionary words, Zipf-distributed) by COPY, so that a cycle finds the index current.

The cycle runs through the real code (matching.matcher.services: plan, run every chunk) in this
process (eager Celery, as on one worker). Printed: total time, the time in each step summed over
chunks (library load, enterprise queries, candidate generation, scoring, writing), pushes written
per second, peak RSS of this process and its children. Jieba's segmentation rate is measured on a
sample, since a cycle only segments new or changed entries.

Targets: under 15 minutes and under 4 GB for 30,000 enterprises against 500,000 patents.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import resource  # noqa: E402

from bench.measure import fill_columns  # noqa: E402

DB = "pn_matcher_bench"
TARGET_SECONDS = 15 * 60
TARGET_MB = 4096
VOCABULARY = 20000


def peak_rss_mb() -> float:
    """Peak RSS of this process or of its largest child (ru_maxrss, kilobytes on Linux)."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def setup(server: str) -> None:
    os.environ["DATABASE_URL"] = server.rstrip("/") + "/" + DB
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()


def ensure_database(server: str) -> None:
    import psycopg2

    admin = psycopg2.connect(server.rstrip("/") + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{DB}"')
    admin.close()


def words() -> list[str]:
    """Common two- and three-character words of jieba's dictionary: each segments as itself."""
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    found = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split()
            if len(word) in (2, 3) and int(freq) > 5 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                found.append((int(freq), word))
    found.sort(reverse=True)
    chosen = [word for _, word in found[200:200 + VOCABULARY]]  # the most common are function-like
    assert len(chosen) == VOCABULARY, len(chosen)
    return chosen


def generate(enterprises: int, patents: int, seed: int = 7) -> None:
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    vocabulary = words()
    rng = np.random.default_rng(seed)
    with connection.cursor() as c:
        c.execute("""TRUNCATE matching_push, matching_matchchunk, matching_matchcycle, matching_librarydocument,
                     matching_libraryterm, matching_technologyneed, matching_enterpriseprofile,
                     inventory_patentindustry, inventory_inventoryrecord, inventory_patentownership, inventory_patent
                     CASCADE""")
        c.execute("DELETE FROM accounts_organization WHERE name LIKE 'BM-%%'")
        c.execute("SELECT code FROM accounts_province ORDER BY code")
        provinces = [row[0] for row in c.fetchall()]
        c.execute("SELECT code FROM inventory_industry WHERE parent_id IS NOT NULL ORDER BY code")
        subsectors = [row[0] for row in c.fetchall()]
        province_array = "ARRAY[" + ",".join(f"'{p}'" for p in provinces) + "]"
        org_columns = fill_columns("accounts_organization", {
            "kind": "%(kind)s", "name": "'BM-' || %(prefix)s || '-' || i", "province_id":
                f"({province_array})[1 + (i * 7) %% {len(provinces)}]", "status": "'active'",
            "code": "''", "created_at": "now()", "review_levels": "1"}, c)
        for kind, prefix, count in (("institution", "I", 3000), ("enterprise", "E", enterprises)):
            c.execute(f"INSERT INTO accounts_organization ({', '.join(org_columns)}) SELECT "
                      f"{', '.join(org_columns.values())} FROM generate_series(1, %(n)s) i"
                      % {"kind": f"'{kind}'", "prefix": f"'{prefix}'", "n": count})
        c.execute("SELECT min(id), max(id) FROM accounts_organization WHERE name LIKE 'BM-I-%%'")
        inst_lo, inst_hi = c.fetchone()
        c.execute("SELECT min(id), max(id) FROM accounts_organization WHERE name LIKE 'BM-E-%%'")
        ent_lo, ent_hi = c.fetchone()
    # Patents: title and abstract from the vocabulary (Zipf), IPC from 300 subclasses × groups.
    print(f"  organisations {time.perf_counter() - t:.0f}s", flush=True)
    ipc_subclasses = [f"{chr(65 + k % 8)}{10 + k % 90:02d}{chr(65 + (k // 8) % 26)}" for k in range(300)]
    weights = 1 / np.arange(1, VOCABULARY + 1) ** 0.9
    weights /= weights.sum()
    term_rows = []
    patent_buffer, record_buffer, link_buffer = io.StringIO(), io.StringIO(), io.StringIO()
    topics = rng.integers(0, 600, size=patents)
    # A topic: words of its own around a spot of the vocabulary, plus common (Zipf) words.
    own = (topics[:, None] * 31 + rng.integers(0, 60, size=(patents, 25))) % VOCABULARY
    common = rng.choice(VOCABULARY, size=(patents, 20), p=weights)
    all_ids = np.concatenate([own, common], axis=1)
    groups = rng.integers(0, 99, size=patents)
    seconds = rng.integers(0, 300, size=patents)
    maturity = rng.integers(1, 10, size=patents)
    listing = rng.integers(20, 100, size=patents)
    for i in range(1, patents + 1):
        topic = int(topics[i - 1])
        ids = all_ids[i - 1]
        text = "，".join([vocabulary[k] for k in ids])
        title = "，".join([vocabulary[k] for k in ids[:5]])
        sub = ipc_subclasses[topic % 300]
        main = f"{sub} {1 + topic % 40}/{groups[i - 1]:02d}"
        second = f"{ipc_subclasses[seconds[i - 1]]} {1 + topic % 40}/00"
        patent_buffer.write(f"{i}\tBM{i:010d}\t{title}\t{text}\t{main}\t[\"{main}\", \"{second}\"]\n")
        institution = inst_lo + (i * 13) % (inst_hi - inst_lo + 1)
        industry = subsectors[topic % len(subsectors)]
        intents = ["transfer", "license", "equity"][i % 3]
        record_buffer.write(f"{i}\t{institution}\t{maturity[i - 1]}\t[\"{intents}\"]\t{listing[i - 1]}\t"
                            f"[\"{industry}\"]\n")
        link_buffer.write(f"{i}\t{industry}\n")
        unique, counts = np.unique(ids + 1, return_counts=True)  # term ids start at 1
        term_rows.append((i, unique.astype("<i4").tobytes().hex(), counts.astype("<u2").tobytes().hex()))
    print(f"  patent rows built {time.perf_counter() - t:.0f}s", flush=True)
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE bm_patent (i int, number text, title text, abstract text, main text, codes jsonb)")
        patent_buffer.seek(0)
        c.copy_expert("COPY bm_patent FROM STDIN", patent_buffer)
        columns = fill_columns("inventory_patent", {
            "application_number": "number", "title": "title", "abstract": "abstract", "main_ipc": "main",
            "ipc_codes": "codes", "patent_type": "'invention'", "application_date": "date '2018-01-01'",
            "legal_status": "'valid'", "created_at": "now()", "updated_at": "timestamptz '2020-01-01'",
            "inventors": "'[]'", "patentees": "'[]'", "patentee_credit_codes": "'[]'", "is_sleeping": "false"}, c)
        c.execute(f"INSERT INTO inventory_patent ({', '.join(columns)}) SELECT {', '.join(columns.values())} "
                  "FROM bm_patent ORDER BY i")
        c.execute("SELECT min(id) FROM inventory_patent")
        first = c.fetchone()[0] - 1
        c.execute("CREATE TEMP TABLE bm_record (i int, institution int, maturity int, intents jsonb, listing int, "
                  "industries jsonb)")
        record_buffer.seek(0)
        c.copy_expert("COPY bm_record FROM STDIN", record_buffer)
        columns = fill_columns("inventory_inventoryrecord", {
            "patent_id": f"i + {first}", "institution_id": "institution", "status": "'inventoried'",
            "maturity": "maturity", "intents": "intents", "listing_score": "listing", "industry_codes": "industries",
            "in_library": "true", "screening": "'in'", "review_state": "'approved'", "updated_at":
                "timestamptz '2020-01-01'", "version": "1", "field_numbers": "'[]'"}, c)
        c.execute(f"INSERT INTO inventory_inventoryrecord ({', '.join(columns)}) SELECT {', '.join(columns.values())} "
                  "FROM bm_record")
        c.execute("CREATE TEMP TABLE bm_link (i int, industry text)")
        link_buffer.seek(0)
        c.copy_expert("COPY bm_link FROM STDIN", link_buffer)
        c.execute(f"INSERT INTO inventory_patentindustry (patent_id, industry_id, is_manual) "
                  f"SELECT i + {first}, industry, false FROM bm_link")
        terms = io.StringIO("".join(f"{k + 1}\t{word}\n" for k, word in enumerate(vocabulary)))
        c.copy_expert("COPY matching_libraryterm (id, term) FROM STDIN", terms)
        c.execute("SELECT setval(pg_get_serial_sequence('matching_libraryterm', 'id'), %s)", [len(vocabulary)])
        documents = io.StringIO("".join(f"{i + first}\t\\\\x{ids}\t\\\\x{counts}\tbench\t2030-01-01\n"
                                        for i, ids, counts in term_rows))
        c.copy_expert("COPY matching_librarydocument (patent_id, term_ids, counts, digest, indexed_at) FROM STDIN",
                      documents)
        print(f"  patents, records, documents {time.perf_counter() - t:.0f}s", flush=True)
        # Enterprises: a profile (1–2 sub-sectors, an IPC prefix at a random depth, provinces, modes)
        # and one or two needs written from one topic's words.
        profiles, needs = io.StringIO(), io.StringIO()
        modes = ['["licence"]', '["assignment"]', '["joint_rd"]', '["licence", "assignment"]', "[]"]
        for n, enterprise in enumerate(range(ent_lo, ent_hi + 1)):
            topic = int(rng.integers(0, 600))
            sub = ipc_subclasses[topic % 300]
            depth = n % 3
            prefix = sub if depth == 0 else f"{sub} {1 + topic % 40}" if depth == 1 else \
                f"{sub} {1 + topic % 40}/{rng.integers(0, 99):02d}"
            industries = sorted({subsectors[topic % len(subsectors)], subsectors[rng.integers(0, len(subsectors))]})
            profiles.write(f"{enterprise}\t{_json(industries)}\t{_json([prefix])}\t"
                           f"{_json([provinces[rng.integers(0, len(provinces))]])}\t{modes[n % 5]}\n")
            for k in range(1 + n % 2):
                own = (topic * 31 + rng.integers(0, 60, size=12)) % VOCABULARY
                common = rng.choice(VOCABULARY, size=8, p=weights)
                text = "，".join(vocabulary[w] for w in np.concatenate([own, common]))
                needs.write(f"{enterprise}\t需求{n}-{k}\t{text}\n")
        c.execute("CREATE TEMP TABLE bm_profile (enterprise int, industries jsonb, ipc jsonb, provinces jsonb, "
                  "modes jsonb)")
        profiles.seek(0)
        c.copy_expert("COPY bm_profile FROM STDIN", profiles)
        columns = fill_columns("matching_enterpriseprofile", {
            "enterprise_id": "enterprise", "industry_codes": "industries", "ipc_prefixes": "ipc",
            "province_codes": "provinces", "modes": "modes", "budget_band": "''", "allow_direct_contact": "false",
            "updated_at": "now()"}, c)
        c.execute(f"INSERT INTO matching_enterpriseprofile ({', '.join(columns)}) "
                  f"SELECT {', '.join(columns.values())} FROM bm_profile")
        c.execute("CREATE TEMP TABLE bm_need (enterprise int, title text, description text)")
        needs.seek(0)
        c.copy_expert("COPY bm_need FROM STDIN", needs)
        columns = fill_columns("matching_technologyneed", {
            "enterprise_id": "enterprise", "title": "title", "description": "description", "keywords": "'[]'",
            "industry_codes": "'[]'", "ipc_prefixes": "'[]'", "modes": "'[]'", "status": "'open'",
            "allow_direct_contact": "false", "created_at": "now()", "updated_at": "now()"}, c)
        c.execute(f"INSERT INTO matching_technologyneed ({', '.join(columns)}) "
                  f"SELECT {', '.join(columns.values())} FROM bm_need")
        c.execute("ANALYZE")
        c.execute("CREATE TABLE IF NOT EXISTS bm_size (enterprises int, patents int)")
        c.execute("DELETE FROM bm_size")
        c.execute("INSERT INTO bm_size VALUES (%s, %s)", [enterprises, patents])
    print(f"generated {enterprises:,} enterprises, {patents:,} patents in {time.perf_counter() - t:.0f}s", flush=True)


def _json(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def current_size() -> tuple[int, int] | None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT to_regclass('bm_size')")
        if c.fetchone()[0] is None:
            return None
        c.execute("SELECT enterprises, patents FROM bm_size")
        row = c.fetchone()
    return tuple(row) if row else None


def segmentation_rate() -> float:
    """Library entries segmented per second by jieba (title + abstract of 300 characters)."""
    from matching.matcher.text import segment

    vocabulary = words()
    rng = random.Random(1)
    texts = ["，".join(rng.choice(vocabulary) for _ in range(110)) for _ in range(2000)]
    segment("预热")
    t = time.perf_counter()
    for text in texts:
        segment(text)
    return len(texts) / (time.perf_counter() - t)


def run_cycle() -> dict:
    from django.db import connection

    from matching.matcher import services
    from matching.matcher.models import MatchChunk, MatchCycle
    from matching.pushes.models import Push

    with connection.cursor() as c:
        c.execute("TRUNCATE matching_push, matching_matchchunk, matching_matchcycle CASCADE")
    services.forget_library()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    t = time.perf_counter()
    cycle = services.start_cycle(MatchCycle.Kind.PLATFORM, run=False)
    cycle = services.run_cycle(cycle)  # eager: runs every chunk in this process
    for chunk_id in MatchChunk.objects.filter(cycle=cycle, done_at__isnull=True).values_list("pk", flat=True):
        services.run_chunk(chunk_id)
    total = time.perf_counter() - t
    cycle.refresh_from_db()
    progress = services.progress(cycle)
    return {"cycle": cycle, "total": total, "timings": progress["timings"], "pushes": Push.objects.count(),
            "cpu_before": cpu_before}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=30000)
    parser.add_argument("--patents", type=int, default=500000)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)
    server = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
    ensure_database(server)
    setup(server)
    from django.conf import settings

    assert settings.CELERY_TASK_ALWAYS_EAGER, "run without REDIS_URL: the cycle runs in this process"
    if args.regenerate or current_size() != (args.enterprises, args.patents):
        generate(args.enterprises, args.patents)
    result = run_cycle()
    cycle, total, timings = result["cycle"], result["total"], result["timings"]
    steps = {"index refresh (plan)": cycle.index_seconds, **timings}
    accounted = sum(steps.values())
    print(f"\nmatch cycle: {cycle.enterprises:,} enterprises × {args.patents:,} library patents "
          f"({cycle.chunks_total} chunks, status {cycle.status})")
    print(f"  total           {total:8.1f} s   (target {TARGET_SECONDS} s at full size)")
    for step, seconds in steps.items():
        print(f"  {step:<22}{seconds:8.1f} s  {100 * seconds / total:5.1f}%")
    print(f"  other (planning, counters) {total - accounted:6.1f} s")
    print(f"  candidates      {cycle.candidates:,}")
    print(f"  pushes written  {result['pushes']:,}  ({result['pushes'] / total:,.0f}/s over the whole cycle, "
          f"{result['pushes'] / max(timings.get('writing', 0), 1e-9):,.0f}/s while writing)")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"  CPU of this process during the run {usage.ru_utime + usage.ru_stime - result['cpu_before']:8.1f} s "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other work shares the machine)")
    print(f"  peak RSS        {peak_rss_mb():8.0f} MB (this process and its children; target {TARGET_MB} MB)")
    rate = segmentation_rate()
    print(f"  jieba segmentation {rate:,.0f} entries/s: a full index of {args.patents:,} entries "
          f"{args.patents / rate / 60:.1f} min once; a cycle segments only new or changed entries")
    if (args.enterprises, args.patents) != (30000, 500000):
        enterprises, library = 30000 / args.enterprises, 500000 / args.patents
        cpu = usage.ru_utime + usage.ru_stime - result["cpu_before"]
        print(f"  EXTRAPOLATION (not measured): candidates per enterprise grow with the library, so the "
              f"per-enterprise work scales ×{enterprises:.1f} (enterprises) × {library:.1f} (library): "
              f"about {cpu * enterprises * library / 60:.0f} min of one core "
              f"({cpu * enterprises * library / 120:.0f} min on two workers) from this run's CPU; "
              f"wall time here scaled alike: {total * enterprises * library / 60:.0f} min")


if __name__ == "__main__":
    main()
