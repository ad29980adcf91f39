"""Measuring helpers shared by the benchmarks: memory, CPU time and scratch PostgreSQL databases."""

import resource
from urllib.parse import urlparse, urlunparse


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _proc_status_mb(field: str) -> float:
    """A memory figure of /proc/self/status (kB there), in MB; 0 where there is none."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def high_water_mb() -> float:
    """This process's peak RSS (VmHWM): unlike ru_maxrss, a child started by a big parent does not
    inherit the parent's peak."""
    return _proc_status_mb("VmHWM")


def reset_high_water() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux ≥ 4.0: "5" to /proc/self/clear_refs),
    so that the next `high_water_mb` is the peak of what ran since, not of the whole run; False
    where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def current_rss_mb() -> float:
    return _proc_status_mb("VmRSS")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _admin_connection(server_url: str):
    import psycopg2

    parsed = urlparse(server_url)
    admin = psycopg2.connect(
        dbname="postgres", user=parsed.username or "postgres", password=parsed.password,
        host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
    )
    admin.autocommit = True
    return admin


def scratch_database(server_url: str, name: str) -> str:
    """Drop and create `name` on the server; returns its URL."""
    admin = _admin_connection(server_url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


def drop_database(server_url: str, name: str) -> None:
    admin = _admin_connection(server_url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


# A neutral value for each column type a generated row leaves out (see fill_columns).
NEUTRAL = {"text": "''", "character varying": "''", "boolean": "false", "integer": "0", "smallint": "0",
           "bigint": "0", "jsonb": "'[]'::jsonb", "double precision": "0", "numeric": "0",
           "timestamp with time zone": "now()", "date": "current_date"}


def fill_columns(table: str, given: dict[str, str], cursor, *, date: str = NEUTRAL["date"]) -> dict[str, str]:
    """The given column expressions, plus a neutral value for every other NOT NULL column without
    a default (`date` for dates), so that a benchmark's INSERT … SELECT follows the schema as it grows."""
    cursor.execute("""SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s
                      AND is_nullable = 'NO' AND column_default IS NULL""", [table])
    neutral = {**NEUTRAL, "date": date}
    columns = dict(given)
    for name, kind in cursor.fetchall():
        if name not in columns and name != "id":
            columns[name] = neutral.get(kind, "''")
    return columns
