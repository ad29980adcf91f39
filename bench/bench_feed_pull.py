"""Benchmark: a province's first full sync and full pull of its data interface (DATA-STANDARD.md §9),
on PostgreSQL.

    python bench/bench_feed_pull.py                       # 100,000 convertible patents, 10,000 evaluations
    python bench/bench_feed_pull.py --patents 20000       # a scaled run
    python bench/bench_feed_pull.py --limit 1000          # the pull's page size (default 1000)

Data lives in a scratch database (BENCH_DATABASE, default pn_feeds, on DATABASE_URL's server),
made afresh each run in bulk (INSERT … SELECT generate_series, as bench/bench_evaluation_draw.py):
100 institutions of 广东 (440000), the patents with their inventory records in the conversion
resource library (intents, licence type, price, contact phone and e-mail), one industry and one
technology field each, and one submitted expert evaluation per ten patents.

Measured, through the real code:
1. reporting.feeds.journal.sync("440000") from an empty journal: every record built, digested and
   appended in sets (the first full sync);
2. the full pull through the API (Django's test client, an API token of the province's account,
   `GET /api/v1/province-feed/?cursor=…&limit=…` until has_more is false), every page audited.
Printed: seconds and peak RSS of each against the target (sync + pull under 60 s and 500 MB), and
the ratio to a baseline measured in the same run: a bare SELECT of the journal's rows (for the
pull) and a bare SELECT of the same patent rows (for the sync).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import fill_columns, high_water_mb, reset_high_water, scratch_database  # noqa: E402

DB = os.environ.get("BENCH_DATABASE", "pn_feeds")
PROVINCE = "440000"
TARGET_SECONDS = 60
TARGET_MB = 500
INSTITUTIONS = 100


def setup(server: str) -> None:
    os.environ["DATABASE_URL"] = scratch_database(server, DB)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()


def generate(patents: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        org = fill_columns("accounts_organization", {
            "kind": "'institution'", "name": "'FB-I-' || i", "province_id": f"'{PROVINCE}'", "status": "'active'",
            "code": "''", "credit_code": "'I' || lpad(i::text, 17, '0')", "created_at": "now()",
            "review_levels": "1"}, c)
        c.execute(f"INSERT INTO accounts_organization ({', '.join(org)}) SELECT {', '.join(org.values())} "
                  f"FROM generate_series(1, {INSTITUTIONS}) i")
        c.execute("SELECT min(id) FROM accounts_organization WHERE name LIKE 'FB-I-%%'")
        inst_lo = c.fetchone()[0]
        patent = fill_columns("inventory_patent", {
            "application_number": "'FB' || lpad(g.i::text, 10, '0')", "title": "'数据接口基准专利' || g.i",
            "main_ipc": "'G06F ' || (1 + g.i % 40) || '/00'", "patent_type": "'invention'",
            "application_date": "date '2015-01-01' + (g.i % 3000)::int",
            "grant_date": "date '2017-01-01' + (g.i % 2500)::int", "legal_status": "'valid'",
            "created_at": "now()", "updated_at": "now()", "is_sleeping": "false"}, c)
        c.execute(f"INSERT INTO inventory_patent ({', '.join(patent)}) SELECT {', '.join(patent.values())} "
                  f"FROM generate_series(1, {int(patents)}::bigint) g(i) ORDER BY g.i")
        c.execute("SELECT min(id) FROM inventory_patent")
        first = c.fetchone()[0] - 1
        record = fill_columns("inventory_inventoryrecord", {
            "patent_id": "p.id", "institution_id": f"{inst_lo} + (p.id - {first}) % {INSTITUTIONS}",
            "status": "'inventoried'", "screening": "'in'", "in_library": "true", "maturity": "1 + p.id % 9",
            "prospect": "'good'", "intents": "'[\"license\", \"transfer\"]'", "license_type": "'ordinary'",
            "asking_price": "(p.id % 500)::numeric", "scenarios": "'用于智能制造的质量检测' || p.id",
            "implementation_status": "'none'", "contact_name": "'联系人' || p.id",
            "contact_phone": "'139' || lpad(p.id::text, 8, '0')",
            "contact_email": "'c' || p.id || '@example.edu.cn'", "updated_at": "now()", "version": "1",
            "review_state": "'approved'", "listing_score": "80", "industry_codes": "'[]'", "field_numbers": "'[]'"},
            c)
        c.execute(f"INSERT INTO inventory_inventoryrecord ({', '.join(record)}) SELECT {', '.join(record.values())} "
                  "FROM inventory_patent p")
        c.execute(f"""INSERT INTO inventory_patentownership (patent_id, organization_id, position, grant_date,
                          is_sleeping, main_ipc)
                      SELECT p.id, {inst_lo} + (p.id - {first}) % {INSTITUTIONS}, 1, p.grant_date, false, p.main_ipc
                        FROM inventory_patent p""")
        c.execute("SELECT code FROM inventory_industry WHERE parent_id IS NOT NULL ORDER BY code LIMIT 1")
        industry = c.fetchone()[0]
        c.execute("INSERT INTO inventory_patentindustry (patent_id, industry_id, is_manual) "
                  "SELECT id, %s, false FROM inventory_patent", [industry])
        c.execute("SELECT number FROM inventory_technologyfield ORDER BY number LIMIT 1")
        field = c.fetchone()[0]
        c.execute("INSERT INTO inventory_patenttechfield (patent_id, field_id, is_manual) "
                  "SELECT id, %s, false FROM inventory_patent", [field])
        evaluation = fill_columns("evaluation_evaluation", {
            "patent_id": "p.id", "owner_id": f"{inst_lo} + (p.id - {first}) % {INSTITUTIONS}",
            "evaluator_kind": "'expert'", "evaluator_name": "'专家' || p.id", "status": "'submitted'",
            "source": "'upload'", "prospect": "'fair'", "improvement_needs": "'补充中试数据'",
            "cooperation_modes": "'[\"license\"]'", "reasons": "'[]'", "reason_other": "''",
            "dimension_scores": "'{\"legal\": 70, \"technical\": 80, \"economic\": 60}'", "overall": "71.0",
            "comments": "'{}'", "summary": "'可许可实施'", "evaluated_on": "current_date",
            "created_at": "now()", "updated_at": "now()", "submitted_at": "now()", "withdraw_reason": "''"}, c)
        c.execute(f"INSERT INTO evaluation_evaluation ({', '.join(evaluation)}) "
                  f"SELECT {', '.join(evaluation.values())} FROM inventory_patent p WHERE (p.id - {first}) % 10 = 0")
        c.execute("ANALYZE")
    print(f"generated {patents:,} convertible patents in {time.perf_counter() - started:.0f}s", flush=True)


def measure(limit: int) -> None:
    from django.db import connection
    from django.test import Client

    from accounts import tokens
    from accounts.models import AuditEvent, Organization, User
    from reporting.feeds import journal

    # The bare baselines: the same rows, read with nothing else.
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute("""SELECT p.application_number, p.title, p.patent_type, p.grant_date, p.main_ipc, p.updated_at,
                            o.name, o.credit_code, o.province_id, r.maturity, r.prospect, r.intents, r.license_type,
                            r.asking_price, r.scenarios, r.implementation_status, r.contact_name, r.contact_phone,
                            r.contact_email, r.updated_at
                       FROM inventory_inventoryrecord r JOIN inventory_patent p ON p.id = r.patent_id
                       JOIN accounts_organization o ON o.id = r.institution_id
                      WHERE r.in_library AND o.province_id = %s ORDER BY r.patent_id""", [PROVINCE])
        patent_rows = len(c.fetchall())
    select_patents = time.perf_counter() - started

    reset_high_water()
    started = time.perf_counter()
    result = journal.sync(PROVINCE)
    sync_seconds = time.perf_counter() - started
    sync_mb = high_water_mb()
    print(f"first full sync: {result.upserts:,} upserts in {sync_seconds:.1f}s, peak {sync_mb:.0f} MB "
          f"(bare SELECT of the {patent_rows:,} patent rows {select_patents:.2f}s, "
          f"ratio {sync_seconds / max(select_patents, 1e-6):.1f}×)", flush=True)
    again = time.perf_counter()
    repeat = journal.sync(PROVINCE)
    print(f"repeated sync with no change: {repeat.entries} entries written in {time.perf_counter() - again:.1f}s",
          flush=True)

    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SELECT id, kind, op, data FROM reporting_feedentry WHERE province_id = %s ORDER BY id", [PROVINCE])
        entry_rows = len(c.fetchall())
    select_entries = time.perf_counter() - started

    office = Organization.objects.get(kind="province", province_id=PROVINCE)
    user = User.objects.create(username="bench_feed_province", organization=office, is_org_admin=True)
    _token, raw = tokens.create(user=user, name="bench", scope="read", days=1, second_factor_passed=True)
    client = Client(HTTP_AUTHORIZATION=f"Token {raw}")
    audited = AuditEvent.objects.filter(action="feed.pull").count()
    reset_high_water()
    started = time.perf_counter()
    cursor, records, pages = "", 0, 0
    while True:
        response = client.get("/api/v1/province-feed/", {"cursor": cursor, "limit": limit})
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        records += len(body["records"])
        pages += 1
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    pull_seconds = time.perf_counter() - started
    pull_mb = high_water_mb()
    audits = AuditEvent.objects.filter(action="feed.pull").count() - audited
    assert records == entry_rows, (records, entry_rows)
    print(f"full pull: {records:,} records in {pages} pages of {limit} in {pull_seconds:.1f}s, peak {pull_mb:.0f} MB, "
          f"{audits} audit events (bare SELECT of the journal {select_entries:.2f}s, "
          f"ratio {pull_seconds / max(select_entries, 1e-6):.1f}×)", flush=True)
    total, peak = sync_seconds + pull_seconds, max(sync_mb, pull_mb)
    verdict = "met" if total < TARGET_SECONDS and peak < TARGET_MB else "NOT met"
    print(f"first full sync + full pull: {total:.1f}s (target < {TARGET_SECONDS}s), "
          f"peak {peak:.0f} MB (target < {TARGET_MB} MB): {verdict}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patents", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--server", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/"))
    args = parser.parse_args()
    server = args.server.rsplit("/", 1)[0] + "/"
    setup(server)
    generate(args.patents)
    measure(args.limit)


if __name__ == "__main__":
    main()
