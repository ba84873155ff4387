"""Reference-scale data for the dashboard benchmarks: Jilin's 11 city-level offices, their
counties and operating units, 5,000 sites, a year (or more) of daily self-checks (crowded
places twice a day, at opening and closing: ≈ 1.8 M inspections a year), office and covert
checks, and the hazards that a realistic failure rate leaves (≈ 8 % of checks fail an
item, 85 % of those fixed on the spot).

    .venv/bin/python bench/generate.py --db sqlite --path /tmp/bench.sqlite3 [--days 365]
    .venv/bin/python bench/generate.py --db postgres --pg-name shelter_bench [--days 1095] \
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The database is created from the models (``db.create_all()``; an existing SQLite file or
PostgreSQL database of that name is replaced). Inspection rows are real (every column the
sync service stores); results are stored only for failed items (the dashboards never read
passes), and hazards without their event history (hazard_events), which no dashboard
figure reads. Bulk inserts: ``executemany`` in large transactions on SQLite, ``COPY`` on
PostgreSQL; then the per-day summaries are counted (``flask rollups rebuild``).
Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "bench password 1"

# City-level offices with their weight (domain.md §3.3 demo counts) and county-level units.
CITIES = [
    (
        "CC",
        "长春市人防办",
        120,
        "南关 宽城 朝阳 二道 绿园 双阳 九台 农安 榆树 德惠 长春新区 经开区",
    ),
    ("JLS", "吉林市人防办", 60, "昌邑 龙潭 船营 丰满 永吉 蛟河 桦甸 舒兰 磐石"),
    ("YB", "延边州人防办", 40, "延吉 图们 敦化 珲春 龙井 和龙 汪清 安图"),
    ("SP", "四平市人防办", 25, "铁西 铁东 梨树 伊通 双辽"),
    ("TH", "通化市人防办", 25, "东昌 二道江 通化县 辉南 柳河 集安"),
    ("SY", "松原市人防办", 20, "宁江 前郭 长岭 乾安 扶余"),
    ("LY", "辽源市人防办", 15, "龙山 西安 东丰 东辽"),
    ("BS", "白山市人防办", 15, "浑江 江源 抚松 靖宇 长白 临江"),
    ("BC", "白城市人防办", 15, "洮北 镇赉 通榆 洮南 大安"),
    ("MHK", "梅河口市人防办", 10, ""),  # directly under the province, nominally 通化
    ("GZL", "公主岭市人防办", 10, ""),  # directly under the province, nominally 长春
]
NOMINAL = {"MHK": "TH", "GZL": "CC"}
SITES_PER_UNIT = 8
USAGES = [
    ("parking", 45),
    ("commercial", 15),
    ("storage", 12),
    ("catering_entertainment", 8),
    ("office", 8),
    ("other", 4),
    ("idle", 8),
]
ITEMS = [
    ("EVAC-01", "EVAC"),
    ("EVAC-02", "EVAC"),
    ("EVAC-03", "EVAC"),
    ("FIRE-01", "FIRE"),
    ("FIRE-02", "FIRE"),
    ("FIRE-05", "FIRE"),
    ("ELEC-01", "ELEC"),
    ("ELEC-02", "ELEC"),
    ("ELEC-05", "ELEC"),
    ("HAZ-01", "HAZ"),
    ("VENT-01", "VENT"),
    ("VENT-04", "VENT"),
    ("WATER-01", "WATER"),
    ("WATER-02", "WATER"),
    ("STRUC-01", "STRUC"),
    ("STRUC-02", "STRUC"),
    ("PROT-01", "PROT"),
    ("SEC-01", "SEC"),
    ("ENV-01", "ENV"),
    ("MGT-07", "MGT"),
]
CATEGORIES = {
    "EVAC": ("安全疏散", "Evacuation"),
    "FIRE": ("消防设施", "Fire protection"),
    "ELEC": ("用电安全", "Electrical"),
    "HAZ": ("易燃易爆", "Flammables"),
    "VENT": ("通风", "Ventilation"),
    "WATER": ("防水排水", "Water"),
    "STRUC": ("结构安全", "Structure"),
    "PROT": ("防护设备", "Protective equipment"),
    "SEC": ("安防监控", "Surveillance"),
    "ENV": ("周边环境", "Surroundings"),
    "MGT": ("安全管理", "Management"),
}
FAILURE_RATE = 0.08
ON_SPOT_SHARE = 0.85
MAJOR_SHARE = 0.004
LATE_SYNC_SHARE = 0.03
SCANNED_SHARE = 0.92


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--path", default="/tmp/shelter-bench.sqlite3", help="SQLite file")
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server URL (any existing database, to connect)",
    )
    parser.add_argument("--pg-name", default="shelter_bench", help="database to (re)create")
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--days", type=int, default=365, help="days of history up to --end")
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last day of history (default: yesterday in Asia/Shanghai)",
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def database_url(args) -> str:
    if args.db == "sqlite":
        path = Path(args.path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text

    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{args.pg_name}"'))
    admin.dispose()
    return args.pg_url.rsplit("/", 1)[0] + "/" + args.pg_name


def bench_app(url: str):
    from webapp import create_app

    return create_app(
        {
            "SHELTER_DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )


# --- organisations, sites, accounts, template ----------------------------------------------


def build_reference(rng: random.Random, n_sites: int) -> dict:
    """Organisations, sites, users and the template, through the ORM (a few thousand rows)."""
    from werkzeug.security import generate_password_hash

    from webapp.extensions import db
    from webapp.models import (
        ChecklistCategory,
        ChecklistItem,
        ChecklistTemplate,
        Organisation,
        Site,
        User,
    )

    password_hash = generate_password_hash(PASSWORD)
    created = datetime(2020, 1, 1, tzinfo=UTC)

    def org(code, name, kind, parent=None, nominal=None):
        o = Organisation(
            code=code, name=name, kind=kind, nominal_parent=nominal, created_at=created
        )
        o.place_under(parent)
        db.session.add(o)
        return o

    province = org("JL", "吉林省人防办", "province")
    users = [
        User(
            username="bench-prov",
            display_name="省人防办",
            org=province,
            role="office_admin",
            password_hash=password_hash,
        )
    ]
    total_weight = sum(c[2] for c in CITIES)
    cities, units = {}, []
    for code, name, weight, counties in CITIES:
        city = cities[code] = org(code, name, "city", province)
        users.append(
            User(
                username=f"bench-{code.lower()}",
                display_name=f"{name}督查员",
                org=city,
                role="office_supervisor",
                password_hash=password_hash,
            )
        )
        city_sites = round(n_sites * weight / total_weight)
        parents = [
            org(f"{code}-{i:02d}", f"{n}人防办", "county", city)
            for i, n in enumerate(counties.split(), 1)
        ] or [city]
        n_units = max(1, round(city_sites / SITES_PER_UNIT))
        for i in range(n_units):
            parent = parents[i % len(parents)]
            unit = org(
                f"{parent.code}-U{i:03d}", f"{parent.name[:-3]}经营单位{i + 1}", "unit", parent
            )
            units.append((unit, city_sites / n_units))
    db.session.flush()
    for code, nominal in NOMINAL.items():
        cities[code].nominal_parent_id = cities[nominal].id
    sites = []
    usages, usage_weights = zip(*USAGES, strict=True)
    for unit, quota in units:
        inspector = User(
            username=f"bench-{unit.code.lower()}",
            display_name=f"检查员{unit.code}",
            org=unit,
            role="inspector",
            password_hash=password_hash,
        )
        users.append(inspector)
        for _ in range(max(1, round(quota + rng.uniform(-0.5, 0.5)))):
            usage = rng.choices(usages, usage_weights)[0]
            early = rng.random() < 0.13
            status = (
                "idle"
                if usage == "idle"
                else rng.choices(["in_use", "sealed", "suspended"], [0.95, 0.03, 0.02])[0]
            )
            n = len(sites) + 1
            sites.append(
                Site(
                    code=f"JL{n:05d}",
                    name=f"人防工程{n:05d}",
                    address=f"{unit.name}辖区{n}号",
                    unit=unit,
                    construction_type=rng.choice(
                        ["basement", "cut_and_cover", "tunnel", "hillside_tunnel"]
                    ),
                    year_built=rng.randint(1965, 1980) if early else rng.randint(1981, 2022),
                    usage=usage,
                    status=status,
                    leased=status == "in_use" and rng.random() < 0.6,
                    crowded=usage in ("commercial", "catering_entertainment"),
                    hillside=rng.random() < 0.05,
                    due_from=created.date(),
                    created_at=created,
                    updated_at=created,
                )
            )
    db.session.add_all(users + sites)
    for code, (zh, en) in CATEGORIES.items():
        db.session.add(ChecklistCategory(code=code, name_zh=zh, name_en=en))
    template = ChecklistTemplate(
        key="daily", version=1, title="日检查表", published=True, created_at=created
    )
    for position, (item_id, category) in enumerate(ITEMS):
        template.items.append(
            ChecklistItem(
                item_id=item_id,
                category=category,
                position=position,
                label_zh=f"检查项{item_id}",
                label_en=item_id,
            )
        )
    db.session.add(template)
    db.session.flush()
    # Read the ids before committing: after a commit every attribute access would reload
    # its row, one round trip per site.
    city_of_unit = {u.id: cities[u.path.strip("/").split("/")[1]].id for u, _quota in units}
    reference = {
        "template_id": template.id,
        "sites": [(s.id, s.unit_id, s.status) for s in sites],
        "crowded": {s.id for s in sites if s.crowded},
        "inspector_of": {u.org_id: u.id for u in users if u.role == "inspector"},
        "supervisor_of": {u.org_id: u.id for u in users if u.role == "office_supervisor"},
        "city_of_unit": city_of_unit,
        "province_user": users[0].id,
        "units": [u.id for u, _q in units],
    }
    db.session.commit()
    return reference


# --- history -------------------------------------------------------------------------------


def local_instant(day: date, hour: float) -> datetime:
    moment = datetime.combine(day, dtime(0), tzinfo=SHANGHAI) + timedelta(hours=hour)
    return moment.astimezone(UTC)


def history(rng: random.Random, ref: dict, first: date, last: date, now: datetime):
    """Yield (inspections, results, hazards, flags) per chunk of days, as column dicts.
    Flags: each unscanned check carries its not_scanned flag, every third of them
    explained (the credibility figures and the inspections API read them)."""
    from webapp.due import due_statuses

    diligence = {u: rng.uniform(0.86, 0.995) for u in ref["units"]}
    sites_by_city: dict[int, list] = {}
    for site in ref["sites"]:
        sites_by_city.setdefault(ref["city_of_unit"][site[1]], []).append(site)
    counter = 0
    day = first
    while day <= last:
        chunk_end = min(last, day + timedelta(days=29))
        inspections, results, hazards, flags = [], [], [], []
        while day <= chunk_end:
            due = due_statuses(day)
            planned = []
            for site_id, unit_id, status in ref["sites"]:
                # Crowded places are checked at opening and again at closing time.
                checks = 2 if site_id in ref["crowded"] and status == "in_use" else 1
                for _ in range(checks):
                    if status in due and rng.random() < diligence[unit_id]:
                        planned.append((site_id, unit_id, "self", ref["inspector_of"][unit_id]))
            for city_id, city_sites in sites_by_city.items():  # a few office checks a week
                for _ in range(rng.choice((0, 0, 1, 1, 2))):
                    site_id, unit_id, _status = rng.choice(city_sites)
                    planned.append((site_id, unit_id, "office", ref["supervisor_of"][city_id]))
            if rng.random() < 0.15:  # a few covert checks a month
                site_id, unit_id, _status = rng.choice(ref["sites"])
                planned.append((site_id, unit_id, "covert", ref["province_user"]))
            for site_id, unit_id, kind, inspector_id in planned:
                counter += 1
                started = local_instant(day, rng.uniform(7.5, 19.5))
                finished = started + timedelta(minutes=rng.uniform(3, 15))
                if rng.random() < LATE_SYNC_SHARE:
                    received = local_instant(day + timedelta(days=1), rng.uniform(7, 11))
                else:
                    received = finished + timedelta(minutes=rng.uniform(0.2, 90))
                if received > now:
                    continue  # still on the phone
                failed = (
                    rng.sample(ITEMS, 2 if rng.random() < 0.15 else 1)
                    if (rng.random() < FAILURE_RATE)
                    else []
                )
                scanned = rng.random() < SCANNED_SHARE
                inspection_id = f"00000000-0000-4000-8000-{counter:012x}"
                inspections.append(
                    {
                        "id": inspection_id,
                        "site_id": site_id,
                        "template_id": ref["template_id"],
                        "kind": kind,
                        "inspector_id": inspector_id,
                        "device_id": f"dev-{inspector_id}",
                        "started_at": started,
                        "finished_at": finished,
                        "received_at": received,
                        "day": day,
                        "scanned": scanned,
                        "scanned_at": started if scanned else None,
                        "clock_offset_seconds": 0,
                        "failures": len(failed),
                        "evidence_complete": True,
                        "content_hash": f"{counter:064x}",
                        "payload": "{}",
                    }
                )
                if not scanned:
                    flags.append(
                        {
                            "inspection_id": inspection_id,
                            "code": "not_scanned",
                            "facts": '{"case": "absent"}',
                            "day": day,
                            "received_at": received,
                            "verdict": "explained" if counter % 3 == 0 else None,
                            "created_at": received,
                        }
                    )
                for item_id, category in failed:
                    on_spot = rng.random() < ON_SPOT_SHARE
                    results.append(
                        {
                            "inspection_id": inspection_id,
                            "item_id": item_id,
                            "outcome": "fail",
                            "note": None,
                            "rectification": '{"mode": "%s"}' % ("on_spot" if on_spot else "order"),
                        }
                    )
                    hazards.append(
                        _hazard(
                            rng,
                            inspection_id,
                            site_id,
                            unit_id,
                            kind,
                            inspector_id,
                            ref,
                            item_id,
                            category,
                            started,
                            day,
                            on_spot,
                            now,
                        )
                    )
            day += timedelta(days=1)
        yield inspections, results, hazards, flags


def _hazard(
    rng,
    inspection_id,
    site_id,
    unit_id,
    kind,
    inspector_id,
    ref,
    item_id,
    category,
    found_at,
    day,
    on_spot,
    now,
) -> dict:
    major = not on_spot and rng.random() < MAJOR_SHARE / (1 - ON_SPOT_SHARE)
    deadline = None if on_spot else day + timedelta(days=60 if major else rng.choice((3, 7, 7, 14)))
    rectified = closed = None
    status = "open"
    if on_spot:
        rectified, closed, status = (
            found_at + timedelta(minutes=10),
            found_at + timedelta(days=1),
            "closed",
        )
    else:
        span = (deadline - day).days
        took = rng.uniform(0.5, span * (1.4 if rng.random() < 0.1 else 0.9))
        if found_at + timedelta(days=took) < now:
            rectified = found_at + timedelta(days=took)
            closed = rectified + timedelta(days=rng.uniform(0.5, 3))
            status = "closed" if closed < now else "rectified"
            closed = closed if closed < now else None
        else:
            status = "rectifying"
    return {
        "site_id": site_id,
        "inspection_id": inspection_id,
        "item_id": item_id,
        "category": category,
        "item_label": f"检查项{item_id}",
        "location": None,
        "description": "",
        "grade": "major" if major else "general",
        "source": kind,
        "found_by_id": inspector_id,
        "found_by_org_id": unit_id if kind == "self" else ref["city_of_unit"][unit_id],
        "found_at": found_at,
        "status": status,
        "immediate": False,
        "fixed_on_spot": on_spot,
        "rectify_mode": "on_spot" if on_spot else "order",
        "responsible_user_id": None,
        "responsible_name": None if on_spot else "单位负责人",
        "responsible_phone": None,
        "deadline": deadline,
        "measures": None if on_spot else "限期整改",
        "funds_amount": None,
        "funds_source": None,
        "plan_objectives": None,
        "plan_materials": None,
        "plan_responsible_body": None,
        "plan_interim_measures": None,
        "plan_contingency": "停止使用" if major else None,
        "supervising_org_id": ref["city_of_unit"][unit_id] if major else None,
        "supervised_on": day if major else None,
        "supervision_notice": None,
        "rectified_at": rectified,
        "rectified_by_id": inspector_id if rectified else None,
        "closed_at": closed,
        "closed_by_id": inspector_id if closed else None,
        "updated_at": found_at,
    }


# --- bulk writers --------------------------------------------------------------------------


def columns_for(table, sample: dict) -> list[str]:
    """The columns to write: every column of the table except an autoincrement id that the
    rows do not give. Fails loudly if the model gained a required column we do not fill."""
    names = []
    for column in table.columns:
        if column.name in sample:
            names.append(column.name)
        elif column.primary_key:
            continue
        elif not column.nullable and column.default is None and column.server_default is None:
            raise SystemExit(f"{table.name}.{column.name} is required: teach bench/generate.py it")
    return names


def sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def pg_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Writer:
    def __init__(self, engine):
        self.engine = engine
        self.raw = engine.raw_connection()
        self.dialect = engine.dialect.name
        if self.dialect == "sqlite":
            cursor = self.raw.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            # Index pages stay in memory while 5 M rows go in (minutes instead of most of
            # an hour for three years).
            cursor.execute("PRAGMA cache_size=-2000000")
            cursor.close()

    def write(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        names = columns_for(table, rows[0])
        cursor = self.raw.cursor()
        if self.dialect == "sqlite":
            sql = (
                f"INSERT INTO {table.name} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})"
            )
            cursor.executemany(sql, [tuple(sqlite_value(r[n]) for n in names) for r in rows])
        else:
            buffer = io.StringIO()
            for r in rows:
                buffer.write("\t".join(pg_value(r[n]) for n in names))
                buffer.write("\n")
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        cursor.close()

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()


def main(argv=None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    url = database_url(args)
    app = bench_app(url)
    started = time.perf_counter()
    with app.app_context():
        from webapp.days import today
        from webapp.extensions import db
        from webapp.models import Inspection, InspectionFlag, InspectionResult
        from webapp.models.hazards import Hazard

        db.drop_all()
        db.create_all()
        ref = build_reference(rng, args.sites)
        last = args.end or today() - timedelta(days=1)
        first = last - timedelta(days=args.days - 1)
        now = datetime.combine(last + timedelta(days=1), dtime(12), tzinfo=SHANGHAI).astimezone(UTC)
        print(
            f"{len(ref['sites'])} sites in {len(ref['units'])} units; history {first} … {last}",
            flush=True,
        )
        writer = Writer(db.engine)
        totals = [0, 0, 0]
        for inspections, results, hazards, flags in history(rng, ref, first, last, now):
            writer.write(Inspection.__table__, inspections)
            writer.write(InspectionResult.__table__, results)
            writer.write(Hazard.__table__, hazards)
            writer.write(InspectionFlag.__table__, flags)
            writer.commit()
            totals = [
                t + len(x) for t, x in zip(totals, (inspections, results, hazards), strict=True)
            ]
            print(
                f"  up to {inspections[-1]['day'] if inspections else '-'}: "
                f"{totals[0]:,} inspections, {totals[2]:,} hazards "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        writer.close()
        from webapp.services.rollups import rebuild

        site_days, unit_days = rebuild()
        print(f"  rollups: {site_days:,} site days, {unit_days:,} unit days", flush=True)
        autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as conn:
            conn.exec_driver_sql(
                "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            )
    print(
        f"done: {totals[0]:,} inspections, {totals[1]:,} results, {totals[2]:,} hazards "
        f"in {time.perf_counter() - started:.0f} s → {url}"
    )


if __name__ == "__main__":
    main()
