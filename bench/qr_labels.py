"""QR label speed: how long a sheet PDF, a PNG and an SVG label take to draw, and how big.

    .venv/bin/python bench/qr_labels.py [--sites 200] [--runs 3]

Builds a temporary SQLite database with N sites (long Chinese names and addresses, as real
ones are), then times ``webapp.qr_labels.sheet_pdf`` for 4, 40 and N labels and the single
PNG (300 dpi) and SVG labels. The median of the runs is reported. The web page caps a
sheet at MAX_SHEET_LABELS so a download stays well inside gunicorn's 30 s timeout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(runs: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from tests.factories import make_site, make_tree
    from webapp import create_app, qr_labels
    from webapp.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            {
                "SHELTER_DATABASE_URL": url,
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "SHELTER_PUBLIC_BASE_URL": "https://rf.example.gov.cn",
            }
        )
        with app.app_context():
            db.create_all()
            unit = make_tree()["unit_a"]
            sites = [
                make_site(
                    unit,
                    code=f"CC-NG-{n:04d}",
                    name=f"南关区人民广场地下停车场{n}号人防工程",
                    address=f"吉林省长春市南关区人民大街{n}号人民广场地下一层",
                )
                for n in range(args.sites)
            ]
            db.session.commit()
            qr_labels.sheet_pdf(sites[:1])  # font registration, once per process
            print(f"| What | Median of {args.runs} | Size |")
            print("| --- | --- | --- |")
            for count in sorted({4, 40, args.sites}):
                seconds, pdf = timed(args.runs, lambda c=count: qr_labels.sheet_pdf(sites[:c]))
                size = len(pdf) / 1024
                print(f"| Sheet PDF, {count} labels | {seconds:.2f} s | {size:.0f} KiB |")
            seconds, png = timed(args.runs, lambda: qr_labels.label_png(sites[0]))
            size = len(png) / 1024
            print(f"| One label, PNG 300 dpi | {seconds * 1000:.0f} ms | {size:.0f} KiB |")
            seconds, svg = timed(args.runs, lambda: qr_labels.label_svg(sites[0]))
            print(f"| One label, SVG | {seconds * 1000:.0f} ms | {len(svg) / 1024:.1f} KiB |")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
