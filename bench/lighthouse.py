"""Lighthouse 12 (mobile preset, simulated throttling) on the inspection form and the
dashboard, against a real gunicorn server holding the demo.

    npm install --prefix /tmp/lh lighthouse@12        # once, outside the repository
    .venv/bin/python bench/lighthouse.py --lighthouse /tmp/lh/node_modules/.bin/lighthouse
    .venv/bin/python bench/lighthouse.py ... --db sqlite:////path/to/demo.sqlite3  # reuse one

Without ``--db`` a temporary SQLite database gets ``seed-demo --days N`` (the demo's sites,
accounts, its checklist and N days of history for the dashboard). The form is the first
open of a site URL by a logged-in inspector on a fresh browser profile (nothing cached:
the app fetches /api/v1/me, the sites and the checklist, then draws the form): the longest
form of ``cc-u01.inspector``'s sites not checked today. The dashboard is the city office's
(``cc.admin``). The session cookie is passed as an extra header, so Lighthouse's own fresh
profile is logged in. Each page runs ``--runs`` times; the median of each score and metric
is printed with the load average before and after: Lighthouse's timings follow the
machine's load, so run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import serve  # noqa: E402  (gunicorn on a free port, polled)

PASSWORD = "renfang-demo-2026"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


def demo_database(directory: Path, history_days: int) -> dict:
    """A migrated SQLite file holding the demo; the server's config."""
    from flask_migrate import upgrade

    from webapp.demo import create_app

    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    config = {
        "SHELTER_DATABASE_URL": url,
        "SQLALCHEMY_DATABASE_URI": url,
        "SHELTER_PHOTO_DIR": str(directory / "photos"),
        "SECRET_KEY": "lighthouse-bench",
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo", "--days", str(history_days)])
        assert result.exit_code == 0, result.output
    return config


def session_cookie(base: str, username: str) -> tuple[str, object]:
    """Log in through the API; the Cookie header for Lighthouse and an opener for more calls."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(
        f"{base}/api/v1/session",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener.open(request).close()
    return "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "session"), opener


def longest_form(base: str, opener) -> str:
    """The site with the most items among those not checked today (a site checked today
    asks before a second check instead of showing the form)."""
    with opener.open(f"{base}/api/v1/sites") as reply:
        sites = [site for site in json.load(reply) if not site["checked_today"]]
    return max(sites, key=lambda s: len(s["item_ids"]))["code"]


def run_lighthouse(lighthouse: str, url: str, cookie: str, out: Path) -> dict:
    subprocess.run(
        [
            lighthouse,
            url,
            "--chrome-flags=--headless=new --no-sandbox",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
    )
    report = json.loads(out.read_text())
    # A login page or an error page would score well too: make sure the page was the one asked.
    final = report["finalDisplayedUrl"].split("?")[0]  # the form adds ?d=<draft id>
    if final != url or report["audits"]["http-status-code"]["score"] != 1:
        raise SystemExit(f"{url}: got {report['finalDisplayedUrl']} (not the page asked for)")
    lcp = report["audits"]["largest-contentful-paint-element"]["details"]["items"][0]
    print(f"    LCP element: {lcp['items'][0]['node']['nodeLabel'][:60]}")
    figures = {name: report["categories"][name]["score"] * 100 for name in CATEGORIES}
    for audit, short in METRICS.items():
        figures[short] = report["audits"][audit]["numericValue"]
    return figures


def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def describe(name: str, figures: dict) -> str:
    scores = " ".join(f"{c} {figures[c]:.0f}" for c in CATEGORIES)
    return (
        f"{name}: {scores} | FCP {figures['FCP'] / 1000:.1f} s, LCP {figures['LCP'] / 1000:.1f} s, "
        f"TBT {figures['TBT']:.0f} ms, CLS {figures['CLS']:.2f}, SI {figures['SI'] / 1000:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", required=True, help="path of the lighthouse 12 CLI")
    parser.add_argument("--db", help="an existing database holding the demo (default: build one)")
    parser.add_argument("--history-days", type=int, default=14)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lighthouse-")))
        if args.db:
            config = {
                "SHELTER_DATABASE_URL": args.db,
                "SQLALCHEMY_DATABASE_URI": args.db,
                "SHELTER_PHOTO_DIR": str(work / "photos"),
                "SECRET_KEY": "lighthouse-bench",
            }
        else:
            config = demo_database(work, args.history_days)
        server = stack.enter_context(serve(f"webapp:create_app({config!r})", work / "server.log"))
        inspector, opener = session_cookie(server.url, "cc-u01.inspector")
        manager, _ = session_cookie(server.url, "cc.admin")
        pages = {
            "form": (f"{server.url}/s/{longest_form(server.url, opener)}", inspector),
            "dashboard": (f"{server.url}/dashboard/", manager),
        }
        print(f"load average before: {os.getloadavg()}")
        for name, (url, cookie) in pages.items():
            runs = [
                run_lighthouse(args.lighthouse, url, cookie, work / f"{name}-{n}.json")
                for n in range(args.runs)
            ]
            for n, figures in enumerate(runs, start=1):
                print(f"  run {n} {describe(name, figures)}")
            print(f"median {describe(name, median_of(runs))}")
        print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
