"""Time of one `flask notify run` for the whole province on a database made by
bench/generate.py (5,000 sites, a year of history), at two moments of the last day of the
history: the morning round (08:45: yesterday's misses, hazards due and overdue, waiting
verifications, reports) and the cut-off (16:30: today's unchecked sites too).

    .venv/bin/python bench/generate.py --db sqlite --path /tmp/bench-1y.sqlite3
    .venv/bin/python bench/notify.py --url sqlite:////tmp/bench-1y.sqlite3 [--runs 10]
    .venv/bin/python bench/notify.py --url postgresql+psycopg://postgres@127.0.0.1:5432/shelter_bench

Two figures per moment:

- the evaluation alone (the rules' queries and the drafts; nothing written): the part whose
  cost grows with the province. Budget: < 5 s.
- the whole first run of the day without sending (``notify.run(send=False)``): the same
  evaluation, the hazard reminders recorded in the hazards' history, and every notice due
  written with a pending delivery per channel. Each organisation is given one channel
  (never sent to), so a delivery row is written for every notice. The in-app inbox has no
  rows of its own: it shows the notices themselves (a read mark is written only when a
  user opens one). Each run happens inside one transaction that is rolled back (the run's
  commits become savepoints), so the database is left as it was; the script checks that.

One warm-up, then ``--runs`` timed runs of each; wall and CPU time p50 / p95 are printed
as Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import percentile  # noqa: E402
from bench.generate import bench_app  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="database made by bench/generate.py")
    parser.add_argument("--runs", type=int, default=10)
    return parser.parse_args(argv)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block with the services' commits turned into savepoint releases inside one
    transaction (the demo seed's own mechanism), then roll that transaction back."""
    from webapp.demo.activity import services_in_this_transaction
    from webapp.extensions import db

    try:
        with services_in_this_transaction():
            yield
    finally:
        db.session.rollback()


def add_channel_everywhere() -> int:
    """One enabled channel for every organisation (inside the caller's transaction); the
    run is told not to send, so the address is never used. Returns how many."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import NotifyChannel, Organisation

    org_ids = list(db.session.scalars(select(Organisation.id)))
    db.session.add_all(
        NotifyChannel(org_id=org_id, name="bench", url="json://127.0.0.1:9/bench")
        for org_id in org_ids
    )
    db.session.flush()
    return len(org_ids)


def row_counts() -> dict[str, int]:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import HazardEvent, Notice, NoticeDelivery, NotifyChannel

    tables = (Notice, NoticeDelivery, NotifyChannel, HazardEvent)
    return {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}


def first_run(moment: datetime) -> tuple[float, float, tuple[int, int, int]]:
    """One whole run at ``moment`` without sending, rolled back: wall and CPU ms, and the
    notices, deliveries and hazard reminders it wrote."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import NoticeDelivery
    from webapp.services import notify

    with rolled_back():
        add_channel_everywhere()
        db.session.commit()
        start, start_cpu = time.perf_counter(), time.process_time()
        report = notify.run(moment, send=False)
        wall = (time.perf_counter() - start) * 1000
        cpu = (time.process_time() - start_cpu) * 1000
        deliveries = db.session.scalar(select(func.count(NoticeDelivery.id)))
    return wall, cpu, (report.written, deliveries, report.reminders_recorded)


def ms(values: list[float]) -> str:
    return f"{percentile(values, 0.5):.0f} / {percentile(values, 0.95):.0f}"


def main(argv=None) -> None:
    args = parse_args(argv)
    app = bench_app(args.url)
    with app.app_context():
        from sqlalchemy import func, select

        from webapp.extensions import db
        from webapp.models import Inspection
        from webapp.services.notify import evaluate

        db.create_all()  # the notification tables, on a database generated before them
        last_day = db.session.scalar(select(func.max(Inspection.day)))
        zone = ZoneInfo(app.config["SHELTER_TZ"])
        before = row_counts()
        db.session.commit()
        print(f"last day of history: {last_day}; {args.runs} runs each; rows before: {before}")
        print(
            "| moment | notices | deliveries | hazard reminders | evaluation wall p50 / p95 (ms) "
            "| CPU p50 / p95 (ms) | first run, written and rolled back: wall p50 / p95 (ms) "
            "| CPU p50 / p95 (ms) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for clock in (dtime(8, 45), dtime(16, 30)):
            moment = datetime.combine(last_day, clock, tzinfo=zone)
            evaluate(moment)  # warm-up
            db.session.rollback()
            wall, cpu = [], []
            for _ in range(args.runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                evaluate(moment)
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                db.session.rollback()
            first_run(moment)  # warm-up
            run_wall, run_cpu = [], []
            for _ in range(args.runs):
                run_ms, run_cpu_ms, written = first_run(moment)
                run_wall.append(run_ms)
                run_cpu.append(run_cpu_ms)
            notices, deliveries, reminders = written
            print(
                f"| {moment:%Y-%m-%d %H:%M} | {notices} | {deliveries} | {reminders} | "
                f"{ms(wall)} | {ms(cpu)} | {ms(run_wall)} | {ms(run_cpu)} |"
            )
        after = row_counts()
        if after != before:
            raise SystemExit(f"the database changed: {before} → {after}")
        print(f"rows after: {after} (unchanged)")


if __name__ == "__main__":
    main()
