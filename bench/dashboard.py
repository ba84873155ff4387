"""Server time of the managers' pages on a database made by bench/generate.py.

    .venv/bin/python bench/dashboard.py --url sqlite:////tmp/bench-1y.sqlite3 [--runs 30]
    .venv/bin/python bench/dashboard.py --url postgresql+psycopg://postgres@127.0.0.1:5432/shelter_bench
    .venv/bin/python bench/dashboard.py --url ... --profile province-page  # one request

Each request goes through the whole Flask stack in-process (test client: routing, login
session, scope checks, queries, HTML or JSON rendering), so the figure is the server's time
without the network; the process is set up as a gunicorn worker is
(webapp/gunicorn_conf.py). Measured for the last day of the generated history and the last
full month before it (the cases and their budgets are in CASES).

One warm-up request each, then ``--runs`` timed requests; p50 and p95 of the wall-clock
time and of the CPU time are printed as Markdown table rows for docs/benchmarks.md, with
the load average before and after. "CPU" is this process's user + system time (with SQLite
the queries run here, so on a quiet core wall ≈ CPU); "DB CPU" is, on PostgreSQL, the
server processes' CPU time for the same requests. On a busy machine the wall time waits for
a core; the CPU times do not.

``--profile CASE`` runs one request of that case under pyinstrument (the real view, not a
re-implementation) and prints the call tree, then every SQL statement the request ran with
its time, and the plans of the slowest ones (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE
on PostgreSQL). The tree is in wall-clock time: profile on a quiet machine, or compare the
shares of the frames rather than their seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import cpu_seconds, postgres_backends  # noqa: E402
from bench.generate import PASSWORD, bench_app  # noqa: E402


@dataclass(frozen=True)
class Case:
    name: str  # for --profile
    title: str
    path: str  # formatted with day, unit, month
    budget_ms: int  # p95


CASES = [
    Case(
        "province-api",
        "Province completion, one day (API)",
        "/api/v1/completion?org=JL&date={day}",
        150,
    ),
    Case(
        "unit-api", "Unit site list, one day (API)", "/api/v1/completion?org={unit}&date={day}", 50
    ),
    Case("province-page", "Province dashboard page", "/dashboard/?org=JL&date={day}", 300),
    Case(
        "province-page-crowded",
        "Province dashboard page, crowded places only (raw counts, no summaries)",
        "/dashboard/?org=JL&date={day}&crowded=1",
        300,
    ),
    Case("city-page", "City dashboard page (长春)", "/dashboard/?org=CC&date={day}", 200),
    Case("unit-page", "Unit dashboard page", "/dashboard/?org={unit}&date={day}", 100),
    Case(
        "city-report",
        "City monthly report, live figures (长春)",
        "/reports/?org=CC&month={month}",
        500,
    ),
    Case("record-page", "One inspection's record (page)", "/inspections/{record}", 100),
    Case(
        "inspections-api",
        "Inspections, a page of 100, the province's last 30 days (API)",
        "/api/v1/inspections?org=JL&limit=100&day_from={month_ago}",
        150,
    ),
    Case(
        "inspections-api-flag",
        "Inspections with a rare flag, a page of 100, the province, no day_from (API)",
        "/api/v1/inspections?org=JL&limit=100&flag=contradicted",
        150,
    ),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="database made by bench/generate.py")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--profile", choices=[c.name for c in CASES], help="profile one request of this case"
    )
    return parser.parse_args(argv)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Meter:
    """Wall, own CPU and database-server CPU time of each request, in ms."""

    def __init__(self, server_pids: list[int]):
        self.server_pids = server_pids
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.db_cpu: list[float] = []

    def request(self, client, path: str) -> None:
        db_before = cpu_seconds(self.server_pids)
        start, start_cpu = time.perf_counter(), time.process_time()
        reply = client.get(path)
        self.wall.append((time.perf_counter() - start) * 1000)
        self.cpu.append((time.process_time() - start_cpu) * 1000)
        self.db_cpu.append((cpu_seconds(self.server_pids) - db_before) * 1000)
        assert reply.status_code == 200, (path, reply.status_code)

    def row(self, title: str, budget_ms: int) -> str:
        cells = [
            statistics.median(self.wall),
            percentile(self.wall, 0.95),
            statistics.median(self.cpu),
            percentile(self.cpu, 0.95),
        ]
        if self.server_pids:
            cells += [statistics.median(self.db_cpu), percentile(self.db_cpu, 0.95)]
        met = "yes" if percentile(self.wall, 0.95) < budget_ms else "**no**"
        shown = " | ".join(f"{value:.0f}" for value in cells)
        return f"| {title} | {shown} | < {budget_ms} | {met} |"


def main(argv=None) -> None:
    args = parse_args(argv)
    app = bench_app(args.url)
    with app.app_context():
        from sqlalchemy import func, select

        from webapp.extensions import db
        from webapp.models import Inspection, Organisation, Site

        last = db.session.execute(select(func.max(Inspection.day))).scalar_one()
        first = db.session.execute(select(func.min(Inspection.day))).scalar_one()
        total = db.session.execute(select(func.count(Inspection.id))).scalar_one()
        # The unit with the most sites, and the month before the last day's month.
        unit_code = db.session.execute(
            select(Organisation.code)
            .join(Site, Site.unit_id == Organisation.id)
            .group_by(Organisation.code)
            .order_by(func.count(Site.id).desc(), Organisation.code)
            .limit(1)
        ).scalar_one()
        month = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
        # A check of the last day with a failure: a record with a hazard to show.
        record = db.session.execute(
            select(Inspection.id)
            .where(Inspection.day == last, Inspection.failures > 0)
            .order_by(Inspection.id)
            .limit(1)
        ).scalar_one()
    values = {
        "day": last.isoformat(),
        "unit": unit_code,
        "month": month.strftime("%Y-%m"),
        "record": record,
        "month_ago": (last - timedelta(days=29)).isoformat(),
    }
    client = app.test_client()
    reply = client.post("/api/v1/session", json={"username": "bench-prov", "password": PASSWORD})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    from webapp.gunicorn_conf import post_worker_init

    post_worker_init(None)  # as each gunicorn worker does once the app is loaded
    if args.profile:
        case = next(c for c in CASES if c.name == args.profile)
        profile(app, client, case.path.format(**values))
        return
    with app.app_context():
        server_pids = postgres_backends(db, own=True)
    print(f"{args.url}: {total:,} inspections, {first} … {last}; unit {unit_code}")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    db_cells = " DB CPU p50 | DB CPU p95 |" if server_pids else ""
    print(f"| Page (ms) | wall p50 | wall p95 | CPU p50 | CPU p95 |{db_cells} budget (p95) | met |")
    print("| --- " * (7 + 2 * bool(server_pids)) + "|")
    for case in CASES:
        path = case.path.format(**values)
        meter = Meter(server_pids)
        client.get(path)  # warm-up
        for _ in range(args.runs):
            meter.request(client, path)
        print(meter.row(case.title, case.budget_ms), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def profile(app, client, path: str, slowest: int = 6) -> None:
    """One request of ``path`` under pyinstrument, then its SQL statements (slowest first)
    with the plans of the ``slowest`` ones."""
    from pyinstrument import Profiler
    from sqlalchemy import event

    from webapp.extensions import db

    client.get(path)  # warm-up: caches, compiled statements
    statements: list[tuple[float, str, object]] = []

    def before(_conn, _cursor, _statement, _parameters, context, _executemany):
        context.bench_started = time.perf_counter()

    def after(_conn, _cursor, statement, parameters, context, _executemany):
        ms = (time.perf_counter() - context.bench_started) * 1000
        statements.append((ms, statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    profiler = Profiler(interval=0.001)
    start_cpu = time.process_time()
    with profiler:
        reply = client.get(path)
    cpu = (time.process_time() - start_cpu) * 1000
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    assert reply.status_code == 200, reply.status_code
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    total_ms = sum(ms for ms, _s, _p in statements)
    print(f"{path}: CPU {cpu:.0f} ms; {len(statements)} statements, {total_ms:.0f} ms in all")
    ordered = sorted(statements, key=lambda s: -s[0])
    for ms, statement, _parameters in ordered:
        print(f"{ms:8.1f} ms  {' '.join(statement.split())[:160]}")
    dialect = engine.dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN ANALYZE "
    raw = engine.raw_connection()
    try:
        for ms, statement, parameters in ordered[:slowest]:
            print(f"\n{ms:.1f} ms: {' '.join(statement.split())}")
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            for row in cursor.fetchall():
                print("   ", row[-1] if dialect == "sqlite" else row[0])
            cursor.close()
    finally:
        raw.close()


if __name__ == "__main__":
    main()
