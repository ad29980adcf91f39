"""Benchmark: the spot check's reproducible stratified draw (reporting.spotchecks.draw) at national scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ python bench/bench_spotcheck_draw.py

The dataset is bench_statistics.py's (database pn_bench_stats, built by that script when missing:
1,500,000 patents with one inventory record each, 60% inventoried, 3,000 institutions over 32
provinces). Timed, REPEAT times each: the draw of 10 records per institution over one province's
institutions (what a provincial office organises), and over every institution (the platform's
national check); each with its strata count (one GROUP BY) and the draw itself (one streamed pass).
Baseline, in the same run: the bare streamed read of the same population's (id, institution,
screening, intents) by the ORM, which the draw cannot go below. Printed: medians, the ratio to the
baseline, the sample drawn, that two draws with one seed give the same sample, and the peak memory.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import _admin_connection, peak_rss_mb  # noqa: E402

DATABASE = "pn_bench_stats"
REPEAT = 3
PER_INSTITUTION = 10


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def measure(url: str) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()
    from django.db.models import Count

    from accounts.models import Organization
    from reporting.spotchecks import draw

    institutions = Organization.objects.filter(kind=Organization.Kind.INSTITUTION)
    busiest = (institutions.values("province_id").annotate(n=Count("pk")).order_by("-n").first())["province_id"]
    scopes = {
        f"a province ({busiest})": list(institutions.filter(province_id=busiest).values_list("pk", flat=True)),
        "the nation": list(institutions.values_list("pk", flat=True)),
    }
    failures = 0
    for name, ids in scopes.items():
        population = draw.population(ids).count()
        bare, sized, drawn, samples = [], [], [], []
        for round_number in range(REPEAT):
            rows = draw.population(ids).order_by().values_list("pk", "institution_id", "screening", "intents")
            seconds, _count = _timed(lambda rows=rows: sum(1 for _row in rows.iterator(chunk_size=5000)))
            bare.append(seconds)
            seconds, sizes = _timed(lambda ids=ids: draw.strata_sizes(ids))
            sized.append(seconds)
            seconds, result = _timed(lambda ids=ids, sizes=sizes, n=round_number:
                                     draw.draw(f"bench-{n % 2}", ids, PER_INSTITUTION, None, sizes))
            drawn.append(seconds)
            samples.append([pk for pk, _inst, _key in result.records])
        total = statistics.median(s + d for s, d in zip(sized, drawn, strict=True))
        baseline = statistics.median(bare)
        same = samples[0] == samples[2]  # rounds 0 and 2 share their seed
        failures += not same
        print(f"{name}: {len(ids):,} institutions, population {population:,} inventoried records, "
              f"sample {len(samples[0]):,}")
        print(f"  strata sizes median {statistics.median(sized):.2f} s + draw median {statistics.median(drawn):.2f} s"
              f" = {total:.2f} s; bare streamed read of the population {baseline:.2f} s; ratio {total / baseline:.1f}×;"
              f" one seed, one sample: {same}")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 1 if failures else 0


def main() -> int:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/").rsplit("/", 1)[0] + "/"
    admin = _admin_connection(server)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        exists = cursor.fetchone() is not None
    admin.close()
    if not exists:
        subprocess.run([sys.executable, str(ROOT / "bench/bench_statistics.py"), "--build-only"], check=True,
                       env={**os.environ, "DATABASE_URL": server})
    return measure(server + DATABASE)


if __name__ == "__main__":
    sys.exit(main())
