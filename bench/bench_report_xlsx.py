"""Benchmark: a ministry's progress reports for 100 institutions over 8 quarters, on PostgreSQL.

    python bench/bench_report_xlsx.py                       # 100 institutions, 8 quarters
    python bench/bench_report_xlsx.py --institutions 1000   # a larger ministry

Reports read pre-aggregated rows (QuarterlyStat), so the data is small: the scratch database
pn_reports_bench (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/; dropped and
recreated, migrated) gets 教育部 supervising the institutions spread over the 32 provincial units,
eight published quarters ending with the last ended one, each with the national row, every
province's, the ministry's and every institution's (figures and breakdowns varied per row), and
the ministry's account.

Measured through the real code (reporting.reports.services.build_report, the Celery task's work:
the scoped read, the file written and stored on the job): the .xlsx, the PDF dashboard and the
.docx bulletin, each built three times (the median printed). Baseline in the same run: a bare
openpyxl write-only workbook of as many cells as the report holds (numbers only, no formats),
saved to a file; the report's ratio to it is printed.

Target: the .xlsx in under 30 seconds.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import drop_database, peak_rss_mb, scratch_database  # noqa: E402

DB = "pn_reports_bench"
TARGET_SECONDS = 30
REPEATS = 3


def setup(server: str) -> None:
    os.environ["DATABASE_URL"] = scratch_database(server, DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="pn-bench-reports-"))
    os.environ.pop("REDIS_URL", None)  # Celery in-process (eager): the build is timed in this process
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(institutions: int, quarters: int):
    """The ministry, its institutions and `quarters` published runs; returns the ministry's user."""
    import random

    from accounts.models import Organization, Province, User
    from reporting.statistics.definitions import COUNTS, CURRENT_VERSION
    from reporting.statistics.models import QuarterlyStat, RunStatus, ScopeKind, StatRun
    from reporting.statistics.quarters import recent

    rng = random.Random(17)
    ministry = Organization.objects.get(kind="ministry", code="MOE")
    provinces = list(Province.objects.order_by("code"))
    orgs = Organization.objects.bulk_create([
        Organization(kind="institution", name=f"基准大学{n:04d}", code=f"BENCH{n:05d}",
                     province=provinces[n % len(provinces)], supervisor=ministry)
        for n in range(institutions)])
    user = User.objects.create(username="bench_moe", organization=ministry, is_org_admin=True, full_name="基准部委")

    def counts(scale: int) -> dict:
        in_scope = rng.randint(50, 5000) * scale
        valid = int(in_scope * rng.uniform(0.6, 0.95))
        values = {key: 0 for key in COUNTS}
        values.update(in_scope=in_scope, inventoried=int(in_scope * rng.uniform(0.2, 1.0)),
                      in_library=int(in_scope * rng.uniform(0.05, 0.4)), transfers=rng.randint(0, 40) * scale,
                      licences=rng.randint(0, 40) * scale, open_licences=rng.randint(0, 10) * scale, valid=valid,
                      implemented=int(valid * rng.uniform(0, 0.3)), self_reported=rng.randint(0, 30) * scale,
                      industrialised=int(valid * rng.uniform(0, 0.1)), product_filings=rng.randint(0, 20) * scale,
                      sleeping=int(valid * rng.uniform(0, 0.2)), enterprise_evaluations=rng.randint(0, 50) * scale,
                      expert_evaluations=rng.randint(0, 50) * scale, pushes=rng.randint(0, 400) * scale)
        values.update(pushes_viewed=values["pushes"] // 2, pushes_interested=values["pushes"] // 5)
        return values

    def breakdown() -> dict:
        intents = ("transfer", "license", "equity", "self", "none")
        return {"library_by_intent": {k: rng.randint(0, 500) for k in intents},
                "library_by_industry": {str(k): rng.randint(0, 300) for k in range(1, 10)},
                "library_by_maturity": {str(k): rng.randint(0, 200) for k in range(1, 10)},
                "reasons": {"price": rng.randint(0, 40), "market_unclear": rng.randint(0, 40)}}

    for quarter in recent(quarters):
        run = StatRun.objects.create(quarter=str(quarter), definition_version=CURRENT_VERSION)
        rows = [QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.NATIONAL,
                              breakdown=breakdown(), **counts(200)),
                QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.MINISTRY,
                              organization=ministry, breakdown=breakdown(), **counts(50))]
        rows += [QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.PROVINCE, province=p,
                               breakdown=breakdown(), **counts(20)) for p in provinces]
        rows += [QuarterlyStat(run=run, definition_version=CURRENT_VERSION, scope=ScopeKind.INSTITUTION,
                               organization=o, province_id=o.province_id, ministry=ministry, breakdown=breakdown(),
                               **counts(1)) for o in orgs]
        QuarterlyStat.objects.bulk_create(rows)
        StatRun.objects.filter(pk=run.pk).update(status=RunStatus.PUBLISHED)
    return user, str(recent(1)[0])


def build(user, quarter: str, kind: str) -> tuple[float, object]:
    from reporting.reports import services

    started = time.perf_counter()
    job = services.request_report(user, kind=kind, quarter=quarter)
    job.refresh_from_db()
    if job.status == "queued":  # not eager: build here, as the worker would
        job = services.build_report(job.pk)
    seconds = time.perf_counter() - started
    assert job.status == "done", job.error
    return seconds, job


def baseline(cells: int) -> float:
    """A bare openpyxl write-only workbook of `cells` numbers, saved."""
    from openpyxl import Workbook

    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    width = 25
    row = list(range(width))
    for _ in range(cells // width + 1):
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
    return time.perf_counter() - started


def profile_pdf(user, quarter: str) -> float:
    """The time the PDF's four charts take (drawn alone, as the build draws them)."""
    from reporting.reports import charts
    from reporting.reports.data import collect
    from reporting.statistics.models import StatRun
    from reporting.statistics.quarters import Quarter

    data = collect(user, Quarter.parse(quarter), StatRun.objects.current(quarter))
    started = time.perf_counter()
    for draw in (charts.coverage_ranking, charts.library_composition, charts.conversions, charts.trends):
        draw(data)
    return time.perf_counter() - started


def cells_of(job) -> int:
    import openpyxl

    with job.file.open("rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True)
        return sum(1 for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
    server = server.rsplit("/", 1)[0] + "/"
    setup(server)
    try:
        started = time.perf_counter()
        user, quarter = load(args.institutions, args.quarters)
        print(f"data: 教育部, {args.institutions} institutions, {args.quarters} quarters "
              f"(last {quarter}), loaded in {time.perf_counter() - started:.1f} s")
        times: dict[str, list[float]] = {}
        jobs = {}
        for kind in ("xlsx", "pdf", "docx"):
            for _ in range(REPEATS):
                seconds, jobs[kind] = build(user, quarter, kind)
                times.setdefault(kind, []).append(seconds)
        cells = cells_of(jobs["xlsx"])
        floor = statistics.median(baseline(cells) for _ in range(REPEATS))
        xlsx = statistics.median(times["xlsx"])
        for kind in ("xlsx", "pdf", "docx"):
            median = statistics.median(times[kind])
            print(f"{kind:5s} median {median:6.2f} s (runs {', '.join(f'{t:.2f}' for t in times[kind])}), "
                  f"file {jobs[kind].size / 1024:.0f} KiB")
        print(f"baseline: bare openpyxl write-only workbook of the same {cells:,} cells: {floor:.3f} s; "
              f"xlsx report / baseline = {xlsx / floor:.1f}x")
        print(f"pdf: charts {profile_pdf(user, quarter):.2f} s of it (matplotlib), the rest WeasyPrint's layout")
        print(f"peak RSS {peak_rss_mb():.0f} MB")
        verdict = "met" if xlsx < TARGET_SECONDS else "MISSED"
        print(f"target: .xlsx under {TARGET_SECONDS} s -> {xlsx:.2f} s, {verdict}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server, DB)


if __name__ == "__main__":
    main()
