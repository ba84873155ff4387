"""schemathesis's long run: every operation of /api/v1/openapi.json, logged in as each role
and anonymously, against gunicorn on the demo; prints the cases, failures and time.

    .venv/bin/python bench/api_fuzz.py                      # the run in docs/security.md
    .venv/bin/python bench/api_fuzz.py --max-examples 5     # a quick look

1. A fresh SQLite database in a temporary folder (``--database URL`` for another one,
   e.g. PostgreSQL), built by ``flask db upgrade`` and filled by
   ``flask --app webapp.demo seed-demo --days N``: real sites, hazards in every state,
   reports and photos for the generated requests to find.
2. gunicorn on a free 127.0.0.1 port (one worker, four threads).
3. For each role a demo account logs in through ``POST /api/v1/session``; then
   ``schemathesis run`` sends its session cookie and CSRF token with every request, with
   the settings and checks of tests/schemathesis.toml (the same as the suite's short run,
   tests/test_api_fuzz.py), every check on, ``--max-examples`` per operation and phase.
   The two logout operations are left out of the logged-in runs (they would end the
   session the rest of the run uses; the suite's run logs in again after them). Last, a run
   without a login over every operation.
4. The figures per run and in total, read from schemathesis's JSON report; the exit status
   is 1 if any run found a failure (its report names the operation and a curl command).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from ingest import free_port, sqlite_url  # noqa: E402  (bench/, beside this script)

from webapp.demo.dataset import DEMO_PASSWORD  # noqa: E402

# One demo account per role (README lists them), and the run without a login.
ACCOUNTS = {
    "inspector": "cc-u01.inspector",
    "unit_manager": "cc-u01.manager",
    "office_supervisor": "cc.supervisor",
    "office_admin": "cc.admin",
    "province": "jl.admin",
    "anonymous": None,
}
LOGOUTS = ["DELETE /api/v1/session", "DELETE /api/v1/sessions"]
CONFIG = ROOT / "tests" / "schemathesis.toml"


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="shelter-fuzz-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "SHELTER_DATABASE_URL": args.database or sqlite_url(workdir),
            "SHELTER_PHOTO_DIR": str(workdir / "photos"),
            "SHELTER_SECRET_KEY": "bench-fuzz",
            "PYTHONPATH": str(ROOT),
        }
        if not args.database:
            seed(env, args.history_days)
        existing = workdir / "existing.json"
        existing.write_text(json.dumps(existing_path_parameters(env["SHELTER_DATABASE_URL"])))
        env["SHELTER_FUZZ_EXISTING"] = str(existing)
        started = time.monotonic()
        with gunicorn(env, workdir / "gunicorn.log") as base:
            sessions = {role: log_in(base, user) for role, user in ACCOUNTS.items()}
            reports = args.reports or workdir
            reports.mkdir(parents=True, exist_ok=True)
            runs = {
                role: fuzz(base, role, session, args, reports) for role, session in sessions.items()
            }
        print_figures(runs, time.monotonic() - started)
    return 1 if any(run["failures"] for run in runs.values()) else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=40)
    parser.add_argument("--history-days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261204, help="schemathesis's seed")
    parser.add_argument("--database", help="a database migrated and seeded before")
    parser.add_argument("--reports", type=Path, help="keep schemathesis's output and reports here")
    return parser.parse_args()


def seed(env: dict, history_days: int) -> None:
    flask = [str(BIN / "flask"), "--app", "webapp.demo"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "seed-demo", "--days", str(history_days)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def existing_path_parameters(database: str) -> dict:
    """Path parameters of things in the database, for tests/schemathesis_hooks.py to use as
    often as random ones: in some roles' scope and outside others'."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    queries = {
        "hazard_id": "SELECT id FROM hazards ORDER BY id",
        "inspection_id": "SELECT id FROM inspections ORDER BY id",
        "template_id": "SELECT id FROM checklist_templates ORDER BY id",
        "org_code": "SELECT code FROM organisations WHERE kind != 'unit' ORDER BY code",
        "sha256": "SELECT sha256 FROM photos ORDER BY sha256",
    }
    with engine.connect() as connection:
        found = {
            name: [row[0] for row in connection.execute(text(sql))][::7][:12]
            for name, sql in queries.items()
        }
    engine.dispose()
    this_month = date.today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return {**found, "month": [f"{this_month:%Y-%m}", f"{last_month:%Y-%m}"]}


@contextmanager
def gunicorn(env: dict, log: Path):
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers=1",
                "--threads=4",
                f"--bind=127.0.0.1:{port}",
                "webapp:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start; see {log}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def log_in(base: str, username: str | None) -> dict | None:
    """The session cookie and CSRF token of a fresh API login, or None for anonymous."""
    if username is None:
        return None
    request = urllib.request.Request(
        f"{base}/api/v1/session",
        data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        token = json.load(reply)["csrf_token"]
        cookies = SimpleCookie()
        for header in reply.headers.get_all("Set-Cookie"):
            cookies.load(header)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    return {"cookie": cookie, "csrf": token}


def fuzz(base: str, role: str, session: dict | None, args, workdir: Path) -> dict:
    report = workdir / f"{role}.json"
    command = [
        str(BIN / "schemathesis"),
        f"--config-file={CONFIG}",
        "--no-color",
        "run",
        f"{base}/api/v1/openapi.json",
        f"--max-examples={args.max_examples}",
        f"--seed={args.seed}",
        "--continue-on-failure",
        "--report=json",
        f"--report-json-path={report}",
    ]
    if session is not None:
        command += ["-H", f"Cookie: {session['cookie']}", "-H", f"X-CSRF-Token: {session['csrf']}"]
        for operation in LOGOUTS:
            command += ["--exclude-name", operation]
    started = time.monotonic()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    (workdir / f"{role}.txt").write_text(run.stdout + run.stderr)
    if not report.exists():
        sys.exit(f"{role}: schemathesis wrote no report:\n{run.stdout[-3000:]}{run.stderr}")
    figures = summarise(json.loads(report.read_text()))
    if figures["failures"]:
        print(f"--- {role}: schemathesis found failures ---\n{run.stdout[-6000:]}")
    return {**figures, "seconds": seconds}


def summarise(report: dict) -> dict:
    """Cases, operations and failures from schemathesis's JSON report."""
    return {
        "operations": report["operations"]["tested"],
        "cases": report["test_cases"]["generated"],
        "failures": report["test_cases"]["unique_failures"] + len(report["errors"]),
    }


def print_figures(runs: dict, seconds: float) -> None:
    print(f"{'run':<18} {'operations':>10} {'cases':>8} {'failures':>8} {'seconds':>8}")
    for role, run in runs.items():
        print(
            f"{role:<18} {run['operations']:>10} {run['cases']:>8} {run['failures']:>8} "
            f"{run['seconds']:>8.0f}"
        )
    cases = sum(run["cases"] for run in runs.values())
    failures = sum(run["failures"] for run in runs.values())
    print(f"{'total':<18} {'':>10} {cases:>8} {failures:>8} {seconds:>8.0f}")


if __name__ == "__main__":
    sys.exit(main())
