"""Time of one `flask notify run` evaluation for the whole province on a database made by
bench/generate.py (5,000 sites, a year of history): every rule at two moments of the last
day of the history, the morning round (08:45: yesterday's misses, hazards due and overdue,
waiting verifications, reports) and the cut-off (16:30: today's unchecked sites too).

    .venv/bin/python bench/generate.py --db sqlite --path /tmp/bench-1y.sqlite3
    .venv/bin/python bench/notify.py --url sqlite:////tmp/bench-1y.sqlite3 [--runs 10]
    .venv/bin/python bench/notify.py --url postgresql+psycopg://postgres@127.0.0.1:5432/shelter_bench

Evaluation only (the rules' queries and the drafts), nothing written or sent: that is the
part whose cost grows with the province. Budget: < 5 s. One warm-up, then ``--runs`` timed
evaluations; wall and CPU time p50 / p95 and the number of notices are printed as Markdown
table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
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
        print(f"last day of history: {last_day}; {args.runs} runs each")
        print("| moment | notices | wall p50 / p95 (ms) | CPU p50 / p95 (ms) |")
        print("| --- | --- | --- | --- |")
        for clock in (dtime(8, 45), dtime(16, 30)):
            moment = datetime.combine(last_day, clock, tzinfo=zone)
            notices = len(evaluate(moment).drafts)  # warm-up
            db.session.rollback()
            wall, cpu = [], []
            for _ in range(args.runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                evaluate(moment)
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                db.session.rollback()
            print(
                f"| {moment:%Y-%m-%d %H:%M} | {notices} | "
                f"{percentile(wall, 0.5):.0f} / {percentile(wall, 0.95):.0f} | "
                f"{percentile(cpu, 0.5):.0f} / {percentile(cpu, 0.95):.0f} |"
            )


if __name__ == "__main__":
    main()
