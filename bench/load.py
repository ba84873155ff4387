"""Load test: 200 phones syncing and 20 managers reading dashboards for 60 s, against
gunicorn on PostgreSQL with the login counters in Redis; prints the figures.

    .venv/bin/python bench/load.py                       # the full run (docs/benchmarks.md)
    .venv/bin/python bench/load.py --phones 18 --managers 2 --run-time 10 --history-days 3
    .venv/bin/python bench/load.py --database postgresql+psycopg://postgres@127.0.0.1/shelter_bench_x

1. A PostgreSQL database of its own on SHELTER_BENCH_PG_URL (default
   postgresql+psycopg://postgres@127.0.0.1:5432/postgres), built by ``flask db upgrade`` and
   filled by ``flask --app webapp.demo seed-demo`` (the demo's 400 sites, 63 accounts and
   ``--history-days`` of checks and hazards); ``--database URL`` reuses one seeded before.
2. gunicorn (``--workers`` × ``--threads``) on a free 127.0.0.1 port, as deployed:
   ``SHELTER_RATELIMIT_STORAGE_URI`` pointing at Redis (``--redis``).
3. locust as its own process (``bench/locustfile.py``): the phones log in, load their sites
   and checklist, and sync every few seconds; the managers log in on the page and load the
   dashboard and the hazard list. Users start at ``--spawn-rate`` per second; statistics
   are reset ``SETTLE_SECONDS`` after every user has logged in and loaded its sites, and
   then run for ``--run-time`` seconds.
4. The figures per request (count, failures, median, p95, p99, max, requests/s) and the
   verdict: no failure, p99 of all requests under 1 s. Then every inspection a phone was
   told was created is looked up: each must be stored exactly once.

Exit status 0 when the verdict holds, 1 otherwise. Runs locust, gunicorn and PostgreSQL on
this machine: measure on an otherwise quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from ingest import create_pg_database, free_port  # noqa: E402  (bench/, beside this script)

P99_BUDGET_MS = 1000
# Longest wait for every user to log in and load its sites before the measured minute.
SETUP_CAP_SECONDS = 120
# Seconds between the last user's set-up and the measured time: the requests queued behind
# the logins drain (bench/locustfile.py).
SETTLE_SECONDS = 10
MANAGER_ROLES = ("unit_manager", "office_supervisor", "office_admin")


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="shelter-load-") as tmp:
        workdir = Path(tmp)
        database, drop = (args.database, None) if args.database else create_pg_database()
        try:
            env = server_env(database, workdir, args.redis)
            if drop is not None:
                seed(env, args.history_days)
            plan = write_plan(database, workdir / "plan.json")
            print(
                f"plan: {len(plan['inspectors'])} inspector accounts, "
                f"{len(plan['managers'])} manager accounts, {len(plan['tokens'])} sites"
            )
            with gunicorn(env, workdir / "gunicorn.log", args.workers, args.threads) as url:
                summary_path = workdir / "summary.json"
                run_locust(args, url, workdir / "plan.json", summary_path)
                summary = json.loads(summary_path.read_text())
                print_figures(summary["rows"], args)
                print(_setup_line(summary["setup_seconds"], args))
                for failure in summary["failures"]:
                    print(f"failed: {failure[:300]}")
                stored_ok = check_stored_once(database, summary["created_ids"])
            return 0 if verdict(summary["rows"]) and stored_ok else 1
        finally:
            if drop is not None and not args.keep_db:
                drop()
            elif drop is not None:
                print(f"kept the database: {database}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--run-time", type=int, default=60, help="seconds, after all started")
    parser.add_argument("--spawn-rate", type=float, default=20, help="users started per second")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--history-days", type=int, default=60, help="seed-demo --days")
    parser.add_argument("--database", help="a database seeded before (skips creating one)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the new database")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    return parser.parse_args()


# --- the database ---------------------------------------------------------------------------


def server_env(database: str, workdir: Path, redis_url: str) -> dict:
    return {
        **os.environ,
        "SHELTER_DATABASE_URL": database,
        "SHELTER_SECRET_KEY": "load-test-secret",
        "SHELTER_PHOTO_DIR": str(workdir / "photos"),
        "SHELTER_RATELIMIT_STORAGE_URI": redis_url,
        # A prefix of its own: the counters of other runs on the same Redis stay apart.
        "SHELTER_RATELIMIT_KEY_PREFIX": f"load-{uuid.uuid4().hex[:8]}",
        "PYTHONUNBUFFERED": "1",
    }


def seed(env: dict, history_days: int) -> None:
    started = time.monotonic()
    for command in (
        [str(BIN / "flask"), "--app", "webapp", "db", "upgrade"],
        [str(BIN / "flask"), "--app", "webapp.demo", "seed-demo", "--days", str(history_days)],
    ):
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print(
        f"seeded the demo with {history_days} days of history in {time.monotonic() - started:.0f} s"
    )


def write_plan(database: str, path: Path) -> dict:
    """What the simulated people know: accounts (all demo accounts share one password) and
    the QR token of every site (what scanning its label gives a phone)."""
    from sqlalchemy import create_engine, text

    from webapp.demo.dataset import DEMO_PASSWORD

    engine = create_engine(database)
    with engine.connect() as conn:
        users = conn.execute(text("SELECT username, role FROM users WHERE active")).all()
        tokens = dict(conn.execute(text("SELECT code, qr_token FROM sites")).all())
    engine.dispose()
    plan = {
        "password": DEMO_PASSWORD,
        "inspectors": sorted(name for name, role in users if role == "inspector"),
        "managers": sorted(name for name, role in users if role in MANAGER_ROLES),
        "tokens": tokens,
    }
    path.write_text(json.dumps(plan, ensure_ascii=False))
    return plan


def check_stored_once(database: str, created: list[str]) -> bool:
    """Every id a phone was told was created is stored, once."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(database)
    query = text("SELECT count(*) FROM inspections WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    stored = 0
    with engine.connect() as conn:
        for start in range(0, len(created), 1000):
            stored += conn.execute(query, {"ids": created[start : start + 1000]}).scalar_one()
    engine.dispose()
    distinct = len(set(created))
    good = stored == distinct == len(created)
    print(
        f"stored exactly once: {'yes' if good else 'NO'} "
        f"({len(created)} created replies, {distinct} distinct ids, {stored} rows)"
    )
    return good


# --- the processes --------------------------------------------------------------------------


class gunicorn:
    """gunicorn serving the app on a free port; the block gets its base URL."""

    def __init__(self, env: dict, log_path: Path, workers: int, threads: int):
        self.env, self.log_path = env, log_path
        self.workers, self.threads = workers, threads

    def __enter__(self) -> str:
        port = free_port()
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--bind",
                f"127.0.0.1:{port}",
                "webapp:create_app()",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/login", timeout=2).close()
                return url
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = self.log_path.read_text()
                    raise RuntimeError("gunicorn did not start:\n" + log) from None
                time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        lines = self.log_path.read_text(errors="replace").splitlines()
        errors = [n for n, line in enumerate(lines) if "ERROR" in line or "CRITICAL" in line]
        if errors:
            first = "\n".join(lines[errors[0] : errors[0] + 60])
            print(f"server log: {len(errors)} error lines; the first:\n{first}")


def run_locust(args: argparse.Namespace, url: str, plan: Path, summary: Path) -> None:
    users = args.phones + args.managers
    ramp = users / args.spawn_rate
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        url,
        "--users",
        str(users),
        "--spawn-rate",
        str(args.spawn_rate),
        # The locustfile measures --run-time seconds from the moment the last user is set
        # up; this is only a cap in case one never is (its failure is in the figures).
        "--run-time",
        f"{round(ramp + args.run_time + SETUP_CAP_SECONDS + SETTLE_SECONDS)}s",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "SHELTER_LOAD_PLAN": str(plan),
        "SHELTER_LOAD_SUMMARY": str(summary),
        "LOAD_PHONES": str(args.phones),
        "LOAD_MANAGERS": str(args.managers),
        "LOAD_RUN_TIME": str(args.run_time),
        "LOAD_SETTLE": str(SETTLE_SECONDS),
    }
    print(
        f"locust: {args.phones} phones + {args.managers} managers, started over {ramp:.0f} s, "
        f"then {args.run_time} s measured from {SETTLE_SECONDS} s after all are logged in, "
        f"against {url}"
    )
    # Exit status 1 only means some request failed: the figures say which.
    subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- the figures ----------------------------------------------------------------------------


def print_figures(rows: list[dict], args: argparse.Namespace) -> None:
    print(
        f"\n{args.phones} phones + {args.managers} managers, {args.run_time} s, "
        f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL, Redis\n"
    )
    header = (
        f"{'request':<42} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'max':>6} {'req/s':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if not row["count"]:  # a [setup] request made only before the measured time
            continue
        print(
            f"{row['name'][:42]:<42} {row['count']:>6} {row['failures']:>5} {row['p50']:>6} "
            f"{row['p95']:>6} {row['p99']:>6} {row['max']:>6.0f} {row['rps']:>6.1f}"
        )
    print("(milliseconds; [setup]: each user's login and first loads, once per user)")


def _setup_line(seconds: float | None, args: argparse.Namespace) -> str:
    users = args.phones + args.managers
    if seconds is None:
        return f"not every one of the {users} users logged in and loaded its sites (see failures)"
    return (
        f"all {users} users logged in and loaded their sites {seconds} s after the first "
        f"started; the figures are the steady work from {SETTLE_SECONDS} s after that"
    )


def verdict(rows: list[dict]) -> bool:
    """No failed request at all; p99 of the steady work (syncing, pages) under 1 s."""
    steady, total = rows[-2], rows[-1]
    good = total["failures"] == 0 and steady["count"] > 0 and steady["p99"] < P99_BUDGET_MS
    print(
        f"\nverdict: {'PASS' if good else 'FAIL'}: {total['failures']} failed requests "
        f"(budget 0), p99 of the steady work {steady['p99']} ms (budget < {P99_BUDGET_MS} ms)"
    )
    return good


if __name__ == "__main__":
    sys.exit(main())
