"""Server time of the managers' views on a database made by bench/generate.py.

    .venv/bin/python bench/dashboard.py --url sqlite:////tmp/bench-1y.sqlite3 [--runs 30]
    .venv/bin/python bench/dashboard.py --url postgresql+psycopg://postgres@127.0.0.1:5432/shelter_bench
    .venv/bin/python bench/dashboard.py --url ... --explain     # query plans of the hot queries

Each request goes through the whole Flask stack in-process (test client: routing, login
session, scope checks, queries, JSON or HTML rendering), so the figure is the server's time
without the network. Measured for the last day of the generated history:

- the province's completion figures for one day: GET /api/v1/completion?org=JL (< 150 ms p95)
- one operating unit's site list for a day: GET /api/v1/completion?org=<unit> (< 50 ms p95)
- a city's monthly report (live figures, sections A, B, E): GET /reports/?org=CC&month=…
  (< 2 s p95)
- for information: the province's dashboard page (figures, 30-day heat map, rankings,
  hazards at a glance) and a unit's dashboard page.

One warm-up request each, then ``--runs`` timed requests; p50 and p95 are printed as a
Markdown table row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD, bench_app  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="database made by bench/generate.py")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the hot queries' plans")
    return parser.parse_args(argv)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, path: str, runs: int) -> tuple[float, float, float, float]:
    """Wall time and this process's CPU time (ms), p50 and p95. On a shared machine the
    wall time includes waiting for a core; the CPU time does not (with SQLite the queries
    run in this process, so it is what a quiet core would take; with PostgreSQL the
    server's own CPU time is not in it)."""
    reply = client.get(path)
    assert reply.status_code == 200, (path, reply.status_code, reply.get_data(as_text=True)[:300])
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        reply = client.get(path)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert reply.status_code == 200
    return (
        statistics.median(wall),
        percentile(wall, 0.95),
        statistics.median(cpu),
        percentile(cpu, 0.95),
    )


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
            .order_by(func.count(Site.id).desc())
            .limit(1)
        ).scalar_one()
        month = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
        if args.explain:
            explain(db, last, unit_code)
            return
    client = app.test_client()
    reply = client.post("/api/v1/session", json={"username": "bench-prov", "password": PASSWORD})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    day = last.isoformat()
    m = month.strftime("%Y-%m")
    print(f"{args.url}: {total:,} inspections, {first} … {last}; unit {unit_code}; month {m}")
    cases = [
        ("Province completion, one day (API)", f"/api/v1/completion?org=JL&date={day}", 150),
        ("Unit site list, one day (API)", f"/api/v1/completion?org={unit_code}&date={day}", 50),
        ("City monthly report (page, live figures)", f"/reports/?org=CC&month={m}", 2000),
        (
            "Province dashboard page (heat map, rankings, hazards)",
            f"/dashboard/?org=JL&date={day}",
            None,
        ),
        ("Unit dashboard page", f"/dashboard/?org={unit_code}&date={day}", None),
    ]
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| View | wall p50 | wall p95 | CPU p50 | CPU p95 | Budget (p95) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, path, budget in cases:
        runs = args.runs if budget != 2000 else max(5, args.runs // 3)
        p50, p95, c50, c95 = measure(client, path, runs)
        verdict = "" if budget is None else f"< {budget} ms"
        print(
            f"| {name} | {p50:.0f} ms | {p95:.0f} ms | {c50:.0f} ms | {c95:.0f} ms | {verdict} |",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def explain(db, day: date, unit_code: str) -> None:
    """Print the plans of the queries behind the province and unit figures."""
    from webapp.models import Organisation
    from webapp.services.completion import unit_tallies

    statements = []
    province = db.session.execute(
        db.select(Organisation).where(Organisation.code == "JL")
    ).scalar_one()

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", capture)
    unit_tallies(province, day)
    from webapp.services.completion import site_rows

    unit = db.session.execute(
        db.select(Organisation).where(Organisation.code == unit_code)
    ).scalar_one()
    site_rows(unit, day)
    event.remove(db.engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    raw = db.engine.raw_connection()
    for statement, parameters in statements:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        print(statement.split("\n")[0][:100], "…")
        for row in cursor.fetchall():
            print("   ", row[-1] if db.engine.dialect.name == "sqlite" else row[0])
        cursor.close()
    raw.close()


if __name__ == "__main__":
    main()
