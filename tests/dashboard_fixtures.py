"""Helpers shared by the completion, report and export tests: inspections made directly
with the models (as the sync service stores them) and a small hand-countable world."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import PASSWORD, make_org, make_site, make_template, make_tree, make_user
from webapp.days import local_day
from webapp.extensions import db
from webapp.models import Inspection, OrgKind, Role, SiteExcuse
from webapp.services.rollups import count_new_checks

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year, month, day, hour=10, minute=0, second=0) -> datetime:
    """An aware UTC instant given as Asia/Shanghai wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI).astimezone(UTC)


def add_inspection(
    site,
    inspector,
    started_at,
    *,
    received_at=None,
    kind="self",
    scanned=True,
    failures=0,
    device_id="phone-1",
    template=None,
) -> Inspection:
    """Store an inspection the way the sync service does: ``day`` is the SHELTER_TZ day of
    ``started_at``; ``received_at`` defaults to five minutes after it."""
    template = template or _template()
    inspection = Inspection(
        id=str(uuid.uuid4()),
        site_id=site.id,
        template_id=template.id,
        kind=kind,
        inspector_id=inspector.id,
        device_id=device_id,
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=4),
        received_at=received_at or started_at + timedelta(minutes=5),
        day=local_day(started_at),
        scanned=scanned,
        scanned_at=started_at if scanned else None,
        failures=failures,
        content_hash=uuid.uuid4().hex * 2,
        payload={},
    )
    db.session.add(inspection)
    db.session.flush()
    count_new_checks([(site.id, inspection.day, kind)])  # as store_inspections does
    return inspection


def _template():
    from webapp.models import ChecklistTemplate

    template = (
        db.session.execute(db.select(ChecklistTemplate).where(ChecklistTemplate.key == "daily"))
        .scalars()
        .first()
    )
    return template or make_template()


def log_in(client, username: str, password: str = PASSWORD):
    """Log in through the JSON API; returns the CSRF token for later POSTs."""
    reply = client.post("/api/v1/session", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()["csrf_token"]


PAGE_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def page_token(html: str) -> str:
    return PAGE_TOKEN.search(html).group(1)


def make_world() -> dict:
    """make_tree() plus 梅河口-like city "CM" directly under the province with nominal
    parent city A, a unit under it, an inspector per unit and office staff."""
    tree = make_tree()
    meihekou = make_org(
        "CM", OrgKind.CITY, tree["province"], name="梅市人防办", nominal_parent=tree["city_a"]
    )
    tree["city_m"] = meihekou
    tree["unit_m"] = make_org("U-M1", OrgKind.UNIT, meihekou, name="梅市经营单位")
    users = {
        "insp_a": make_user(tree["unit_a"], Role.INSPECTOR, username="insp_a", display_name="张三"),
        "insp_k": make_user(
            tree["unit_county"], Role.INSPECTOR, username="insp_k", display_name="李四"
        ),
        "insp_b": make_user(tree["unit_b"], Role.INSPECTOR, username="insp_b", display_name="王五"),
        "insp_m": make_user(tree["unit_m"], Role.INSPECTOR, username="insp_m", display_name="赵六"),
        "manager_a": make_user(tree["unit_a"], Role.UNIT_MANAGER, username="manager_a"),
        "sup_a": make_user(tree["city_a"], Role.OFFICE_SUPERVISOR, username="sup_a"),
        "sup_b": make_user(tree["city_b"], Role.OFFICE_SUPERVISOR, username="sup_b"),
        "sup_m": make_user(tree["city_m"], Role.OFFICE_SUPERVISOR, username="sup_m"),
        "prov": make_user(tree["province"], Role.OFFICE_ADMIN, username="prov"),
    }
    make_template()
    return {**tree, **users}


MONDAY = date(2026, 3, 9)  # idle and sealed sites are due (weekly, counted from 2024-01-01)
TUESDAY = date(2026, 3, 10)  # "today" in the tests that use NOW
NOW = local(2026, 3, 10, 12)


def build_world() -> dict:
    """On Monday 9 March 2026 (Asia/Shanghai):

    unit U-A1 (city CA): A1 checked (scanned) · A2 checked at 23:59:59, not scanned, 2
    failures · A3 checked at 00:00:00 on Tuesday (so missed Monday) · A4 checked at 20:00,
    synced Tuesday 08:00 (late) · A5 idle, checked · A6 suspended, checked (not due) ·
    A7 excused · A8 only an office check (missed). → due 6, checked 4, late 1, excused 1.
    unit U-K1 (county under CA): K1 checked, K2 sealed and not checked → due 2, checked 1.
    unit U-B1 (city CB): B1 not checked → due 1, checked 0.
    unit U-M1 (city CM, directly under the province, nominally under CA): M1 checked.
    """
    w = make_world()
    ua, insp = w["unit_a"], w["insp_a"]
    s = {code: make_site(ua, code) for code in ("A1", "A2", "A3", "A4", "A8")}
    s["A5"] = make_site(ua, "A5", status="idle", leased=False, year_built=1975)
    s["A6"] = make_site(ua, "A6", status="suspended")
    s["A7"] = make_site(ua, "A7", leased=True, crowded=True)
    s["K1"] = make_site(w["unit_county"], "K1", leased=True)
    s["K2"] = make_site(w["unit_county"], "K2", status="sealed", year_built=1970)
    s["B1"] = make_site(w["unit_b"], "B1")
    s["M1"] = make_site(w["unit_m"], "M1")
    add_inspection(s["A1"], insp, local(2026, 3, 9, 10))
    add_inspection(
        s["A2"],
        insp,
        local(2026, 3, 9, 23, 59, 59),
        scanned=False,
        failures=2,
        received_at=local(2026, 3, 9, 23, 59, 59),
    )
    add_inspection(s["A3"], insp, local(2026, 3, 10, 0, 0, 0))
    add_inspection(
        s["A4"], insp, local(2026, 3, 9, 20), received_at=local(2026, 3, 10, 8), device_id="phone-2"
    )
    add_inspection(s["A5"], insp, local(2026, 3, 9, 11))
    add_inspection(s["A6"], insp, local(2026, 3, 9, 11))
    add_inspection(
        s["A8"], w["sup_a"], local(2026, 3, 9, 15), kind="office", device_id="office-phone"
    )
    add_inspection(s["K1"], w["insp_k"], local(2026, 3, 9, 9))
    add_inspection(s["M1"], w["insp_m"], local(2026, 3, 9, 9))
    db.session.add(
        SiteExcuse(site=s["A7"], day=MONDAY, reason="停电检修", excused_by_id=w["manager_a"].id)
    )
    db.session.commit()
    return {**w, "sites": s}


__all__ = ["add_inspection", "local", "log_in", "make_site", "make_user", "make_world", "SHANGHAI"]
