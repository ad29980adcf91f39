"""Benchmark: validating the 100,000-row inventory sheet cell by cell (today) or column by column.

    python bench/bench_sheet_validation.py               # 100,000 rows, 3 rounds (the file is generated on first use)
    python bench/bench_sheet_validation.py --repeat 5    # five rounds; medians are reported
    python bench/bench_sheet_validation.py --rows 20000  # a quick run
    python bench/bench_sheet_validation.py --skip-equivalence

It measures, on the file bench/bench_inventory_upload.py uploads (bench/generate.py's inventory sheet;
no database), the time from the .xlsx to parsed, validated values plus the list of cell errors (row,
column, value, Chinese message) by three strategies, and each one's peak RSS:

1. today: ground.sheets.reader.open_sheet + ground.sheets.formats.iter_rows(sheet, InventoryFormat()),
   every cell through its column's parse, then clean_row per row (the floor of today's design).
2. pandas: python-calamine's cells in an object DataFrame, checked column by column (bench/columnar/
   pandas_engine.py): pandas string operations and numpy for 申请号, texts, phones, e-mails and prices,
   the enumerations parsed once per distinct text, cross-field rules and uniqueness as masks.
3. polars: fastexcel reads the sheet into Arrow text columns, checked with polars expressions
   (bench/columnar/polars_engine.py), the same rules.

Every cell the column-wise path does not accept goes to the column's own parse (for its message, or
for forms the path leaves alone): see bench/columnar/rules.py. Each timed run is a fresh process
(its peak RSS is its own); a round runs every strategy and its raw read (python-calamine's rows, the
DataFrame, the polars frame) once, and the medians of the rounds are reported. The columnar strategies
end with columns; turning their accepted rows into Python dicts as iter_rows gives them is timed apart.

Before timing, an equivalence check runs the three strategies on the benchmark file and on two small
files of deliberate errors (bench/columnar/messy.py: every column; the second without three optional
columns, under alias headers, in reverse order) and counts the differences in accepted rows' values and
in errors (must be 0).
"""

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_inventory_upload import ensure_file  # noqa: E402
from bench.generate import DATA  # noqa: E402
from bench.measure import cpu_seconds, current_rss_mb, high_water_mb  # noqa: E402

STRATEGIES = ("today", "pandas", "polars")
MESSY_FILE = DATA / "inventory_messy.xlsx"
REDUCED_FILE = DATA / "inventory_messy_reduced.xlsx"
Outcome = tuple[dict[int, dict[str, object]], list[tuple[int, str, str, str]]]  # accepted rows, errors


def setup_django() -> None:
    """The parsers' messages go through gettext: Django's settings are needed (no database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()


# --- the strategies ---------------------------------------------------------------------------------

def run_today(path: Path) -> dict:
    """Strategy 1: open_sheet + iter_rows, the ParsedRow and RejectedRow lists kept."""
    from ground.sheets.formats import ParsedRow, iter_rows
    from ground.sheets.reader import open_sheet
    from inventory.records.formats import InventoryFormat

    fmt = InventoryFormat()
    items = list(iter_rows(open_sheet(path, path.name, fmt.required_headers), fmt))
    parsed = [item for item in items if isinstance(item, ParsedRow)]
    errors = [error for item in items if not isinstance(item, ParsedRow) for error in item.errors]
    return {"result": (parsed, errors), "rows": len(items), "errors": len(errors)}


def read_today(path: Path) -> dict:
    """Strategy 1's raw read: open_sheet and python-calamine's rows, nothing parsed."""
    from ground.sheets.reader import open_sheet
    from inventory.records.formats import InventoryFormat

    rows = list(open_sheet(path, path.name, InventoryFormat().required_headers).rows())
    return {"result": rows, "rows": len(rows)}


def columnar_engine(name: str) -> ModuleType:
    """bench/columnar/pandas_engine.py or polars_engine.py (each imports only its own library)."""
    return importlib.import_module(f"bench.columnar.{name}_engine")


def run_columnar(name: str) -> Callable[[Path], dict]:
    def run(path: Path) -> dict:
        from inventory.records.formats import InventoryFormat

        engine, fmt = columnar_engine(name), InventoryFormat()
        started = time.perf_counter()
        sheet = engine.read_frame(path, fmt)
        read = time.perf_counter() - started
        result = engine.validate_frame(sheet, fmt)
        return {"result": result, "rows": len(result.frame) + len(result.rejected), "errors": len(result.errors),
                "fallback_cells": result.fallback_cells, "read_in_run": read}
    return run


def read_columnar(name: str) -> Callable[[Path], dict]:
    def read(path: Path) -> dict:
        from inventory.records.formats import InventoryFormat

        sheet = columnar_engine(name).read_frame(path, InventoryFormat())
        return {"result": sheet, "rows": len(sheet.frame)}
    return read


MODES: dict[str, Callable[[Path], dict]] = {
    "today": run_today, "today:read": read_today,
    "pandas": run_columnar("pandas"), "pandas:read": read_columnar("pandas"),
    "polars": run_columnar("polars"), "polars:read": read_columnar("polars"),
}


def child(mode: str, path: Path) -> None:
    """One timed run in this (fresh) process; prints a JSON line."""
    setup_django()
    # Imports are not part of the time: the project's sheet modules, and the strategy's engine.
    importlib.import_module("inventory.records.formats")
    strategy = mode.split(":")[0]
    if strategy != "today":
        columnar_engine(strategy)

    base = current_rss_mb()
    cpu, started = cpu_seconds(), time.perf_counter()
    done = MODES[mode](path)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    report = {"mode": mode, "seconds": seconds, "cpu": cpu, "peak_mb": high_water_mb(), "base_mb": base,
              **{k: v for k, v in done.items() if k != "result"}}
    if mode in ("pandas", "polars"):
        started = time.perf_counter()
        report["dict_rows"] = len(done["result"].rows())
        report["to_dicts_seconds"] = time.perf_counter() - started
    print(json.dumps(report))


def timed(mode: str, path: Path) -> dict:
    completed = subprocess.run([sys.executable, __file__, "--child", mode, "--file", str(path)],
                               capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- equivalence --------------------------------------------------------------------------------------

def outcome_of(strategy: str, path: Path) -> tuple[Outcome, int]:
    """Accepted rows' values and every error, in one shape for all strategies, and how many cells
    went to the column's own parse (every one, today)."""
    done = MODES[strategy](path)
    if strategy == "today":
        parsed, errors = done["result"]
        rows = {row.row_number: row.values for row in parsed}
    else:
        rows, errors = done["result"].rows(), done["result"].errors
    return (rows, sorted((e.row, e.column, e.value, e.message) for e in errors)), done.get("fallback_cells", -1)


def differences(expected: Outcome, actual: Outcome) -> dict[str, int]:
    rows, errors = expected
    other_rows, other_errors = actual
    cells = {(e[0], e[1]) for e in errors} ^ {(e[0], e[1]) for e in other_errors}
    mine, theirs = Counter(errors), Counter(other_errors)
    records = (mine - theirs).total() + (theirs - mine).total()
    values = sum(rows.get(row) != other_rows.get(row) for row in set(rows) | set(other_rows))
    return {"accepted rows with other values": values, "error cells (row, column)": len(cells),
            "error records (row, column, value, message)": records}


def show_differences(expected: Outcome, actual: Outcome, limit: int = 5) -> None:
    rows, errors = expected
    other_rows, other_errors = actual
    for record in sorted(set(errors) ^ set(other_errors))[:limit]:
        print(f"      error only in {'today' if record in set(errors) else 'the other'}: {record}")
    for row in sorted(r for r in set(rows) | set(other_rows) if rows.get(r) != other_rows.get(r))[:limit]:
        a, b = rows.get(row) or {}, other_rows.get(row) or {}
        changed = {key: (a.get(key), b.get(key)) for key in a.keys() | b.keys() if a.get(key) != b.get(key)}
        print(f"      row {row}: {changed}")


def equivalence(files: list[Path]) -> bool:
    print("equivalence (differences from today's iter_rows; 0 expected):")
    same = True
    for path in files:
        today, _ = outcome_of("today", path)
        print(f"  {path.name}: {len(today[0]):,} rows accepted, {len(today[1]):,} errors in "
              f"{len({e[0] for e in today[1]}):,} rows")
        for strategy in STRATEGIES[1:]:
            other, fallback = outcome_of(strategy, path)
            found = differences(today, other)
            print(f"    {strategy}: " + ", ".join(f"{name} {count}" for name, count in found.items())
                  + f" · {fallback:,} cells left to the column's parse")
            if any(found.values()):
                same = False
                show_differences(today, other)
    return same


# --- timing and the report ----------------------------------------------------------------------------

def rounds(path: Path, repeat: int) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for number in range(1, repeat + 1):
        for mode in MODES:
            runs[mode].append(timed(mode, path))
        line = ", ".join(f"{mode} {runs[mode][-1]['seconds']:.2f}" for mode in MODES)
        print(f"  round {number}/{repeat} (s): {line} · load {os.getloadavg()[0]:.1f}")
    return runs


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(runs: dict[str, list[dict]]) -> None:
    baseline = median(runs["today"], "seconds")
    print(f"\n{'strategy':<8} {'seconds':>8} {'rows/s':>9} {'CPU s':>6} {'peak RSS MB':>12} {'(imports)':>9} "
          f"{'time ÷ today':>12} {'raw read s':>10} {'parse+validate':>15} {'→ dicts s':>9} {'fallback':>8}")
    for strategy in STRATEGIES:
        timed_runs, reads = runs[strategy], runs[f"{strategy}:read"]
        seconds, read = median(timed_runs, "seconds"), median(reads, "seconds")
        # The columnar runs time their own read; today's read and parse interleave (its raw-read runs stand in).
        validate = (statistics.median(r["seconds"] - r["read_in_run"] for r in timed_runs)
                    if "read_in_run" in timed_runs[0] else seconds - read)
        share = validate / seconds
        to_dicts = f"{median(timed_runs, 'to_dicts_seconds'):.2f}" if "to_dicts_seconds" in timed_runs[0] else "—"
        fallback = timed_runs[0].get("fallback_cells", "all")
        rate = timed_runs[0]["rows"] / seconds
        print(f"{strategy:<8} {seconds:>8.2f} {rate:>9,.0f} {median(timed_runs, 'cpu'):>6.2f} "
              f"{median(timed_runs, 'peak_mb'):>12.0f} {median(timed_runs, 'base_mb'):>9.0f} "
              f"{seconds / baseline:>12.2f} {read:>10.2f} {validate:>8.2f} ({share:>4.0%}) {to_dicts:>9} "
              f"{fallback:>8}")
    print("raw read: runs of the read alone — today = open_sheet + python-calamine's rows; pandas = python-calamine "
          "→ DataFrame; polars = fastexcel → polars frame (all with the header search and the formula scan)")
    print("parse+validate: today = its seconds − its raw read's (medians); pandas, polars = the median of each run's "
          "own split (the run times its read, then its validation)")
    print("peak RSS: the process's peak after the run (imports included; '(imports)' is the RSS before it); "
          "→ dicts: accepted rows as Python dicts, after the timed run; fallback: cells left to the column's parse")


def cardinalities(path: Path) -> str:
    """Distinct values per column of the file (the pandas engine's rules run once per distinct text)."""
    import fastexcel
    import polars as pl

    frame = fastexcel.read_excel(path).load_sheet(0, header_row=1, dtypes="string").to_polars()
    counts = frame.select(pl.all().n_unique()).row(0)
    return ", ".join(f"{name} {count:,}" for name, count in zip(frame.columns, counts, strict=True))


def versions() -> str:
    names = ("python-calamine", "pandas", "numpy", "polars", "polars-runtime-32", "fastexcel", "Django")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (default 3)")
    parser.add_argument("--skip-equivalence", action="store_true")
    parser.add_argument("--child", choices=list(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file)
        return 0

    path = ensure_file(args.rows)
    print(f"file {path.name} ({path.stat().st_size / 1e6:.1f} MB) · {versions()} · {os.cpu_count()} CPUs")
    same = True
    if not args.skip_equivalence:
        setup_django()
        from bench.columnar import messy, rules
        from inventory.records.formats import InventoryFormat

        rules.check_rules(InventoryFormat())
        same = equivalence([messy.write_messy_xlsx(MESSY_FILE), messy.write_reduced_xlsx(REDUCED_FILE), path])
    print(f"distinct values per column: {cardinalities(path)}")
    print(f"timing: {args.repeat} rounds, each mode in a fresh process (polars threads: "
          f"{os.environ.get('POLARS_MAX_THREADS', os.cpu_count())})")
    report(rounds(path, args.repeat))
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
