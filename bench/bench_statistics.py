"""Benchmark: one quarter's statistics for every scope (reporting.statistics.compute) on the national dataset.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ python bench/bench_statistics.py            # build once, measure
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ python bench/bench_statistics.py --rebuild  # build again

The dataset (database pn_bench_stats, kept between runs) is written in set-based SQL from
generate_series, every row derived from its id: the generated 3,000 institutions (bench/generate.py,
spread over the 32 provinces, a third supervised by 教育部) and 6,000 enterprises; 1,500,000 patents,
one inventory record each (60% inventoried, a third of those in the library with intents,
industries and maturity; 5% funded; 3% expired), 150,000 conversions of every kind with
registration, licence-end and product-filing dates over 2023–2026, 100,000 submitted evaluations
and 250,000 pushes.

It then times `compute_quarter(2025Q4)` (all institution, ministry, province and national rows,
written in one transaction) REPEAT times, and in the same run the bare grouped count of the records
by institution (the cheapest query that reads every record once), and prints the median, the
target (10 s) and the ratio. It checks that the national row equals the sum of the institutions'.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.measure import _admin_connection, fill_columns, peak_rss_mb, scratch_database  # noqa: E402

DATABASE = "pn_bench_stats"
TARGET_SECONDS = 10.0
PATENTS = 1_500_000
REPEAT = 3


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()


def _fill(table: str, given: dict[str, str], source: str) -> str:
    """INSERT … SELECT with `given` column expressions; every other NOT NULL column without a
    default gets a neutral value of its type (so the script follows the schema as it grows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        columns = fill_columns(table, given, cursor, date="DATE '2020-01-01'")
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns.values())} {source}"


def build(server: str) -> None:
    url = scratch_database(server, DATABASE)
    import subprocess

    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True,
                   env={**os.environ, "DATABASE_URL": url}, cwd=ROOT)
    setup_django(url)
    from django.db import connection

    from accounts.models import Organization

    started = time.perf_counter()
    generate.load_organizations()
    moe = Organization.objects.get(kind="ministry", code="MOE")
    statements = [
        f"UPDATE accounts_organization SET supervisor_id = {moe.pk} WHERE kind = 'institution' AND id % 3 = 0",
        "CREATE TEMP TABLE inst AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM accounts_organization "
        "WHERE kind = 'institution'",
        "CREATE TEMP TABLE ent AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, province_id "
        "FROM accounts_organization WHERE kind = 'enterprise'",
        _fill("inventory_patent", {
            "application_number": "'CN2015' || lpad(g::text, 8, '0') || '.X'",
            "title": "'统计基准专利 ' || g", "patent_type": "'invention'",
            "application_date": "DATE '2012-01-01' + (g % 3000)",
            "grant_date": "DATE '2014-01-01' + (g % 4400)",
            "legal_status": "CASE WHEN g % 33 = 0 THEN 'invalid' ELSE 'valid' END",
            "main_ipc": "'G06F 16/00'",
            "funding_project_number": "CASE WHEN g % 20 = 0 THEN 'NSFC' || g ELSE '' END",
        }, f"FROM generate_series(1, {PATENTS}) AS g"),
        # The long tail: institution n holds patents in proportion to 1/(n+1) (via a square root).
        "CREATE TEMP TABLE owner AS SELECT p.id AS patent_id, i.id AS institution_id FROM inventory_patent p "
        "JOIN inst i ON i.n = floor(power((p.id * 7919 % 1000003) / 1000003.0, 2) * 3000)::int",
        _fill("inventory_patentownership", {"patent_id": "o.patent_id", "organization_id": "o.institution_id",
                                           "position": "1"}, "FROM owner o"),
        _fill("inventory_inventoryrecord", {
            "patent_id": "o.patent_id", "institution_id": "o.institution_id",
            "status": "CASE WHEN o.patent_id % 10 < 6 THEN 'inventoried' ELSE 'pending' END",
            "inventoried_at": "CASE WHEN o.patent_id % 10 < 6 THEN TIMESTAMPTZ '2024-01-01' "
                              "+ (o.patent_id % 900)::int * INTERVAL '1 day' END",
            "in_library": "o.patent_id % 10 < 6 AND o.patent_id % 3 = 0",
            "screening": "CASE WHEN o.patent_id % 10 < 6 THEN CASE WHEN o.patent_id % 3 = 0 THEN 'in' ELSE 'out' END "
                         "ELSE '' END",
            "intents": "CASE WHEN o.patent_id % 3 = 0 THEN (ARRAY['[\"transfer\"]', '[\"license\"]', "
                       "'[\"transfer\", \"license\"]', '[\"self\"]'])[1 + o.patent_id % 4]::jsonb ELSE '[]'::jsonb END",
            "industry_codes": "(ARRAY['[\"1.5\"]', '[\"4.1\", \"4.2\"]', '[\"3.6\"]', '[]'])"
                              "[1 + o.patent_id % 4]::jsonb",
            "maturity": "CASE WHEN o.patent_id % 10 < 7 THEN 1 + o.patent_id % 9 END",
            "implementation_status": "CASE WHEN o.patent_id % 17 = 0 THEN 'self' ELSE 'none' END",
            "is_financially_funded": "CASE WHEN o.patent_id % 41 = 0 THEN true END",
            "updated_at": "now()",
        }, "FROM owner o"),
        _fill("inventory_conversion", {
            "patent_id": "o.patent_id", "institution_id": "o.institution_id",
            "kind": "(ARRAY['transfer', 'license', 'equity', 'self'])[1 + (o.patent_id / 10) % 4]",
            "license_type": "CASE WHEN (o.patent_id / 10) % 4 = 1 THEN (ARRAY['ordinary', 'exclusive', 'open'])"
                            "[1 + (o.patent_id / 10) % 3] ELSE '' END",
            "effective_date": "DATE '2023-01-01' + ((o.patent_id / 10) % 1200)::int",
            "registration_date": "CASE WHEN (o.patent_id / 10) % 4 < 2 "
                                 "THEN DATE '2023-01-20' + ((o.patent_id / 10) % 1200)::int END",
            "license_end_date": "CASE WHEN (o.patent_id / 10) % 4 = 1 AND (o.patent_id / 100) % 2 = 0 "
                                "THEN DATE '2024-06-01' + ((o.patent_id / 10) % 900)::int END",
            "industrialised": "(o.patent_id / 10) % 5 = 0",
            "product_filing_date": "CASE WHEN (o.patent_id / 10) % 5 = 0 "
                                   "THEN DATE '2023-03-01' + ((o.patent_id / 10) % 1200)::int END",
            "created_at": "now()", "updated_at": "now()",
        }, "FROM owner o WHERE o.patent_id % 10 = 7"),
        _fill("evaluation_evaluation", {
            "patent_id": "o.patent_id", "owner_id": "o.institution_id",
            "evaluator_kind": "'enterprise'", "enterprise_id": "e.id", "status": "'submitted'",
            "submitted_at": "TIMESTAMPTZ '2024-06-01' + (o.patent_id % 900)::int * INTERVAL '1 day'",
            "reasons": "(ARRAY['[\"price\"]', '[]', '[\"advantage_unclear\", \"price\"]'])[1 + o.patent_id % 3]::jsonb",
            "dimension_scores": "'{}'::jsonb", "created_at": "now()", "updated_at": "now()",
        }, "FROM owner o JOIN ent e ON e.n = o.patent_id % 6000 WHERE o.patent_id % 15 = 0 AND o.patent_id % 3 = 0"),
        _fill("matching_push", {
            "patent_id": "o.patent_id", "institution_id": "o.institution_id", "enterprise_id": "e.id",
            "enterprise_province_id": "e.province_id",
            "status": "(ARRAY['delivered', 'viewed', 'interested', 'dismissed'])[1 + o.patent_id % 4]",
            "created_at": "TIMESTAMPTZ '2024-09-01' + (o.patent_id % 600)::int * INTERVAL '1 day'",
            "viewed_at": "CASE WHEN o.patent_id % 4 > 0 THEN TIMESTAMPTZ '2024-09-03' "
                         "+ (o.patent_id % 600)::int * INTERVAL '1 day' END",
            "answered_at": "CASE WHEN o.patent_id % 4 > 1 THEN TIMESTAMPTZ '2024-09-05' "
                           "+ (o.patent_id % 600)::int * INTERVAL '1 day' END",
            "score": "0.5", "reasons": "'[]'::jsonb",
        }, "FROM owner o JOIN ent e ON e.n = (o.patent_id * 13) % 6000 WHERE o.patent_id % 3 = 0 "
           "AND o.patent_id % 10 < 6 AND o.patent_id % 5 < 4"),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            step = time.perf_counter()
            cursor.execute(statement)
            print(f"built: {statement[:70]}… {cursor.rowcount:,} rows in {time.perf_counter() - step:.1f} s")
        cursor.execute("ANALYZE")
    print(f"built the dataset in {time.perf_counter() - started:,.0f} s")


def measure(url: str) -> int:
    setup_django(url)
    from django.db import connection
    from django.db.models import Sum

    from inventory.models import InventoryRecord
    from reporting.statistics.compute import COUNT_FIELDS
    from reporting.statistics.models import QuarterlyStat
    from reporting.statistics.quarters import Quarter
    from reporting.statistics.services import compute_quarter

    quarter = Quarter(2025, 4)
    records = InventoryRecord.objects.count()
    print(f"dataset: {records:,} inventory records")
    timings, baseline = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT institution_id, count(*) FROM inventory_inventoryrecord r "
                           "JOIN inventory_patent p ON p.id = r.patent_id GROUP BY institution_id")
            cursor.fetchall()
        baseline.append(time.perf_counter() - started)
        started = time.perf_counter()
        run = compute_quarter(quarter)
        timings.append(time.perf_counter() - started)
    rows = run.stats.count()
    national = run.stats.get(scope="national")
    sums = run.stats.filter(scope="institution").aggregate(**{name: Sum(name) for name in COUNT_FIELDS})
    consistent = all(getattr(national, name) == (sums[name] or 0) for name in COUNT_FIELDS)
    median, bare = statistics.median(timings), statistics.median(baseline)
    print(f"compute_quarter(2025Q4): {rows:,} rows (scopes); runs {', '.join(f'{t:.2f}' for t in timings)} s")
    print(f"  national row: in_scope {national.in_scope:,}, inventoried {national.inventoried:,}, "
          f"implemented {national.implemented:,}, transfers {national.transfers:,}, licences {national.licences:,}, "
          f"pushes {national.pushes:,}; equals the sum of institutions: {consistent}")
    print(f"  median {median:.2f} s (target {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'MISSED'})")
    print(f"  baseline (bare grouped count of the records): median {bare:.2f} s; ratio {median / bare:.1f}×")
    print(f"  peak RSS {peak_rss_mb():.0f} MB; QuarterlyStat rows kept: {QuarterlyStat.objects.count():,}")
    return 0 if median < TARGET_SECONDS and consistent else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="build the dataset and stop (measure later)")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
    server = server.rsplit("/", 1)[0] + "/"
    admin = _admin_connection(server)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        exists = cursor.fetchone() is not None
    admin.close()
    if args.rebuild or not exists:
        build(server)
        if args.build_only:
            return 0
        os.execv(sys.executable, [sys.executable, __file__])  # measure in a fresh process
    return measure(server + DATABASE)


if __name__ == "__main__":
    sys.exit(main())
