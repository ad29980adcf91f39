"""Benchmark: the national base library import on PostgreSQL, against the raw floor.

    python bench/bench_base_library.py                # 1,500,000 rows (generated on first use)
    python bench/bench_base_library.py --rows 50000   # a quick run
    python bench/bench_base_library.py --rerun        # also time importing the same file again (all unchanged)

It creates a scratch database (pn_bench, dropped and recreated; DATABASE_URL names the server,
default postgres://postgres@127.0.0.1:5432/), migrates it, loads the generated institutions,
enterprises and aliases, imports the base library CSV through the real service
(inventory.patents.base_library.import_base_library: keep the file, validate it into the staging
table, commit the plan in one transaction) and prints rows/s, the time of each step (validation,
commit), wall time and peak RSS. In the same run it measures the floor: reading the same file with
the csv module (python-calamine for --xlsx) plus a PostgreSQL COPY of it into a table with a unique
index on 申请号, and prints the ratio of the import to that floor.

Targets: 1.5 million rows in under 10 minutes, peak memory under 500 MB.
"""

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.measure import cpu_seconds, current_rss_mb, drop_database, peak_rss_mb, scratch_database  # noqa: E402

TARGET_SECONDS = 600
TARGET_MB = 500






_finished_backends: dict[int, float] = {}


def backend_cpu_seconds() -> float:
    """CPU time of the PostgreSQL backends serving the benchmark database (same machine only), from
    /proc: every backend of the database counts. Backends that have exited keep the last value read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [pid for (pid,) in cursor.fetchall()]
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        _finished_backends[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return sum(_finished_backends.values())








def floor(path: Path, xlsx: bool) -> dict[str, float]:
    """Read the file as fast as Python can, then COPY it into an indexed table: what no import can beat."""
    from django.db import connection

    started = time.perf_counter()
    count = 0
    if xlsx:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        for _row in workbook.get_sheet_by_index(0).iter_rows():
            count += 1
    else:
        with open(path, encoding="utf-8", newline="") as handle:
            for _row in csv.reader(handle):
                count += 1
    read = time.perf_counter() - started

    columns = ", ".join(f"c{i} text" for i in range(len(generate.BASE_HEADERS)))
    started = time.perf_counter()
    copied = 0
    if not xlsx:  # the database side of the floor: the same CSV COPYed into a table indexed on 申请号
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor")
            cursor.execute(f"CREATE TABLE bench_floor ({columns})")
            cursor.execute("CREATE UNIQUE INDEX bench_floor_number ON bench_floor (c0)")
            with open(path, encoding="utf-8") as handle:
                cursor.cursor.copy_expert("COPY bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
            cursor.execute("SELECT count(*) FROM bench_floor")
            copied = cursor.fetchone()[0]
            cursor.execute("DROP TABLE bench_floor")
    copy = time.perf_counter() - started
    return {"rows": count, "read": read, "copy": copy, "copied": copied, "total": read + copy}


class StepClock:
    """The import's progress callback: notes when validation ends (the commit's message comes next)."""

    def __init__(self) -> None:
        self.validated: float | None = None

    def __call__(self, _percent: int, message: str) -> None:
        if self.validated is None and message.startswith("正在写入"):
            self.validated = time.perf_counter()


def verdict(wall: float, rows: int, peak_mb: float) -> str:
    found = []
    if rows >= 1_000_000:
        scaled = wall * 1_500_000 / rows
        found.append(f"1.5M rows {'≈' if rows != 1_500_000 else '='} {scaled / 60:.1f} min "
                     f"({'meets' if scaled < TARGET_SECONDS else 'MISSES'} the 10 min target)")
    found.append(f"peak {peak_mb:,.0f} MB ({'meets' if peak_mb < TARGET_MB else 'MISSES'} the 500 MB target)")
    return "; ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="base library import benchmark (PostgreSQL)")
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--file", type=Path, help="an existing base library file instead of the generated one")
    parser.add_argument("--xlsx", action="store_true", help="import the generated .xlsx (at most 1,048,574 rows)")
    parser.add_argument("--stream-xlsx", action="store_true",
                        help="read the .xlsx with the streaming reader whatever its size (as sheets over 128 MB are)")
    parser.add_argument("--chunk-size", type=int, default=0, help="rows staged at a time (default: the import's)")
    parser.add_argument("--rerun", action="store_true", help="import the same file a second time (all unchanged)")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--database", default="pn_bench", help="scratch database name (dropped and recreated)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the import here")
    args = parser.parse_args(argv)

    if args.file:
        path = args.file
    else:
        suffix = "xlsx" if args.xlsx else "csv"
        path = generate.base_library_path(args.rows, suffix)
        if not path.exists():
            # A child process: generating must not count in this process's peak memory.
            command = [sys.executable, str(ROOT / "bench" / "generate.py"), "--rows", str(args.rows),
                       "--inventory-rows", "0"]
            if args.xlsx:
                command += ["--xlsx-rows", str(args.rows)]
            subprocess.run(command, check=True)
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = scratch_database(server, args.database)
    os.environ["DJANGO_DEBUG"] = "0"  # DEBUG would keep the text of every SQL statement
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    os.environ.setdefault("MEDIA_ROOT", str(generate.DATA / "media"))

    import django

    django.setup()
    from django.core.management import call_command

    from ground.sheets import reader
    from inventory.models import InventoryRecord, Patent, PatentOwnership
    from inventory.patents import base_library

    if args.stream_xlsx:
        reader.STREAM_SHEET_BYTES = 0

    try:
        call_command("migrate", verbosity=0)
        loaded = generate.load_organizations()
        size_mb = path.stat().st_size / 1024 / 1024
        streamed = path.suffix == ".xlsx" and reader._largest_sheet_bytes(path) > reader.STREAM_SHEET_BYTES
        how = " (streamed)" if streamed else " (python-calamine)" if path.suffix == ".xlsx" else ""
        print(f"file: {path} ({size_mb:,.0f} MB){how}")
        print(f"database: {args.database}; loaded {loaded}")
        before_mb = current_rss_mb()
        if args.chunk_size:
            base_library.BASE_LIBRARY.chunk_size = args.chunk_size
        clock = StepClock()
        options = {"on_progress": clock}

        # The import queues a follow-up task (industries, search documents, listing scores of the
        # patents it touched), which a worker runs afterwards; with no broker it would run inline,
        # inside the import's timing. It is held here, as in production, and reported as queued.
        from inventory import tasks

        follow_up = mock.patch.object(tasks.derive_patent_data_task, "delay")
        queued = follow_up.start()
        backend_before, cpu_before, load_before = backend_cpu_seconds(), cpu_seconds(), os.getloadavg()[0]
        started = time.perf_counter()
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(base_library.import_base_library, path, path.name, **options)
            profiler.dump_stats(args.profile)
        else:
            result = base_library.import_base_library(path, path.name, **options)
        wall = time.perf_counter() - started
        validated_at = clock.validated or started + wall
        cpu = cpu_seconds() - cpu_before
        backend_cpu = backend_cpu_seconds() - backend_before
        peak_mb = peak_rss_mb()
        rows = result.total_rows
        print()
        print(f"import: {rows:,} rows in {wall:,.1f} s = {rows / wall:,.0f} rows/s "
              f"(keep + validate {validated_at - started:,.1f} s, commit {started + wall - validated_at:,.1f} s)")
        print(f"  CPU: Python {cpu:,.1f} s ({cpu / rows * 1e6:,.0f} µs/row), PostgreSQL backend {backend_cpu:,.1f} s; "
              f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"  peak RSS {peak_mb:,.0f} MB (process before the import: {before_mb:,.0f} MB)")
        shown = {name: value for name, value in result.counts().items() if name not in ("unmatched_names", "fields")}
        print(f"  counts {shown}")
        print(f"  follow-up task queued for a worker (not timed here): {queued.call_count} × derive_patent_data_task")
        if result.failure:
            print(f"  FAILED: {result.failure}")
        print(f"  in the database: {Patent.objects.count():,} patents, {PatentOwnership.objects.count():,} "
              f"ownerships, {InventoryRecord.objects.count():,} inventory records")
        if args.rerun:
            cpu_before, backend_before = cpu_seconds(), backend_cpu_seconds()
            started = time.perf_counter()
            again = base_library.import_base_library(path, path.name, **options)
            rerun = time.perf_counter() - started
            print(f"re-import: {rerun:,.1f} s = {again.total_rows / max(rerun, 1e-9):,.0f} rows/s; "
                  f"new {again.created}, updated {again.updated}, unchanged {again.unchanged:,}; "
                  f"CPU: Python {cpu_seconds() - cpu_before:,.1f} s; peak RSS {peak_rss_mb():,.0f} MB")
        if not args.skip_floor:
            measured = floor(path, args.xlsx)
            print(f"floor: read {measured['rows']:,} rows in {measured['read']:,.1f} s"
                  f" + COPY into an indexed table {measured['copy']:,.1f} s = {measured['total']:,.1f} s")
            print(f"  import / floor = {wall / measured['total']:.1f}x")
        print(verdict(wall, rows, peak_mb))
        return 1 if result.failure else 0
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(server, args.database)


if __name__ == "__main__":
    sys.exit(main())
