"""Benchmark: the co-inventor relation on the national base library, then a round's random draw
with every conflict of interest checked, on PostgreSQL.

    python bench/bench_evaluation_draw.py                          # 1,500,000 patents, 10,000 × 3 from 3,000 experts
    python bench/bench_evaluation_draw.py --patents 100000 --round 2000   # a scaled run
    python bench/bench_evaluation_draw.py --regenerate             # new data even if the size exists

Data lives in the database pn_rounds (BENCH_DATABASE; DATABASE_URL's server, default
postgres://postgres@127.0.0.1:5432/), kept between runs and regenerated only when the size asked
for differs. Generation is bulk (INSERT … SELECT generate_series, as bench/bench_match_speed.py):
3,000 institutions, each with a team of 60 inventors whose names (two or three Chinese
characters, so namesakes across institutions occur as in life) sign its patents, one to six per
patent; patents applied for from 2012 to 2025, 5 % co-owned by a second institution; IPC codes
over 300 subclasses, one industry sub-sector each. 3,000 approved experts with one or two
sub-sectors and one to three IPC prefixes; a fifth of them named like an inventor of some
institution, a tenth employed by an institution (half of those known only by credit code), 3 %
by one of the 100 requesting enterprises, 5 % with a declared affiliation, 5 % unavailable.

Measured, through the real code:
1. evaluation.rounds.coinventors.build_coinventors over every patent (all years: the heaviest
   build; the nightly one reads only the conflict window), from an empty relation;
2. evaluation.rounds.services.draw_round for a round of 10,000 of those patents (1,000 of them
   asked about by the enterprises) × 3 experts: qualification, every conflict rule, the draws'
   records and 30,000 assignments written.
Printed: both times and peak RSS against the targets (5 minutes and 1 GB; 60 seconds), the links
written, the conflicts found by rule, the load average.

The per-expert cap of open assignments is raised for the bench (EVALUATION_MAX_OPEN_ASSIGNMENTS,
default here 30): 30,000 assignments over 3,000 experts average 10 each, the production default,
which the uneven spread of specialties cannot meet exactly.
"""

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import fill_columns  # noqa: E402

DB = os.environ.get("BENCH_DATABASE", "pn_rounds")
TARGET_BUILD_SECONDS = 5 * 60
TARGET_BUILD_MB = 1024
TARGET_DRAW_SECONDS = 60
INSTITUTIONS = 3000
TEAM = 60
ENTERPRISES = 100
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉兰飞鹏辉斌宇浩凯健俊帆帅旭宁"
         "龙林欢阳佳琳晨晓光亮成海波瑞丹萍婷倩雪雨欣怡博文武斌彬鑫昊然子轩思源嘉豪铭泽睿哲宏伦")


def peak_rss_mb() -> float:
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


def person(index: int) -> str:
    """The name of inventor `index`: deterministic, two or three characters, with namesakes."""
    rng = random.Random(index * 7919)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def credit(prefix: str, n: int) -> str:
    """A stand-in credit code, 18 characters, unique per prefix and n (the bench checks no GB 32100 digit)."""
    return f"{prefix}{n:016d}"[:18]


def generate(patents: int, experts: int, seed: int = 7) -> None:
    import io

    from django.core.management import call_command
    from django.db import connection

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    with connection.cursor() as c:
        c.execute("""TRUNCATE evaluation_coinventorlink, evaluation_assignment, evaluation_draw,
                     evaluation_roundpatent, evaluation_evaluationround, evaluation_expertrequest,
                     evaluation_unavailability, evaluation_expert, inventory_patentindustry,
                     inventory_inventoryrecord, inventory_patentownership, inventory_patent CASCADE""")
        c.execute("DELETE FROM accounts_organization WHERE name LIKE 'BE-%%'")
        c.execute("SELECT code FROM accounts_province ORDER BY code")
        provinces = [row[0] for row in c.fetchall()]
        c.execute("SELECT code FROM inventory_industry WHERE parent_id IS NOT NULL ORDER BY code")
        subsectors = [row[0] for row in c.fetchall()]
        province_array = "ARRAY[" + ",".join(f"'{p}'" for p in provinces) + "]"
        org_columns = fill_columns("accounts_organization", {
            "kind": "%(kind)s", "name": "'BE-' || %(prefix)s || '-' || i", "province_id":
                f"({province_array})[1 + (i * 7) %% {len(provinces)}]", "status": "'active'",
            "code": "''", "credit_code": "%(prefix)s || lpad(i::text, 17, '0')", "created_at": "now()",
            "review_levels": "1"}, c)
        for kind, prefix, count in (("institution", "I", INSTITUTIONS), ("enterprise", "E", ENTERPRISES)):
            c.execute(f"INSERT INTO accounts_organization ({', '.join(org_columns)}) SELECT "
                      f"{', '.join(org_columns.values())} FROM generate_series(1, %(n)s) i"
                      % {"kind": f"'{kind}'", "prefix": f"'{prefix}'", "n": count})
        c.execute("SELECT min(id) FROM accounts_organization WHERE name LIKE 'BE-I-%%'")
        inst_lo = c.fetchone()[0]
        c.execute("CREATE TEMP TABLE bm_name (idx int PRIMARY KEY, name text)")
        names = io.StringIO("".join(f"{k}\t{person(k)}\n" for k in range(INSTITUTIONS * TEAM)))
        c.copy_expert("COPY bm_name FROM STDIN", names)
        subclasses = [f"{chr(65 + k % 8)}{10 + k % 90:02d}{chr(65 + (k // 8) % 26)}" for k in range(300)]
        c.execute("CREATE TEMP TABLE bm_sub (k int PRIMARY KEY, sub text, industry text)")
        c.executemany("INSERT INTO bm_sub VALUES (%s, %s, %s)",
                      [(k, subclasses[k], subsectors[k % len(subsectors)]) for k in range(300)])
        print(f"  organisations and names {time.perf_counter() - t:.0f}s", flush=True)
        # Patent i: institution (i*13) % 3000, topic (i*7919) % 300, 1–6 inventors of the
        # institution's team, applied for on a day of 2012–2025.
        columns = fill_columns("inventory_patent", {
            "application_number": "'BE' || lpad(g.i::text, 10, '0')", "title": "'评价基准专利' || g.i",
            "main_ipc": "s.sub || ' ' || (1 + g.i %% 40) || '/' || lpad((g.i %% 97)::text, 2, '0')",
            "ipc_codes": "jsonb_build_array(s.sub || ' ' || (1 + g.i %% 40) || '/00')",
            "patent_type": "'invention'", "application_date": "date '2012-01-01' + ((g.i * 7919) %% 5000)::int",
            "legal_status": "'valid'", "created_at": "now()", "updated_at": "now()",
            "inventors": f"""(SELECT jsonb_agg(n.name ORDER BY k) FROM generate_series(1, 1 + (g.i * 7) %% 6) k
                              JOIN bm_name n ON n.idx = ((g.i * 13) %% {INSTITUTIONS}) * {TEAM}
                              + ((hashtext(g.i || ':' || k) & 2147483647) %% {TEAM}))""",
            "patentees": "'[]'", "patentee_credit_codes": "'[]'", "is_sleeping": "false"}, c)
        c.execute(f"INSERT INTO inventory_patent ({', '.join(columns)}) SELECT {', '.join(columns.values())} "
                  f"FROM generate_series(1, %s::bigint) g(i) JOIN bm_sub s ON s.k = (g.i * 7919) %% 300 ORDER BY g.i",
                  [patents])
        c.execute("SELECT min(id) FROM inventory_patent")
        first = c.fetchone()[0] - 1
        print(f"  patents {time.perf_counter() - t:.0f}s", flush=True)
        c.execute(f"""INSERT INTO inventory_patentownership (patent_id, organization_id, position, grant_date,
                          is_sleeping, main_ipc)
                      SELECT p.id, {inst_lo} + ((p.id - {first})::bigint * 13) % {INSTITUTIONS}, 1,
                             NULL::date, false,
                             p.main_ipc
                        FROM inventory_patent p
                      UNION ALL
                      SELECT p.id, {inst_lo} + ((p.id - {first})::bigint * 13 + 1) % {INSTITUTIONS}, 2,
                             NULL::date, false,
                             p.main_ipc
                        FROM inventory_patent p WHERE (p.id - {first}) % 20 = 0""")
        c.execute(f"""INSERT INTO inventory_patentindustry (patent_id, industry_id, is_manual)
                      SELECT p.id, s.industry, false FROM inventory_patent p
                        JOIN bm_sub s ON s.k = ((p.id - {first})::bigint * 7919) % 300""")
        print(f"  ownerships and industries {time.perf_counter() - t:.0f}s", flush=True)
        c.execute("ANALYZE")
    _experts(experts, rng, subclasses, subsectors, inst_lo)
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bm_eval_size (patents int, experts int)")
        c.execute("DELETE FROM bm_eval_size")
        c.execute("INSERT INTO bm_eval_size VALUES (%s, %s)", [patents, experts])
    print(f"generated {patents:,} patents, {experts:,} experts in {time.perf_counter() - t:.0f}s", flush=True)


def _experts(count: int, rng: random.Random, subclasses: list[str], subsectors: list[str], inst_lo: int) -> None:
    from accounts.models import Organization, Province
    from evaluation.choices import ExpertStatus
    from evaluation.experts.models import Expert, Unavailability

    province = Province.objects.order_by("code").first()
    enterprises = list(Organization.objects.filter(name__startswith="BE-E-").values_list("pk", "credit_code"))
    rows = []
    for n in range(count):
        institution = rng.randrange(INSTITUTIONS)
        roll = rng.random()
        name = person(institution * TEAM + rng.randrange(TEAM)) if roll < 0.2 else person(10_000_000 + n)
        employer_id, code, affiliations = None, "", []
        kind = rng.random()
        if kind < 0.05:
            employer_id = inst_lo + institution
        elif kind < 0.10:
            code = "I" + f"{institution + 1:017d}"
        elif kind < 0.13:
            code = rng.choice(enterprises)[1]
        if rng.random() < 0.05:
            affiliations = [{"name": "", "credit_code": "I" + f"{rng.randrange(INSTITUTIONS) + 1:017d}"}]
        industries = sorted({rng.choice(subsectors) for _ in range(rng.choice((1, 2)))})
        ipc = sorted({rng.choice(subclasses) for _ in range(rng.choice((1, 2, 3)))})
        rows.append(Expert(name=name, employer_name=f"单位{n}", employer_id=employer_id, employer_credit_code=code,
                           industry_codes=industries, ipc_prefixes=ipc, phone=f"199{n:08d}",
                           recommending_province=province, status=ExpertStatus.APPROVED, affiliations=affiliations))
    made = Expert.objects.bulk_create(rows, batch_size=1000)
    today = dt.date.today()
    Unavailability.objects.bulk_create([Unavailability(expert=e, starts_on=today, ends_on=today + dt.timedelta(9))
                                        for e in made if rng.random() < 0.05])


def current_size() -> tuple[int, int] | None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT to_regclass('bm_eval_size')")
        if c.fetchone()[0] is None:
            return None
        c.execute("SELECT patents, experts FROM bm_eval_size")
        row = c.fetchone()
    return tuple(row) if row else None


def measure_build() -> tuple[float, int]:
    from django.db import connection

    from evaluation.rounds.coinventors import build_coinventors

    with connection.cursor() as c:
        c.execute("TRUNCATE evaluation_coinventorlink")
    t = time.perf_counter()
    written = build_coinventors(dt.date(1900, 1, 1))
    return time.perf_counter() - t, written


def prepare_round(size: int, requests: int):
    """A round in preparation of `size` patents spread over the library, `requests` of them asked
    about by the enterprises, organised by the first province's office."""
    from django.db import connection

    from accounts.models import Organization, User
    from evaluation.rounds.models import Assignment, Draw, EvaluationRound, ExpertRequest, RoundPatent

    Assignment.objects.all().delete()
    Draw.objects.all().delete()
    RoundPatent.objects.all().delete()
    EvaluationRound.objects.all().delete()
    ExpertRequest.objects.all().delete()
    office = Organization.objects.filter(kind=Organization.Kind.PROVINCE).order_by("pk").first()
    user, _created = User.objects.get_or_create(username="bench_eval_province",
                                                defaults={"organization": office, "full_name": "bench"})
    evaluation_round = EvaluationRound.objects.create(organiser=office, title="基准评价轮次", experts_per_patent=3,
                                                      due_on=dt.date.today() + dt.timedelta(days=30),
                                                      created_by=user)
    with connection.cursor() as c:
        # The round's patents: `size` of the library in a scrambled order (md5 of the id), so that
        # they spread over the institutions as a province's choice would.
        c.execute("DROP TABLE IF EXISTS bm_round")
        c.execute("""CREATE TEMP TABLE bm_round AS
                     SELECT id, row_number() OVER (ORDER BY md5(id::text)) AS n
                       FROM inventory_patent ORDER BY md5(id::text) LIMIT %s""", [size])
        c.execute("""INSERT INTO evaluation_expertrequest (enterprise_id, patent_id, note, created_at)
                     SELECT (SELECT min(id) FROM accounts_organization WHERE name LIKE 'BE-E-%%') + (n %% 100),
                            id, '', now()
                       FROM bm_round WHERE n %% %s = 0""", [max(size // max(requests, 1), 1)])
        c.execute("""INSERT INTO evaluation_roundpatent (round_id, patent_id, request_id)
                     SELECT %s, r.id, q.id FROM bm_round r
                       LEFT JOIN evaluation_expertrequest q ON q.patent_id = r.id""", [evaluation_round.pk])
    return user, evaluation_round


def measure_draw(user, evaluation_round) -> dict:
    from evaluation.rounds import services
    from evaluation.rounds.conflicts import REASONS
    from evaluation.rounds.models import Assignment, Draw, RoundPatent

    patents = RoundPatent.objects.filter(round=evaluation_round).count()
    asked = RoundPatent.objects.filter(round=evaluation_round, request__isnull=False).count()
    t = time.perf_counter()
    made = services.draw_round(user, evaluation_round)
    seconds = time.perf_counter() - t
    found = dict.fromkeys(REASONS, 0)
    candidates = 0
    for excluded, drawn_from in Draw.objects.filter(round=evaluation_round).values_list("excluded", "candidates"):
        candidates += len(drawn_from)
        for reason in REASONS:
            found[reason] += excluded.get(reason, 0)
    return {"seconds": seconds, "patents": patents, "asked": asked, "assignments": made,
            "check": Assignment.objects.filter(round=evaluation_round).count(), "conflicts": found,
            "candidates": candidates}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patents", type=int, default=1_500_000)
    parser.add_argument("--experts", type=int, default=3000)
    parser.add_argument("--round", type=int, default=10_000, help="patents in the round")
    parser.add_argument("--requests", type=int, default=1000, help="of which asked about by enterprises")
    parser.add_argument("--cap", type=int, default=30, help="EVALUATION_MAX_OPEN_ASSIGNMENTS for the bench")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)
    server = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
    ensure_database(server)
    setup(server)
    from django.conf import settings

    settings.EVALUATION_MAX_OPEN_ASSIGNMENTS = args.cap
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    if args.regenerate or current_size() != (args.patents, args.experts):
        generate(args.patents, args.experts)
    build_seconds, links = measure_build()
    build_mb = peak_rss_mb()
    print(f"\nco-inventor relation over {args.patents:,} patents (every year):")
    print(f"  time        {build_seconds:8.1f} s   target {TARGET_BUILD_SECONDS} s   "
          f"ratio {build_seconds / TARGET_BUILD_SECONDS:.2f}")
    print(f"  peak RSS    {build_mb:8.0f} MB  target {TARGET_BUILD_MB} MB  ratio {build_mb / TARGET_BUILD_MB:.2f}"
          "  (this process; the grouping runs in PostgreSQL with work_mem 256MB)")
    print(f"  links       {links:,}", flush=True)
    user, evaluation_round = prepare_round(args.round, args.requests)
    result = measure_draw(user, evaluation_round)
    total = sum(result["conflicts"].values())
    print(f"\ndraw of a round: {result['patents']:,} patents ({result['asked']:,} asked about by enterprises) × 3 "
          f"experts from {args.experts:,} experts, cap {args.cap} open assignments")
    print(f"  time        {result['seconds']:8.1f} s   target {TARGET_DRAW_SECONDS} s   "
          f"ratio {result['seconds'] / TARGET_DRAW_SECONDS:.2f}")
    print(f"  assignments {result['assignments']:,} (in the database: {result['check']:,})")
    print(f"  qualified candidates kept in the draws' records: {result['candidates']:,}")
    print(f"  conflicts found {total:,}: " + ", ".join(f"{k} {v:,}" for k, v in result["conflicts"].items()))
    print(f"  peak RSS (whole run) {peak_rss_mb():.0f} MB")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
