"""Load bench: signed-in users of several roles on gunicorn over loopback, for a fixed time,
against a mix of pages and API lists; prints requests, errors, p50 and p95 (overall and per URL).

    python bench/bench_load.py                                   # scratch database pn_bench_load, seeded
    python bench/bench_load.py --database-url postgres://postgres@127.0.0.1:5432/pn_prepared
    python bench/bench_load.py --users 50 --seconds 90 --think 1.0 --workers 4 --threads 4

The database: the one given (--database-url: migrated, and seeded with `manage.py seed_demo` when it
has no demo accounts), or a scratch one created on --server (dropped and created anew). The users:
`bench_load_NN` accounts the bench creates (again on each run) as copies of the demo accounts of
seven roles (institution admin, member and department admin, ministry, provincial office,
enterprise, operator), with the demo password Demo@2024pn.

gunicorn serves on 127.0.0.1 only, with settings given through the environment for the bench (none
of them is production's): TWO_FACTOR_REQUIRED=false (the operator would otherwise have to enrol a
second factor before any page), API_THROTTLE_USER_RATE=1000000/min (the per-user API throttle,
240/min by default, would refuse a bench user who reads without pause), DJANGO_DEBUG=false. The
login protection (lockout, captcha, address throttle) is left as it is: every login succeeds at the
first try, and the logins are made one after another before the clock starts.

Each user is a thread with its own requests.Session: it picks a URL of its role's mix, reads it
(no redirects followed: a redirect, say to the login page, is an error), waits a random think time
(0 to twice --think seconds) and goes on until the time is up. An error is any answer but 200, or
no answer within 30 s. The exit code is 1 when there was an error.
"""

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.measure import scratch_database  # noqa: E402

DATABASE = "pn_bench_load"
PASSWORD = "Demo@2024pn"
USER_PREFIX = "bench_load_"
TIMEOUT_S = 30
# The demo account each bench user copies, in the order users are made (cycled): of every ten
# users, three institution admins, two members, one department admin, one ministry, one province,
# one enterprise and one operator, as the platform's users are mostly institutions' staff.
TEMPLATES = ["demo_institution", "demo_institution_member", "demo_enterprise", "demo_institution",
             "demo_department", "demo_ministry", "demo_institution_member", "demo_province",
             "demo_institution", "demo_operator"]
INSTITUTION_MIX = [
    ("home", "/"), ("workbench", "/inventory/patents/"), ("workbench pending", "/inventory/patents/?status=pending"),
    ("review queue", "/inventory/review/"), ("library", "/inventory/library/"),
    ("search", "/inventory/search/?q=电池"), ("api patents", "/api/v1/patents/"),
    ("api records", "/api/v1/inventory-records/"), ("api library", "/api/v1/library/"),
    ("api conversions", "/api/v1/conversions/"),
]
SUPERVISOR_MIX = [
    ("home", "/"), ("workbench", "/inventory/patents/"), ("library", "/inventory/library/"),
    ("search", "/inventory/search/?q=电池"), ("api patents", "/api/v1/patents/"),
    ("api records", "/api/v1/inventory-records/"), ("api library", "/api/v1/library/"),
]
ENTERPRISE_MIX = [
    ("home", "/"), ("library", "/inventory/library/"), ("search", "/inventory/search/?q=电池"),
    ("api library", "/api/v1/library/"), ("api search", "/api/v1/search/?q=电池"),
]
MIXES = {
    "demo_institution": INSTITUTION_MIX, "demo_institution_member": INSTITUTION_MIX,
    "demo_department": INSTITUTION_MIX, "demo_ministry": SUPERVISOR_MIX, "demo_province": SUPERVISOR_MIX,
    "demo_operator": [*SUPERVISOR_MIX, ("api import batches", "/api/v1/import-batches/")],
    "demo_enterprise": ENTERPRISE_MIX,
}


@dataclass
class Tally:
    """What the users saw: each URL's latencies (ms) and errors, with a few error samples."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies[label].append(ms)
            if error:
                self.errors[label] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{label}: {error}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a prepared PostgreSQL database (else a scratch one on --server)")
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis-url", default="", help="the cache (else each gunicorn worker's own memory)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests (s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def manage(env: dict, *arguments: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *arguments], check=True, env=env, cwd=ROOT)


def prepare_database(args: argparse.Namespace, env: dict) -> None:
    """Migrated and seeded; then the Django of this process points at it (to make the users)."""
    manage(env, "migrate", "--noinput", "-v", "0")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
    import django

    django.setup()
    from accounts.models import User

    if not User.objects.filter(username__in=TEMPLATES).exists():
        print("seeding the demo data (manage.py seed_demo)…", flush=True)
        manage(env, "seed_demo")


def make_users(count: int) -> list[tuple[str, str]]:
    """`count` bench users, each a copy of a demo account (its organisation, department, role and
    the demo password); made anew on each run. Returns (username, template) pairs."""
    from django.utils import timezone

    from accounts.models import User

    templates = {user.username: user for user in User.objects.filter(username__in=set(TEMPLATES))}
    missing = sorted(set(TEMPLATES) - set(templates))
    if missing:
        raise SystemExit(f"the database has no demo accounts {missing}: run manage.py seed_demo on it")
    User.objects.filter(username__startswith=USER_PREFIX).delete()
    made = []
    for n in range(count):
        template = TEMPLATES[n % len(TEMPLATES)]
        user = User.objects.get(pk=templates[template].pk)
        user.pk = user.id = None
        user.username, user.email, user.phone = f"{USER_PREFIX}{n:02d}", "", ""
        user.must_change_password, user.password_changed_at, user.two_factor_enabled = False, timezone.now(), False
        user.save()
        made.append((user.username, template))
    return made


def start_gunicorn(args: argparse.Namespace, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "patentnavi.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
               "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
               "--timeout", "120", "--log-level", "warning",
               # Idle connections kept open longer than a user's longest pause: a server closing
               # one just as the client reuses it would count as an error that a reverse proxy in
               # front of gunicorn (production) never lets a browser see.
               "--keep-alive", str(int(2 * args.think) + 10)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    for _ in range(120):
        try:
            if requests.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        time.sleep(0.5)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=TIMEOUT_S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise SystemExit(f"the login page answered {page.status_code} without a form")
    answer = session.post(f"{base}/accounts/login/", allow_redirects=False, timeout=TIMEOUT_S,
                          data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD},
                          headers={"Referer": f"{base}/accounts/login/"})
    if answer.status_code != 302 or "/accounts/" in answer.headers.get("Location", ""):
        raise SystemExit(f"{username} could not sign in: {answer.status_code} {answer.headers.get('Location', '')}")
    return session


def fetch(session: requests.Session, base: str, path: str) -> tuple[float, str | None]:
    start = time.perf_counter()
    try:
        answer = session.get(base + path, allow_redirects=False, timeout=TIMEOUT_S)
        error = None if answer.status_code == 200 else f"{answer.status_code} {answer.headers.get('Location', '')}"
    except requests.RequestException as exception:
        error = f"{type(exception).__name__}: {str(exception)[:160]}"
    return (time.perf_counter() - start) * 1000, error


def warm_up(base: str, sessions: list[tuple[requests.Session, str]]) -> None:
    """Each role's URLs read once by one of its users: a URL a role cannot read is the bench's mistake."""
    seen = set()
    for session, template in sessions:
        if template in seen:
            continue
        seen.add(template)
        for label, path in MIXES[template]:
            _ms, error = fetch(session, base, path)
            if error:
                raise SystemExit(f"warm-up: {template} cannot read {label} ({path}): {error}")


def user_loop(session: requests.Session, base: str, mix: list, deadline: float, think: float, tally: Tally,
              rng: random.Random) -> None:
    while time.monotonic() < deadline:
        label, path = rng.choice(mix)
        ms, error = fetch(session, base, path)
        tally.add(label, ms, error)
        pause = rng.uniform(0, 2 * think)
        time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(tally: Tally, seconds: float, users: int) -> int:
    every = [ms for values in tally.latencies.values() for ms in values]
    errors = sum(tally.errors.values())
    print(f"\n{users} users, {seconds:.0f} s: {len(every)} requests ({len(every) / seconds:.1f}/s), {errors} errors, "
          f"p50 {percentile(every, 50):.0f} ms, p95 {percentile(every, 95):.0f} ms, max {max(every):.0f} ms")
    print(f"{'URL':<22}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for label in sorted(tally.latencies):
        values = tally.latencies[label]
        print(f"{label:<22}{len(values):>9}{tally.errors[label]:>8}{percentile(values, 50):>9.0f}"
              f"{percentile(values, 95):>9.0f}")
    for sample in tally.samples:
        print("error:", sample)
    return 1 if errors else 0


def main() -> int:
    args = parse_args()
    url = args.database_url or scratch_database(args.server, DATABASE)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false", "TWO_FACTOR_REQUIRED": "false",
           "API_THROTTLE_USER_RATE": "1000000/min", "REDIS_URL": args.redis_url,
           # whitenoise's warning that static files were not collected: the bench reads pages only.
           "PYTHONWARNINGS": "ignore:No directory at"}
    prepare_database(args, env)
    users = make_users(args.users)
    server = start_gunicorn(args, env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        sessions = [(log_in(base, username), template) for username, template in users]
        warm_up(base, sessions)
        tally = Tally()
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [threading.Thread(target=user_loop, daemon=True, args=(
            session, base, MIXES[template], deadline, args.think, tally, random.Random(args.seed * 1000 + n)))
            for n, (session, template) in enumerate(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + TIMEOUT_S + 10)
        elapsed = time.monotonic() - started
    finally:
        stop(server)
    return report(tally, elapsed, len(sessions))


if __name__ == "__main__":
    sys.exit(main())
