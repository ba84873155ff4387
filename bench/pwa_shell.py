"""PWA speed: the app shell's gzipped size, and how fast an offline reload shows the form.

    .venv/bin/python bench/pwa_shell.py [--runs 15]

1. Shell size: index.html, app.css and every JS module a QR scan waits for (the modules
   webapp/pwa.py preloads: main.js and the form with their static imports, vendored idb
   included), each gzipped at level 9 as a server would send it; icons excluded, and so
   are the screens loaded when first shown (home, hazards, my checks, self-test, the QR
   scanner and its decoder). The whole precache is reported beside it for information.
   Budget: 60 KB.
2. Offline reload: a real gunicorn server on a temporary SQLite database, Debian's
   Chromium headless, logged in, a site URL opened once, then the network cut
   (context.set_offline) and the page reloaded N times. The figure is the app's own
   ``performance.mark('form-rendered')`` (navigation start → form in the DOM), also with
   CDP CPU throttling ×4 to stand in for an older phone. Budget: under 1 s.
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATIC = ROOT / "pwa_static"
SHELL_BUDGET = 60 * 1024
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def shell_files() -> list[Path]:
    """index.html, app.css and the modules the shell preloads for a QR scan."""
    from webapp.pwa import PRELOAD_ENTRIES, module_graph

    return [STATIC / "index.html", STATIC / "css/app.css", *module_graph(STATIC, PRELOAD_ENTRIES)]


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def measure_size() -> dict:
    files = shell_files()
    shell = sum(gz(p) for p in files)
    raw = sum(p.stat().st_size for p in files)
    precache = [
        p
        for p in STATIC.rglob("*")
        if p.is_file()
        and p.suffix in {".js", ".css", ".html", ".png", ".webmanifest"}
        and "manage.css" not in p.name
    ]
    return {
        "files": len(files),
        "raw": raw,
        "gzip": shell,
        "precache_gzip": sum(gz(p) for p in precache),
        "largest": sorted(((gz(p), p.relative_to(STATIC).as_posix()) for p in files), reverse=True)[
            :5
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database_url: str, photo_dir: str) -> dict:
    from flask_migrate import upgrade

    from tests.factories import make_org, make_site, make_template, make_user
    from webapp import create_app
    from webapp.extensions import db

    app = create_app(
        {
            "SHELTER_DATABASE_URL": database_url,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SHELTER_PHOTO_DIR": photo_dir,
        }
    )
    with app.app_context():
        upgrade()
        # A realistic form: 24 items in 6 categories.
        items = [
            {
                "item_id": f"{cat}-{n:02d}",
                "label_zh": f"检查项目{cat}{n}：设施完好，无遮挡，在有效期内",
                "label_en": f"Check {cat}{n}",
                "guidance_zh": "逐项核对，发现问题当场拍照。",
            }
            for cat in ("EVAC", "FIRE", "ELEC", "VENT", "WATER", "ENV")
            for n in range(1, 5)
        ]
        from webapp.models import ChecklistCategory

        for code in ("ELEC", "VENT", "WATER", "ENV"):
            db.session.add(ChecklistCategory(code=code, name_zh=code, name_en=code))
        make_template(items=items)
        unit = make_org()
        user = make_user(unit, username="bench")
        site = make_site(unit, code="BENCH-1")
        info = {"username": user.username, "url": f"/s/{site.code}?k={site.qr_token}"}
        db.session.commit()
    return info


def measure_reload(runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.factories import PASSWORD

    tmp = Path(tempfile.mkdtemp(prefix="pwa-bench-"))
    database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    info = seed(database_url, str(tmp / "photos"))
    port = free_port()
    config = {
        "SHELTER_DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SHELTER_PHOTO_DIR": str(tmp / "photos"),
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": False,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "1",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            f"webapp:create_app({config!r})",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740})
            page = context.new_page()
            page.goto("/")
            page.fill("#login-form input[name=username]", info["username"])
            page.fill("#login-form input[name=password]", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_selector("#sites .site-link")
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            page.goto(info["url"])
            page.wait_for_selector("fieldset[data-item-id]")
            context.set_offline(True)
            cdp = context.new_cdp_session(page)
            results = {}
            for rate in (1, 4):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                marks, walls = [], []
                for _ in range(runs):
                    start = time.perf_counter()
                    response = page.reload()
                    page.wait_for_selector("fieldset[data-item-id]")
                    walls.append((time.perf_counter() - start) * 1000)
                    assert response.from_service_worker
                    marks.append(
                        page.evaluate("performance.getEntriesByName('form-rendered')[0].startTime")
                    )
                results[rate] = {
                    "median": statistics.median(marks),
                    "max": max(marks),
                    "wall_median": statistics.median(walls),
                }
            browser.close()
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    size = measure_size()
    verdict = "OK" if size["gzip"] <= SHELL_BUDGET else "OVER BUDGET"
    print(
        f"App shell: {size['files']} files, {size['raw'] / 1024:.1f} KB raw, "
        f"{size['gzip'] / 1024:.1f} KB gzipped (budget 60 KB: {verdict})"
    )
    print(
        "  largest gzipped: "
        + ", ".join(f"{name} {n / 1024:.1f} KB" for n, name in size["largest"])
    )
    print(
        "Whole precache (icons and QR decoder included): "
        f"{size['precache_gzip'] / 1024:.1f} KB gzipped"
    )
    reload = measure_reload(args.runs)
    for rate, figures in reload.items():
        print(
            f"Offline reload → form (24 items), CPU ×{rate}: median {figures['median']:.0f} ms, "
            f"max {figures['max']:.0f} ms (wall clock median {figures['wall_median']:.0f} ms), "
            f"{args.runs} runs"
        )


if __name__ == "__main__":
    main()
