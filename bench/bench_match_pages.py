"""Benchmark: the push pages with 3 million pushes in the table (PostgreSQL).

    python bench/bench_match_pages.py                 # builds pn_inbox_bench once, then measures
    python bench/bench_match_pages.py --rebuild       # rebuild the dataset
    python bench/bench_match_pages.py --pushes 300000 --repeat 50   # a quick run

DATABASE_URL names the PostgreSQL server (its database part is replaced by pn_inbox_bench).
The dataset, built once in bulk: 300 institutions and 20,000 enterprises spread over the 31
provinces, 100,000 library patents (records in the library, each linked to an industry sub-sector),
and the pushes made in SQL (INSERT … SELECT generate_series): enterprise i % 20,000 receives patent
(enterprise × 7919 + round × 1237) mod 100,000, one push per (enterprise, patent), a deterministic
spread of statuses (45% delivered, 25% viewed, 10% interested, 15% dismissed with a reason, 5%
evaluation requested) and dates over a year.

Then, through Django's test Client (middleware, templates and all), as a user of each kind, REPEAT
requests each (≥ 100), p50 / p95 printed beside the target: the enterprise inbox (first page and an
older keyset page), a push's page, the institution's response list, the province's response page
(the busiest province) and its API, and the API's push list. Targets: p95 under 300 ms each. The
territory's counts are read from the pushes' tally (matching.pushes.tally, rebuilt here with the
command rebuild_push_tally when it is empty or the dataset was just built; no cache): every request
is cold. The baseline beside them: the two aggregates over the province's pushes the page ran
before the tally, timed COLD_REPEAT times, and the ratio. With --explain, or when a page misses its
target, the key statements' plans are printed.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import _admin_connection  # noqa: E402

DATABASE = "pn_inbox_bench"
TARGET_P95_MS = 300
COLD_REPEAT = 10
INSTITUTIONS = 300
ENTERPRISES = 20_000
PATENTS = 100_000


def database_exists(server: str, name: str) -> bool:
    admin = _admin_connection(server)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    admin.close()
    return found


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()


PUSHES_SQL = """
INSERT INTO matching_push (patent_id, enterprise_id, institution_id, enterprise_province_id,
    institution_province_id, source, score, reasons, status, dismiss_reason, dismiss_note, created_at,
    viewed_at, answered_at)
SELECT r.patent_id, e.id, r.institution_id, e.province_id, i.province_id, 'cycle', (g.n %% 100) / 100.0,
    '[{"kind": "industry", "text": "行业匹配:与企业关注产业一致"}, {"kind": "ipc", "text": "技术领域:G06V"}]'::jsonb,
    s.status,
    CASE WHEN s.status = 'dismissed' THEN (ARRAY['not_our_field', 'too_early', 'price', 'unclear'])[1 + g.n %% 4]
         ELSE '' END, '',
    now() - make_interval(mins => (g.n %% 525600)::int),
    CASE WHEN s.status <> 'delivered' THEN now() - make_interval(mins => (g.n %% 525600)::int) + interval '1 day' END,
    CASE WHEN s.status IN ('interested', 'dismissed', 'evaluation_requested')
         THEN now() - make_interval(mins => (g.n %% 525600)::int) + interval '2 days' END
FROM generate_series(0, %(pushes)s - 1) AS g(n)
JOIN LATERAL (SELECT (g.n %% %(enterprises)s) AS e_index, (g.n / %(enterprises)s) AS round) AS k ON true
JOIN bench_enterprise AS be ON be.idx = k.e_index
JOIN accounts_organization AS e ON e.id = be.id
JOIN bench_patent AS bp ON bp.idx = (k.e_index * 7919 + k.round * 1237) %% %(patents)s
JOIN inventory_inventoryrecord AS r ON r.patent_id = bp.id
JOIN accounts_organization AS i ON i.id = r.institution_id
JOIN LATERAL (SELECT CASE WHEN g.n %% 20 < 9 THEN 'delivered' WHEN g.n %% 20 < 14 THEN 'viewed'
                          WHEN g.n %% 20 < 16 THEN 'interested' WHEN g.n %% 20 < 19 THEN 'dismissed'
                          ELSE 'evaluation_requested' END AS status) AS s ON true
"""


def build(server: str, pushes: int) -> None:
    """Organisations, library patents and their records through bulk_create; the pushes in SQL."""
    import subprocess

    from bench.measure import scratch_database

    url = scratch_database(server, DATABASE)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True,
                   env=env, cwd=ROOT)
    os.environ["DATABASE_URL"] = url
    setup_django()
    from datetime import date

    from django.db import connection

    from accounts.models import Organization, Province
    from inventory.models import Industry, InventoryRecord, Patent, PatentIndustry, PatentOwnership
    from inventory.patents import make_application_number

    started = time.perf_counter()
    provinces = list(Province.objects.order_by("code")[:31])
    kind = Organization.Kind
    institutions = Organization.objects.bulk_create([
        Organization(kind=kind.INSTITUTION, name=f"测试大学{n:04d}", province=provinces[n % len(provinces)],
                     institution_type="university") for n in range(INSTITUTIONS)])
    Organization.objects.bulk_create([
        Organization(kind=kind.ENTERPRISE, name=f"测试科技有限公司{n:05d}", province=provinces[n % len(provinces)])
        for n in range(ENTERPRISES)], batch_size=5000)
    leaves = list(Industry.objects.filter(parent__isnull=False).values_list("code", flat=True))
    for start in range(0, PATENTS, 10_000):
        patents = Patent.objects.bulk_create([
            Patent(application_number=make_application_number(2018, "1", 2_000_000 + n), title=f"一种测试专利方法{n}",
                   patent_type="invention", application_date=date(2018, 1, 1), grant_date=date(2020, 1, 1),
                   legal_status="valid", main_ipc="G06V 10/82",
                   abstract="本发明公开了一种基于深度学习的图像识别方法,能够显著提高复杂场景下的识别准确率。")
            for n in range(start, min(start + 10_000, PATENTS))])
        owners = [institutions[(start + k) % INSTITUTIONS] for k in range(len(patents))]
        PatentOwnership.objects.bulk_create([PatentOwnership(patent=p, organization=o, position=1)
                                             for p, o in zip(patents, owners, strict=True)])
        InventoryRecord.objects.bulk_create([
            InventoryRecord(patent=p, institution=o, status="inventoried", review_state="approved", screening="in",
                            intents=["transfer"], in_library=True, maturity=6, prospect="good",
                            listing_score=60 + p.pk % 40) for p, o in zip(patents, owners, strict=True)])
        PatentIndustry.objects.bulk_create([PatentIndustry(patent=p, industry_id=leaves[p.pk % len(leaves)])
                                            for p in patents])
    print(f"built: {INSTITUTIONS} institutions, {ENTERPRISES:,} enterprises, {PATENTS:,} library patents "
          f"in {time.perf_counter() - started:,.0f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_enterprise AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id "
                       "FROM accounts_organization WHERE kind = 'enterprise'")
        cursor.execute("CREATE TEMP TABLE bench_patent AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id "
                       "FROM inventory_patent")
        cursor.execute("CREATE INDEX ON bench_enterprise (idx)")
        cursor.execute("CREATE INDEX ON bench_patent (idx)")
        # The generated rows reference only rows made above: the foreign-key triggers (deferred
        # checks, one per row and key at commit) are off while they go in.
        cursor.execute("ALTER TABLE matching_push DISABLE TRIGGER ALL")
        cursor.execute(PUSHES_SQL, {"pushes": pushes, "enterprises": ENTERPRISES, "patents": PATENTS})
        cursor.execute("ALTER TABLE matching_push ENABLE TRIGGER ALL")
        print(f"built: {cursor.rowcount:,} pushes in {time.perf_counter() - started:,.0f} s")
    connection.close()
    admin_url = urlunparse(urlparse(url))
    import psycopg2

    raw = psycopg2.connect(admin_url)
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    raw.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def user_of(org, username: str):
    from accounts.models import User

    user, _created = User.objects.get_or_create(username=username, defaults={"organization": org,
                                                                              "full_name": username})
    return user


def measure(client, url: str, repeat: int) -> list[float]:
    """Wall times (ms) of `repeat` GETs after one warming request."""
    response = client.get(url)  # warm
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def explain(user, label: str, queryset) -> None:
    print(f"--- EXPLAIN ANALYZE {label}")
    print(queryset.explain(analyze=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL server")
        return 2
    if args.rebuild or not database_exists(server, DATABASE):
        build(server, args.pushes)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(server)._replace(path=f"/{DATABASE}"))
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)  # a dataset built before the tally's migration
    from matching.models import PushTally

    if args.rebuild or not PushTally.objects.exists():
        started = time.perf_counter()
        call_command("rebuild_push_tally")
        print(f"rebuild_push_tally: {time.perf_counter() - started:.1f} s")
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import Coalesce
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from accounts.models import Organization
    from matching.models import Push, PushSectorTally
    from matching.pushes import services

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    total = Push.objects.count()
    busiest = (Push.objects.values("institution_province").annotate(n=Count("pk")).order_by("-n")
               .values_list("institution_province", flat=True).first())
    province = Organization.objects.filter(Q(province_id=busiest) | Q(code=busiest), kind="province").first()
    enterprise = Organization.objects.filter(kind="enterprise").order_by("pk").first()
    institution = (Push.objects.values("institution_id").annotate(n=Count("pk")).order_by("-n").first())
    institution = Organization.objects.get(pk=institution["institution_id"])
    print(f"pushes in the table: {total:,} on {connection.vendor}")
    users = {"enterprise": user_of(enterprise, "bench_enterprise"), "institution": user_of(institution, "bench_inst"),
             "province": user_of(province, "bench_province")}
    print(f"enterprise {enterprise.name}: {Push.objects.visible_to(users['enterprise']).count():,} pushes; "
          f"institution {institution.name}: {Push.objects.visible_to(users['institution']).count():,}; "
          f"province {province.name}: {Push.objects.visible_to(users['province']).count():,}")
    first_push = Push.objects.visible_to(users["enterprise"]).order_by("-created_at", "-pk")
    cursor = services.cursor_of(first_push[60])
    pages = [
        ("enterprise inbox, first page", "enterprise", reverse("matching:push_inbox")),
        ("enterprise inbox, unread", "enterprise", reverse("matching:push_inbox") + "?unread=1"),
        ("enterprise inbox, keyset page 4", "enterprise", reverse("matching:push_inbox") + f"?after={cursor}"),
        ("enterprise push page", "enterprise", reverse("matching:push_detail", args=[first_push[0].pk])),
        ("enterprise API push list", "enterprise", reverse("push-list")),
        ("institution response list", "institution", reverse("matching:push_responses")),
        ("institution responses of a patent", "institution",
         reverse("matching:push_patent_responses", args=[Push.objects.visible_to(users["institution"])
                                                           .values_list("patent_id", flat=True).first()])),
        ("province response page", "province", reverse("matching:push_territory")),
        ("province API territory", "province", reverse("push-territory-list")),
    ]
    failed = 0
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8}  target p95 < {TARGET_P95_MS} ms")
    territory = {}
    for label, who, url in pages:
        client = Client()
        client.force_login(users[who])
        times = measure(client, url, args.repeat)
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        if who == "province":
            territory[label] = (p50, p95)
        ok = p95 < TARGET_P95_MS
        failed += not ok
        print(f"{label:40} {p50:8.1f} {p95:8.1f}  {'ok' if ok else 'SLOW'} ({args.repeat} requests)")
    # The baseline: the two aggregates over the province's pushes the territory page ran before.
    pushes = Push.objects.visible_to(users["province"]).order_by()
    baseline = []
    for _ in range(COLD_REPEAT):
        started = time.perf_counter()
        list(pushes.values("institution_id", "institution__name", "status", "dismiss_reason")
             .annotate(n=Count("pk"), viewed=Count("pk", filter=Q(viewed_at__isnull=False))))
        list(pushes.annotate(sector=Coalesce("patent__industry_links__industry__parent_id",
                                             "patent__industry_links__industry_id"))
             .values("sector").annotate(**services.RESPONSE_COUNTS).order_by("-pushes"))
        baseline.append((time.perf_counter() - started) * 1000)
    b50, b95 = percentile(baseline, 0.5), percentile(baseline, 0.95)
    print(f"{'baseline: aggregates over the pushes':40} {b50:8.1f} {b95:8.1f}  (before the tally, "
          f"queries only; {COLD_REPEAT} runs)")
    for label, (p50, p95) in territory.items():
        print(f"{label:40} p50 {p50:.1f} ms, p95 {p95:.1f} ms, no cache: {b50 / p50:,.0f}x faster than the "
              f"baseline's p50, target p95 < {TARGET_P95_MS} ms")
    if args.explain or failed:
        explain(users["province"], "province breakdown by sector, from the tally",
                PushSectorTally.objects.in_territory(users["province"]).order_by().values("sector")
                .annotate(n=Sum("n")))
        explain(users["enterprise"], "inbox page", services.inbox(users["enterprise"], services.InboxFilters())[:21])
        explain(users["institution"], "institution list", services.patent_responses(users["institution"])[:31])
        explain(users["province"], "province totals",
                Push.objects.visible_to(users["province"]).order_by().values("status").annotate(n=Count("pk")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
