"""Benchmark: every dashboard page at national scale under 20 concurrent users (PostgreSQL).

    python bench/bench_dashboards.py                      # scratch database pn_bench_dash, built anew
    python bench/bench_dashboards.py --users 20 --seconds 60 --workers 2 --threads 4

The dataset, generated directly as the statistics area would leave it (the dashboards read only the
pre-aggregated rows): 3,000 institutions over the 32 provincial units (a quarter of them supervised
by one of the ministries), and for each of 8 ended quarters a published run with its national row,
32 province rows, the ministries' rows and 3,000 institution rows (about 24,000 QuarterlyStat rows),
with breakdowns. No patents and no inventory records: the milestones' live panel (one grouped count
over the inventory records of the scope's institutions) runs over an empty table here.

gunicorn serves on 127.0.0.1 only (TWO_FACTOR_REQUIRED=false, DJANGO_DEBUG=false). The load comes
from a second process (this script with --client): USERS threads, each signed in as one of the four
audiences (platform, ministry, province, institution), reading its dashboards in turn — the
platform its national page and a province's, every audience its own page on the latest and an older
quarter — with a random pause of 0 to 2 × THINK seconds between requests (as bench_load.py; --think 0
for none), for SECONDS. Printed: p50 / p95 per page beside the target (p95 < 300 ms)
and, measured in the same run, the bare aggregate query (the rows of the busiest page, read by
psycopg2 alone) with the ratio of each page's p50 to it.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import _admin_connection, scratch_database  # noqa: E402

DATABASE = "pn_bench_dash"
PASSWORD = "Bench-Dash2026!"
TARGET_P95_MS = 300
INSTITUTIONS = 3000
QUARTERS = 8
USERS = {"bench_dash_operator": "operator", "bench_dash_ministry": "ministry", "bench_dash_province": "province",
         "bench_dash_institution": "institution"}
COUNTS = ("in_scope", "inventoried", "in_library", "transfers", "licences", "open_licences", "valid", "implemented",
          "self_reported", "industrialised", "product_filings", "sleeping", "enterprise_evaluations",
          "expert_evaluations", "pushes", "pushes_viewed", "pushes_interested")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean pause between a user's requests (s), as bench_load.py; 0: none")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--client", help="(internal) run the load: a JSON file of {username: [paths]}")
    return parser.parse_args()


# --- the dataset ---------------------------------------------------------------------------------------

def build(url: str) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """Migrate, generate the rows and the four users; returns each user's session cookies and pages."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True,
                   env=env, cwd=ROOT)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import Organization, Province, User
    from accounts.services import platform_organization
    from reporting.statistics.definitions import CURRENT_VERSION
    from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, StatRun
    from reporting.statistics.quarters import Quarter

    rng = random.Random(7)
    provinces = list(Province.objects.order_by("code"))
    ministries = list(Organization.objects.filter(kind=Organization.Kind.MINISTRY).order_by("pk"))
    institutions = Organization.objects.bulk_create([
        Organization(kind=Organization.Kind.INSTITUTION, name=f"基准大学{n:04d}",
                     province=provinces[n % len(provinces)],
                     supervisor=ministries[n % len(ministries)] if n % 4 == 0 else None,
                     institution_type="university", is_demo_university=n % 10 == 0)
        for n in range(INSTITUTIONS)])
    quarters = [Quarter.last_ended()]
    while len(quarters) < QUARTERS:
        quarters.append(quarters[-1].previous())
    started = time.perf_counter()
    for age, quarter in enumerate(quarters):
        run = StatRun.objects.create(quarter=str(quarter), definition_version=CURRENT_VERSION,
                                     status=RunStatus.PUBLISHED, published_at=timezone.now())
        rows, by_province, by_ministry = [], {}, {}
        for org in institutions:
            figures = _figures(rng, age)
            rows.append(QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.INSTITUTION,
                                      organization=org, province_id=org.province_id, ministry_id=org.supervisor_id,
                                      breakdown=_breakdown(rng), **figures))
            _add(by_province.setdefault(org.province_id, {}), figures)
            if org.supervisor_id:
                _add(by_ministry.setdefault(org.supervisor_id, {}), figures)
        national: dict[str, int] = {}
        for code, figures in by_province.items():
            _add(national, figures)
            rows.append(QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.PROVINCE,
                                      province_id=code, breakdown=_breakdown(rng), **figures))
        for pk, figures in by_ministry.items():
            rows.append(QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.MINISTRY,
                                      organization_id=pk, breakdown=_breakdown(rng), **figures))
        rows.append(QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.NATIONAL,
                                  breakdown=_breakdown(rng), **national))
        QuarterlyStat.objects.bulk_create(rows, batch_size=2000)
    print(f"dataset: {QuarterlyStat.objects.count():,} QuarterlyStat rows in {QUARTERS} runs, "
          f"{INSTITUTIONS:,} institutions, {len(provinces)} provinces, {len(ministries)} ministries "
          f"({time.perf_counter() - started:.1f} s)", flush=True)
    busiest_ministry = max(ministries, key=lambda m: Organization.objects.filter(supervisor=m).count())
    province = provinces[0]
    institution = institutions[0]  # in provinces[0] (the bench province), supervised by a ministry
    orgs = {"operator": platform_organization(), "ministry": busiest_ministry,
            "province": Organization.objects.get(kind=Organization.Kind.PROVINCE, code=province.code),
            "institution": institution}
    User.objects.filter(username__in=USERS).delete()
    for username, audience in USERS.items():
        user = User(username=username, organization=orgs[audience], is_org_admin=True,
                    platform_role="operator" if audience == "operator" else "", password_changed_at=timezone.now())
        user.set_password(PASSWORD)
        user.save()
    # Signed in here (a session in the database per user): the login form's protections (lockout,
    # captcha) are not what this bench measures.
    from django.test import Client

    cookies = {}
    for username in USERS:
        browser = Client()
        browser.force_login(User.objects.get(username=username))
        cookies[username] = {name: morsel.value for name, morsel in browser.cookies.items()}
    older = str(quarters[3])
    own = ["/reporting/dashboard/", f"/reporting/dashboard/?quarter={older}"]
    return cookies, {
        "bench_dash_operator": [*own, f"/reporting/dashboard/?scope=province:{province.code}",
                                f"/reporting/dashboard/?scope=ministry:{busiest_ministry.pk}&rank=implementation_rate"],
        "bench_dash_ministry": [*own, "/reporting/dashboard/?rank=in_library"],
        "bench_dash_province": [*own, "/reporting/dashboard/?rank=conversions",
                                f"/reporting/dashboard/?scope=institution:{institution.pk}"],
        "bench_dash_institution": own,
    }


def _figures(rng: random.Random, age: int) -> dict[str, int]:
    in_scope = rng.randint(50, 1500)
    valid = int(in_scope * rng.uniform(0.85, 1.0))
    implemented = int(valid * rng.uniform(0.02, 0.25) * (1 - age / 20))
    pushes = rng.randint(0, 400)
    return {"in_scope": in_scope, "inventoried": int(in_scope * rng.uniform(0.3, 1.0) * (1 - age / 12)),
            "in_library": int(in_scope * rng.uniform(0.05, 0.4)), "transfers": rng.randint(0, 12),
            "licences": rng.randint(0, 10), "open_licences": rng.randint(0, 3), "valid": valid,
            "implemented": implemented, "self_reported": rng.randint(0, 20),
            "industrialised": implemented // 3, "product_filings": rng.randint(0, 4),
            "sleeping": int(valid * 0.2), "enterprise_evaluations": rng.randint(0, 30),
            "expert_evaluations": rng.randint(0, 15), "pushes": pushes, "pushes_viewed": pushes // 2,
            "pushes_interested": pushes // 10}


def _breakdown(rng: random.Random) -> dict:
    return {"library_by_intent": {k: rng.randint(0, 200) for k in ("transfer", "license", "equity", "self", "none")},
            "library_by_industry": {str(k): rng.randint(0, 200) for k in range(1, 10)},
            "library_by_maturity": {str(k): rng.randint(0, 200) for k in range(1, 10)}}


def _add(total: dict[str, int], figures: dict[str, int]) -> None:
    for key, value in figures.items():
        total[key] = total.get(key, 0) + value


# --- the bare aggregate: the busiest page's rows, by psycopg2 alone -------------------------------------

def bare_query_ms(url: str, repeat: int = 50) -> float:
    """p50 of reading a province's institution rows of the latest run, with the national and own rows
    (what the province's page reads of QuarterlyStat), straight from PostgreSQL."""
    from urllib.parse import urlparse

    import psycopg2

    parsed = urlparse(url)
    connection = psycopg2.connect(dbname=parsed.path.lstrip("/"), user=parsed.username or "postgres",
                                  host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432)
    timings = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM reporting_statrun ORDER BY quarter DESC LIMIT 1")
        run = cursor.fetchone()[0]
        cursor.execute("SELECT code FROM accounts_province ORDER BY code LIMIT 1")
        code = cursor.fetchone()[0]
        for _ in range(repeat):
            start = time.perf_counter()
            cursor.execute("SELECT s.*, o.name FROM reporting_quarterlystat s LEFT JOIN accounts_organization o "
                           "ON o.id = s.organization_id WHERE s.run_id = %s AND (s.scope = 'national' OR "
                           "s.province_id = %s)", [run, code])
            cursor.fetchall()
            timings.append((time.perf_counter() - start) * 1000)
    connection.close()
    return statistics.median(timings)


# --- the load (second process) --------------------------------------------------------------------------

def client(args: argparse.Namespace) -> int:
    import requests

    from bench.bench_load import fetch

    plan = json.loads(Path(args.client).read_text())
    pages: dict[str, list[str]] = plan["pages"]
    base = f"http://127.0.0.1:{args.port}"

    def log_in(base: str, username: str) -> requests.Session:
        session = requests.Session()
        session.cookies.update(plan["cookies"][username])
        return session

    sessions = {username: log_in(base, username) for username in pages}
    for username, paths in pages.items():  # warm-up: each page once, and it must answer 200
        for path in paths:
            _ms, error = fetch(sessions[username], base, path)
            if error:
                raise SystemExit(f"warm-up: {username} {path}: {error}")
    results: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    usernames = list(pages)

    def loop(n: int) -> None:
        username = usernames[n % len(usernames)]
        session = log_in(base, username)
        rng = random.Random(n)
        while time.monotonic() < deadline:
            path = rng.choice(pages[username])
            ms, error = fetch(session, base, path)
            time.sleep(max(0.0, min(rng.uniform(0, 2 * args.think), deadline - time.monotonic())))
            with lock:
                results.setdefault(f"{USERS[username]} {path.removeprefix('/reporting/dashboard/')}", []).append(ms)
                if error:
                    errors.append(f"{path}: {error}")

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(args.users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.seconds + 60)
    print(json.dumps({"results": results, "errors": errors[:10], "error_count": len(errors)}))
    return 0


def percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> int:
    args = parse_args()
    if args.client:
        return client(args)
    url = scratch_database(args.server, DATABASE)
    cookies, pages = build(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false", "TWO_FACTOR_REQUIRED": "false",
           "REDIS_URL": "", "PYTHONWARNINGS": "ignore:No directory at"}
    from bench.bench_load import start_gunicorn, stop

    server = start_gunicorn(argparse.Namespace(port=args.port, workers=args.workers, threads=args.threads,
                                               think=1.0), env)
    plan = Path(f"/tmp/{DATABASE}-pages.json")
    plan.write_text(json.dumps({"pages": pages, "cookies": cookies}))
    try:
        baseline = bare_query_ms(url)
        load = subprocess.run([sys.executable, __file__, "--client", str(plan), "--port", str(args.port),
                               "--users", str(args.users), "--seconds", str(args.seconds),
                               "--think", str(args.think)],
                              capture_output=True, text=True, cwd=ROOT, env=env, check=False)
        baseline_after = bare_query_ms(url)
    finally:
        stop(server)
        _admin_connection(args.server).close()
    if load.returncode != 0:
        print(load.stdout, load.stderr)
        return 1
    outcome = json.loads(load.stdout.strip().splitlines()[-1])
    bare = statistics.mean([baseline, baseline_after])
    every = [ms for values in outcome["results"].values() for ms in values]
    print(f"\n{args.users} concurrent users (think {args.think:g} s), {args.seconds:.0f} s, "
          f"gunicorn {args.workers}×{args.threads}: "
          f"{len(every)} requests ({len(every) / args.seconds:.1f}/s), {outcome['error_count']} errors")
    print(f"bare aggregate query (a province's rows of the latest run, psycopg2): p50 {bare:.1f} ms")
    print(f"{'page':<58}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'ratio p50':>11}  target p95 < {TARGET_P95_MS} ms")
    missed = 0
    for label in sorted(outcome["results"]):
        values = outcome["results"][label]
        p50, p95 = percentile(values, 50), percentile(values, 95)
        missed += p95 >= TARGET_P95_MS
        print(f"{label:<58}{len(values):>9}{p50:>9.0f}{p95:>9.0f}{p50 / bare:>10.0f}×  "
              f"{'met' if p95 < TARGET_P95_MS else 'MISSED'}")
    print(f"all pages: p50 {percentile(every, 50):.0f} ms, p95 {percentile(every, 95):.0f} ms")
    for sample in outcome["errors"]:
        print("error:", sample)
    return 1 if missed or outcome["error_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
