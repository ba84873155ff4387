"""Server time of a site's month and of the daily-check register, on a database made by
bench/generate.py.

    .venv/bin/python bench/register.py --url sqlite:////tmp/bench-1y.sqlite3 [--runs 10]
    .venv/bin/python bench/register.py --url postgresql+psycopg://postgres@127.0.0.1:5432/shelter_bench

Measured for the last full month of the generated history:

- a site's page with its month calendar and hazards: GET /manage/sites/<code>?month=…
  (< 100 ms p95), for the site with the most inspections that month;
- the register of 30 sites for a month, XLSX and PDF (< 2 s each). The reference database
  has about 8 sites per operating unit, so the 30 sites are the first 30 (by code) of the
  city office with most sites, made into one register exactly as a unit's download makes
  it (``site_months`` → ``register_xlsx`` / ``register_pdf``), inside a request;
- for information: the largest unit's register through HTTP (GET /register/units/…).

One warm-up each, then ``--runs`` timed runs (the page: 3 × ``--runs``); wall and CPU
time p50/p95 are printed as Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import percentile  # noqa: E402
from bench.generate import PASSWORD, bench_app  # noqa: E402

REGISTER_SITES = 30


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="database made by bench/generate.py")
    parser.add_argument("--runs", type=int, default=10)
    return parser.parse_args(argv)


def timed(action, runs: int) -> tuple[float, float, float, float]:
    """Wall and CPU ms of ``action()`` (p50, p95, CPU p50, CPU p95), after one warm-up."""
    action()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return (
        statistics.median(wall),
        percentile(wall, 0.95),
        statistics.median(cpu),
        percentile(cpu, 0.95),
    )


def row(name: str, figures: tuple[float, ...], budget: str) -> None:
    p50, p95, c50, c95 = figures
    print(f"| {name} | {p50:.0f} ms | {p95:.0f} ms | {c50:.0f} ms | {c95:.0f} ms | {budget} |")


def main(argv=None) -> None:
    args = parse_args(argv)
    app = bench_app(args.url)
    with app.app_context():
        from sqlalchemy import func, select

        from webapp.extensions import db
        from webapp.models import Inspection, Organisation, Site

        last = db.session.execute(select(func.max(Inspection.day))).scalar_one()
        month = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_month = (month + timedelta(days=31)).replace(day=1)
        busiest_site = db.session.execute(
            select(Site.code)
            .join(Inspection, Inspection.site_id == Site.id)
            .where(Inspection.day >= month, Inspection.day < next_month)
            .group_by(Site.code)
            .order_by(func.count(Inspection.id).desc(), Site.code)
            .limit(1)
        ).scalar_one()
        largest_unit, unit_sites = db.session.execute(
            select(Organisation.code, func.count(Site.id))
            .join(Site, Site.unit_id == Organisation.id)
            .group_by(Organisation.code)
            .order_by(func.count(Site.id).desc(), Organisation.code)
            .limit(1)
        ).one()
        site_ids = db.session.scalars(
            select(Site.id)
            .join(Site.unit)
            .where(Organisation.path.startswith("/JL/CC/"))
            .order_by(Site.code)
            .limit(REGISTER_SITES)
        ).all()
    m = month.strftime("%Y-%m")
    client = app.test_client()
    reply = client.post("/api/v1/session", json={"username": "bench-prov", "password": PASSWORD})
    assert reply.status_code == 200, reply.get_data(as_text=True)

    def get(path: str):
        def action():
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)

        return action

    print(f"{args.url}: month {m}; site {busiest_site}; unit {largest_unit} ({unit_sites} sites)")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| What | wall p50 | wall p95 | CPU p50 | CPU p95 | Budget |")
    print("| --- | --- | --- | --- | --- | --- |")
    row(
        "Site page with its month (calendar, hazards)",
        timed(get(f"/manage/sites/{busiest_site}?month={m}"), 3 * args.runs),
        "< 100 ms p95",
    )
    with app.test_request_context():
        from webapp.models import Site
        from webapp.services.register import Register, site_months
        from webapp.services.register.pdf import register_pdf
        from webapp.services.register.xlsx import register_xlsx

        sites = list(
            db.session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.code))
        )

        def register():
            return Register(sites[0].unit, month, site_months(sites, month))

        label = f"Register of {len(sites)} sites, one month"
        row(f"{label}, XLSX", timed(lambda: register_xlsx(register()), args.runs), "< 2 s")
        row(f"{label}, PDF", timed(lambda: register_pdf(register()), args.runs), "< 2 s")
    for fmt in ("xlsx", "pdf"):
        row(
            f"Unit {largest_unit} ({unit_sites} sites) register, {fmt.upper()} (HTTP)",
            timed(get(f"/register/units/{largest_unit}.{fmt}?month={m}"), args.runs),
            "",
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
