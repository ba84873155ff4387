"""Ingest speed: inspections per second through the real HTTP stack, beside the raw
database bulk-insert rate of the same rows.

    .venv/bin/python bench/ingest.py [--db sqlite|postgres|both] [--batches 60] [--clients 4]
    .venv/bin/python bench/ingest.py --profile      # CPU per layer, then pyinstrument, in-process

For each database:
1. A fresh database (a temporary SQLite file, or a new PostgreSQL database on
   SHELTER_BENCH_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
   with SITES sites over several operating units, one inspector per unit and a published
   daily template of 20 items.
2. gunicorn on 127.0.0.1 (``--workers`` processes × ``--threads`` threads, as deployed).
3. ``--clients`` client threads, each logged in as a different unit's inspector, post
   ``POST /api/v1/sync/inspections`` batches of ``--batch-size`` inspections of 20 items
   (about 8 % of them with a failed item fixed on the spot). Bodies are built before the
   clock starts; each client checks that every result came back ``created``, and the
   stored row counts are checked at the end.
4. The in-process rate, in the same run: as many fresh batches posted one after the other
   through Flask's test client in the benchmark's own process (the whole app and sync
   service, no HTTP server, no client threads, one thread).
5. The raw rate: the same rows (inspections, their results) inserted straight into the
   database with the app's own write primitives, one transaction per batch of the same
   size: no validation, no hooks.

Besides the rates it prints the CPU time per inspection of the server processes (HTTP), of
the in-process run and of the client threads, and how busy the server kept the cores: CPU
time that lies idle is waiting (on SQLite, for the one write lock). ``--profile`` splits
the in-process CPU time by layer (Flask, login, body, sync service and each of its hooks).

Figures go into docs/benchmarks.md ("Ingest"). The machine has 2 cores shared with the
client threads and the database server, so run it when the machine is otherwise quiet.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import cpu_seconds, parent_pid, postgres_backends  # noqa: E402

PASSWORD = "bench password 1"
ITEMS = 20
TZ_OFFSET = "+08:00"
# One check after the other: each takes CHECK_TAKES, the next starts SLOT later.
CHECK_TAKES = timedelta(seconds=65)
SLOT = timedelta(seconds=70)


# --- the database ------------------------------------------------------------------------


def sqlite_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'bench.sqlite3'}"


def create_pg_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get(
        "SHELTER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"shelter_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def make_app(url: str, workdir: Path):
    from webapp import create_app

    return create_app(
        {
            "SHELTER_DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret",
            "SHELTER_PHOTO_DIR": str(workdir / "photos"),
        }
    )


def seed(app, sites: int, units: int) -> dict:
    """Orgs, one inspector per unit, a 20-item daily template, ``sites`` sites. Returns
    {template_id, users: [(username, [site codes])]}."""
    from webapp.extensions import db
    from webapp.models import (
        ChecklistCategory,
        ChecklistItem,
        ChecklistTemplate,
        Organisation,
        Site,
        User,
    )

    with app.app_context():
        db.create_all()
        province = Organisation(code="BJL", name="省人防办", kind="province")
        province.place_under(None)
        city = Organisation(code="BCC", name="市人防办", kind="city")
        city.place_under(province)
        db.session.add_all([province, city])
        db.session.add(ChecklistCategory(code="GEN", name_zh="综合", name_en="General"))
        template = ChecklistTemplate(key="daily", version=1, title="日检查表", published=True)
        for n in range(ITEMS):
            template.items.append(
                ChecklistItem(
                    item_id=f"IT-{n:02d}",
                    category="GEN",
                    position=n,
                    label_zh=f"检查项{n}",
                    label_en=f"Item {n}",
                )
            )
        db.session.add(template)
        users = []
        from werkzeug.security import generate_password_hash

        password_hash = generate_password_hash(PASSWORD)
        for u in range(units):
            unit = Organisation(code=f"BU{u:03d}", name=f"经营单位{u}", kind="unit")
            unit.place_under(city)
            db.session.add(unit)
            username = f"bench-inspector-{u}"
            db.session.add(
                User(
                    username=username,
                    display_name=username,
                    org=unit,
                    role="inspector",
                    password_hash=password_hash,
                )
            )
            codes = [f"B{u:03d}-{s:04d}" for s in range(u, sites, units)]
            for code in codes:
                db.session.add(
                    Site(
                        code=code,
                        name=f"工程{code}",
                        address="长春市",
                        unit=unit,
                        construction_type="basement",
                        usage="parking",
                        status="in_use",
                        qr_token=label_token(code),
                    )
                )
            users.append((username, codes))
        db.session.commit()
        return {"template_id": template.id, "users": users}


# --- the payloads --------------------------------------------------------------------------


def label_token(site_code: str) -> str:
    """The token on a bench site's QR label."""
    return f"bench-token-{site_code}"


def inspection(site_code: str, template_id: int, rng: random.Random, started: datetime) -> dict:
    """One check as a phone sends it: 20 items in a little over a minute, the label scanned
    (but 4 %), about 8 % with a failed item fixed on the spot. An inspector's checks follow
    one another (``bodies_for``), so the credibility flags see what they would see live."""
    failed = rng.random() < 0.08
    results = []
    for n in range(ITEMS):
        result = {"item_id": f"IT-{n:02d}", "outcome": "pass"}
        if failed and n == 7:
            result = {
                "item_id": result["item_id"],
                "outcome": "fail",
                "note": "通道有杂物",
                "rectification": {"mode": "on_spot", "action": "当场清理完毕"},
            }
        results.append(result)
    local = started.astimezone(_local_tz())
    record = {
        "id": str(uuid.uuid4()),
        "site_code": site_code,
        "template_id": template_id,
        "kind": "self",
        "started_at": local.isoformat(timespec="seconds"),
        "finished_at": (local + CHECK_TAKES).isoformat(timespec="seconds"),
        "results": results,
    }
    if rng.random() >= 0.04:
        scanned = (local + timedelta(seconds=5)).isoformat(timespec="seconds")
        record["scan"] = {"token": label_token(site_code), "scanned_at": scanned}
    return record


def _local_tz():
    from datetime import timezone

    return timezone(timedelta(hours=8))


def bodies_for(
    codes: list[str], template_id: int, batches: int, size: int, seed_: int
) -> list[bytes]:
    rng = random.Random(seed_)
    latest = datetime.now(UTC) - timedelta(hours=1)
    out = []
    for batch in range(batches):
        records = [
            inspection(rng.choice(codes), template_id, rng, latest - (batch * size + n) * SLOT)
            for n in range(size)
        ]
        out.append(
            json.dumps(
                {
                    "device_id": f"bench-{seed_}",
                    "device_time": datetime.now(UTC).isoformat(),
                    "inspections": records,
                },
                ensure_ascii=False,
            ).encode()
        )
    return out


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    url: str, workdir: Path, workers: int, threads: int
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    config = {
        "SHELTER_DATABASE_URL": url,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret",
        "SHELTER_PHOTO_DIR": str(workdir / "photos"),
        "SHELTER_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "python:webapp.gunicorn_conf",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            f"webapp:create_app({config!r})",
        ],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/me")
            conn.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


class Client:
    """One phone: a keep-alive connection, a session cookie and its CSRF token."""

    def __init__(self, port: int, username: str):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        reply = self.request(
            "POST",
            "/api/v1/session",
            json.dumps({"username": username, "password": PASSWORD}).encode(),
        )
        self.csrf = reply["csrf_token"]

    cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None) -> dict:
        headers = {"Content-Type": "application/json", "Cookie": self.cookie}
        if getattr(self, "csrf", None):
            headers["X-CSRF-Token"] = self.csrf
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt:
                    raise
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)


def run_http(port: int, plan: list[tuple[str, list[bytes]]]) -> float:
    """Every client posts its bodies; returns the seconds from the first post to the last reply."""
    clients = [Client(port, username) for username, _ in plan]
    barrier = threading.Barrier(len(clients) + 1)
    errors: list[BaseException] = []

    def work(client: Client, bodies: list[bytes]) -> None:
        barrier.wait()
        try:
            for body in bodies:
                reply = client.request("POST", "/api/v1/sync/inspections", body)
                bad = [r for r in reply["results"] if r["status"] != "created"]
                if bad:
                    raise RuntimeError(f"not created: {bad[:2]}")
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=(c, b)) for c, (_, b) in zip(clients, plan, strict=True)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


# --- the raw database rate ---------------------------------------------------------------


def run_raw(app, plan: list[tuple[str, list[bytes]]], size: int) -> tuple[float, int]:
    """Insert the same rows straight into the database, one transaction per batch, with the
    app's own write primitives (Core executemany for inspections; COPY on PostgreSQL or the
    driver's executemany on SQLite for results): no HTTP, no validation, no classification."""
    from webapp import days
    from webapp.extensions import db
    from webapp.inputs import parse_moment
    from webapp.models import Inspection, InspectionResult, Site
    from webapp.services.dialect import bulk_insert
    from webapp.services.sync.parsing import content_hash
    from webapp.services.sync.storing import RESULT_COLUMNS

    with app.app_context():
        site_ids = dict(db.session.execute(db.select(Site.code, Site.id)).all())
        user_id = 1
        batches = []
        for _, bodies in plan:
            for body in bodies:
                records = json.loads(body)["inspections"]
                # Fresh ids: the HTTP run already stored these ones.
                rows, results = [], []
                now = datetime.now(UTC)
                for record in records:
                    new_id = str(uuid.uuid4())
                    started = parse_moment(record["started_at"])
                    rows.append(
                        {
                            "id": new_id,
                            "site_id": site_ids[record["site_code"]],
                            "template_id": record["template_id"],
                            "kind": "self",
                            "inspector_id": user_id,
                            "device_id": "raw",
                            "started_at": started,
                            "finished_at": parse_moment(record["finished_at"]),
                            "received_at": now,
                            "day": days.local_day(started),
                            "scanned": False,
                            "scanned_at": None,
                            "clock_offset_seconds": 0,
                            "failures": 0,
                            "evidence_complete": True,
                            "content_hash": content_hash(record),
                            "payload": record,
                        }
                    )
                    results.extend(
                        (
                            new_id,
                            r["item_id"],
                            r["outcome"],
                            r.get("note"),
                            json.dumps(r["rectification"], ensure_ascii=False)
                            if r.get("rectification")
                            else None,
                        )
                        for r in record["results"]
                    )
                batches.append((rows, results))
        start = time.perf_counter()
        for rows, results in batches:
            db.session.execute(Inspection.__table__.insert(), rows)
            bulk_insert(InspectionResult, RESULT_COLUMNS, results)
            db.session.commit()
        elapsed = time.perf_counter() - start
        return elapsed, sum(len(rows) for rows, _ in batches)


def run_in_process(app, world: dict, args, batches: int) -> dict:
    """The same pipeline without HTTP: fresh batches posted one after the other through
    Flask's test client (the whole app: session, CSRF, view, service, reply) in this
    process, one thread. Returns its rate and CPU time per inspection (with PostgreSQL's)."""
    username, codes = world["users"][0]
    bodies = bodies_for(codes, world["template_id"], batches, args.batch_size, 1000)
    client = app.test_client()
    reply = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    headers = {"X-CSRF-Token": reply.get_json()["csrf_token"], "Content-Type": "application/json"}
    from webapp.extensions import db

    with app.app_context():
        database = postgres_backends(db, own=True)  # PostgreSQL: its CPU counts too
    start, start_cpu = time.perf_counter(), time.process_time() + cpu_seconds(database)
    for body in bodies:
        reply = client.post("/api/v1/sync/inspections", data=body, headers=headers)
        assert reply.status_code == 200, reply.status_code
    seconds = time.perf_counter() - start
    cpu = time.process_time() + cpu_seconds(database) - start_cpu
    n = batches * args.batch_size
    return {"rate": n / seconds, "cpu_ms": cpu / n * 1000}


def count_rows(app) -> tuple[int, int]:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Inspection, InspectionResult

    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Inspection)),
            db.session.scalar(select(func.count()).select_from(InspectionResult)),
        )


# --- one run -----------------------------------------------------------------------------


def bench(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="shelter-bench-"))
    drop = None
    if kind == "sqlite":
        url = sqlite_url(workdir)
    else:
        url, drop = create_pg_database()
    try:
        app = make_app(url, workdir)
        world = seed(app, args.sites, args.clients)
        plan = [
            (username, bodies_for(codes, world["template_id"], args.batches, args.batch_size, n))
            for n, (username, codes) in enumerate(world["users"])
        ]
        warmup = [(u, b[:1]) for u, b in plan]
        timed = [(u, b[1:]) for u, b in plan]
        server, port = start_gunicorn(url, workdir, args.workers, args.threads)
        try:
            run_http(port, warmup)
            processes = _server_processes(server.pid, app if kind == "postgres" else None)
            cpu_before, client_before = cpu_seconds(processes), time.process_time()
            seconds = run_http(port, timed)
            server_cpu = cpu_seconds(processes) - cpu_before
            client_cpu = time.process_time() - client_before
        finally:
            server.terminate()
            server.wait(timeout=30)
        sent = sum(len(b) for _, b in timed) * args.batch_size
        stored, results = count_rows(app)
        expected = sent + len(plan) * args.batch_size
        assert stored == expected and results == expected * ITEMS, (stored, results, expected)
        in_process = run_in_process(app, world, args, sent // args.batch_size)
        raw_seconds, raw_rows = run_raw(app, timed, args.batch_size)
        from webapp.extensions import db

        with app.app_context():
            db.engine.dispose()
        http_rate = sent / seconds
        raw_rate = raw_rows / raw_seconds
        return {
            "db": kind,
            "inspections": sent,
            "http_seconds": seconds,
            "http_rate": http_rate,
            "in_process_rate": in_process["rate"],
            "raw_rate": raw_rate,
            "cpu_ms": server_cpu / sent * 1000,
            "in_process_cpu_ms": in_process["cpu_ms"],
            "client_cpu_ms": client_cpu / sent * 1000,
            "server_busy": server_cpu / (seconds * os.cpu_count()),
        }
    finally:
        if drop:
            drop()


def _server_processes(master: int, pg_app) -> list[int]:
    """gunicorn's master and workers, and (PostgreSQL) the backends serving its database."""
    pids = [master] + [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and parent_pid(int(p.name)) == master
    ]
    if pg_app is not None:
        from webapp.extensions import db

        with pg_app.app_context():
            pids += postgres_backends(db, own=False)
    return pids


def profile(args) -> None:
    """The sync request in-process (Flask test client) under pyinstrument: where time goes."""
    from webapp.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="shelter-bench-"))
    drop = None
    if args.db == "sqlite":
        url = sqlite_url(workdir)
    else:
        url, drop = create_pg_database()
    app = make_app(url, workdir)
    try:
        _profile_on(app, args)
    finally:
        with app.app_context():
            db.engine.dispose()
        if drop:
            drop()


# Where the server's CPU goes for one sync request, layer by layer: each (module,
# attribute) is wrapped so its calls add their CPU time to a label; indented labels run
# inside the one above them.
LAYERS = [
    ("app", "wsgi_app", "Flask request (session cookie, CSRF check, routing, response)"),
    ("view", "sync.sync_inspections", "  view (login, body, service, reply dumped by smorest)"),
    ("login", "_user_callback", "    loading the login (session key → user)"),
    ("webapp.api.sync", "read_json_body", "    JSON body (orjson)"),
    ("webapp.api.sync", "parse_batch", "    batch envelope"),
    ("webapp.api.sync", "record_inspections", "    sync service (record_inspections)"),
    ("webapp.services.sync.batch", "parse_record", "      record shape and content hash"),
    ("webapp.services.sync.batch", "check_against_database", "      checks (sites, template)"),
    ("webapp.services.sync.batch", "store_inspections", "      storing"),
    ("webapp.services.sync.storing", "bulk_insert", "        results and photo rows"),
    ("webapp.services.sync.storing", "open_hazards_for_inspections", "        hazards hook"),
    ("webapp.services.sync.storing", "raise_flags", "        credibility flags hook"),
    ("webapp.services.sync.storing", "count_new_checks", "        per-day summaries hook"),
]


class CpuLayers:
    """Wraps the LAYERS' functions for the duration of a ``with`` block."""

    def __init__(self, app):
        self.app = app
        self.spent = dict.fromkeys((label for _m, _a, label in LAYERS), 0.0)
        self.undo = []

    def _wrap(self, owner, attribute: str, label: str, item: bool = False) -> None:
        original = owner[attribute] if item else getattr(owner, attribute)

        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.process_time() - start

        if item:
            owner[attribute] = timed
            self.undo.append(lambda: owner.__setitem__(attribute, original))
        else:
            setattr(owner, attribute, timed)
            self.undo.append(lambda: setattr(owner, attribute, original))

    def __enter__(self):
        import importlib

        for module, attribute, label in LAYERS:
            if module == "app":
                self._wrap(self.app, attribute, label)
            elif module == "view":
                self._wrap(self.app.view_functions, attribute, label, item=True)
            elif module == "login":
                self._wrap(self.app.login_manager, attribute, label)
            else:
                self._wrap(importlib.import_module(module), attribute, label)
        return self

    def __exit__(self, *_exc):
        for undo in reversed(self.undo):
            undo()


def _profile_on(app, args) -> None:
    from pyinstrument import Profiler

    world = seed(app, args.sites, 1)
    username, codes = world["users"][0]
    bodies = bodies_for(codes, world["template_id"], args.batches, args.batch_size, 1)
    client = app.test_client()
    reply = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    headers = {"X-CSRF-Token": reply.get_json()["csrf_token"], "Content-Type": "application/json"}
    client.post("/api/v1/sync/inspections", data=bodies[0], headers=headers)
    half = len(bodies) // 2

    def post(body: bytes) -> None:
        reply = client.post("/api/v1/sync/inspections", data=body, headers=headers)
        assert reply.status_code == 200, reply.status_code

    with CpuLayers(app) as layers:
        start_cpu = time.process_time()
        for body in bodies[1:half]:
            post(body)
        total = time.process_time() - start_cpu
    n = (half - 1) * args.batch_size
    print(f"CPU per inspection, in-process (test client, one thread, {n} inspections):")
    print(f"  {'whole test-client request':<70} {total / n * 1000:6.3f} ms")
    for label, seconds in layers.spent.items():
        print(f"  {label:<70} {seconds / n * 1000:6.3f} ms")
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    with profiler:
        for body in bodies[half:]:
            post(body)
    elapsed = time.perf_counter() - start
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    n = (len(bodies) - half) * args.batch_size
    print(f"in-process, one thread: {n / elapsed:.0f} inspections/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--batches", type=int, default=60, help="per client, after one warm-up")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        args.db = "sqlite" if args.db == "both" else args.db
        profile(args)
        return
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"gunicorn {args.workers} workers × {args.threads} threads; {args.clients} clients; "
        f"batches of {args.batch_size} inspections × {ITEMS} items"
    )
    for kind in kinds:
        r = bench(kind, args)
        print(
            f"{r['db']:8} HTTP {r['http_rate']:5.0f}/s ({r['inspections']} in "
            f"{r['http_seconds']:.1f} s) | in-process {r['in_process_rate']:5.0f}/s | raw insert "
            f"{r['raw_rate']:5.0f}/s | HTTP/in-process {r['http_rate'] / r['in_process_rate']:.2f}"
            f" | HTTP/raw {r['http_rate'] / r['raw_rate']:.2f}\n"
            f"         CPU per inspection: server {r['cpu_ms']:.2f} ms (HTTP), "
            f"{r['in_process_cpu_ms']:.2f} ms (in-process), client threads "
            f"{r['client_cpu_ms']:.2f} ms; server busy {r['server_busy']:.0%} of "
            f"{os.cpu_count()} cores; load average now {os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
