"""A hand-made March 2026 of two sites of one unit, for the site month and register tests.

"Now" is Friday 20 March 2026, 12:00 in Asia/Shanghai. Unit U-A1 (city CA):

A-01 人民广场地下停车场, in use, daily checks from Tuesday 3 March:
  1–2 not due (before its first day) · 3 checked 08:10 · 4 checked 20:00, synced the 5th
  08:00 (late) · 5 missed · 6 excused (停业维修) · 7 only an office check (missed, marked)
  · 8 missed · 9 a self-check failing EVAC-01 (fixed on the spot, since verified) and
  FIRE-01 (order to 王五 by the 16th: overdue) and an unannounced check · 10 checked, QR
  not scanned · 11–19 missed · 20 today, not yet checked · 21–31 still to come.
A-02 西区闲置工程, idle (due on Mondays 2, 9, 16): checked Monday 9 only.
A-03 旧仓库工程, suspended: never due.
Flags: the 3rd's check too fast (explained by the manager), the 10th's not scanned.
"""

from __future__ import annotations

import uuid
from datetime import date

from tests.dashboard_fixtures import add_inspection, local
from tests.factories import make_failed_inspection, make_site, make_template, make_tree, make_user
from webapp.extensions import db
from webapp.models import InspectionFlag, Role, SiteExcuse
from webapp.services.credibility.annotations import annotate_flag
from webapp.services.hazards import EventRequest, open_hazards_from_inspection, record_event

NOW = local(2026, 3, 20, 12)
MARCH = date(2026, 3, 1)
EXPECTED_A = {
    1: "not_due",
    2: "not_due",
    3: "checked",
    4: "late",
    5: "missed",
    6: "excused",
    7: "missed",
    8: "missed",
    9: "checked",
    10: "checked",
    **{day: "missed" for day in range(11, 20)},
    20: "pending",
    **{day: "future" for day in range(21, 32)},
}
ON_SPOT = {"mode": "on_spot", "action": "当场清理出口杂物"}
ORDER = {
    "mode": "order",
    "responsible": {"name": "王五", "phone": "13900001111"},
    "deadline": "2026-03-16",
    "measures": "更换过期灭火器",
}


def build_month() -> dict:
    tree = make_tree()
    unit = tree["unit_a"]
    w = {
        **tree,
        "insp": make_user(unit, Role.INSPECTOR, "insp_a", display_name="张三"),
        "manager": make_user(unit, Role.UNIT_MANAGER, "manager_a", display_name="单位负责人"),
        "sup_a": make_user(
            tree["city_a"], Role.OFFICE_SUPERVISOR, "sup_a", display_name="市督查员"
        ),
        "sup_b": make_user(tree["city_b"], Role.OFFICE_SUPERVISOR, "sup_b"),
        "prov": make_user(tree["province"], Role.OFFICE_ADMIN, "prov", display_name="省暗访组"),
        "manager_b": make_user(tree["unit_b"], Role.UNIT_MANAGER, "manager_b"),
    }
    w["template"] = make_template(
        [
            {"item_id": "EVAC-01", "label_zh": "安全出口未锁闭、未封堵", "fix_immediately": True},
            {"item_id": "FIRE-01", "label_zh": "灭火器完好有效"},
        ]
    )
    a = w["site_a"] = make_site(
        unit,
        "A-01",
        name="人民广场地下停车场",
        address="长春市南关区人民大街1号",
        due_from=date(2026, 3, 3),
        responsible_person="赵安全",
        responsible_phone="13800000000",
    )
    b = w["site_b"] = make_site(unit, "A-02", name="西区闲置工程", status="idle", usage="idle")
    w["site_c"] = make_site(unit, "A-03", name="旧仓库工程", status="suspended")
    insp, t = w["insp"], w["template"]
    w["checked_3"] = add_inspection(a, insp, local(2026, 3, 3, 8, 10), template=t)
    w["late_4"] = add_inspection(
        a, insp, local(2026, 3, 4, 20), received_at=local(2026, 3, 5, 8), template=t
    )
    db.session.add(
        SiteExcuse(site_id=a.id, day=date(2026, 3, 6), reason="停业维修", excused_by=w["manager"])
    )
    w["office_7"] = add_inspection(a, w["sup_a"], local(2026, 3, 7, 15), kind="office", template=t)
    failed = make_failed_inspection(
        a, insp, t, {"EVAC-01": ON_SPOT, "FIRE-01": ORDER}, finished_at=local(2026, 3, 9, 9, 30)
    )
    failed.received_at, failed.scanned = local(2026, 3, 9, 9, 45), True
    w["failed_9"] = failed
    w["covert_9"] = add_inspection(a, w["prov"], local(2026, 3, 9, 14), kind="covert", template=t)
    w["unscanned_10"] = add_inspection(a, insp, local(2026, 3, 10, 9), scanned=False, template=t)
    w["idle_9"] = add_inspection(b, insp, local(2026, 3, 9, 11), template=t)
    # Credibility flags as the sync stores them: the 3rd too fast (then explained), the 10th
    # not scanned.
    for inspection, code, facts in (
        (w["checked_3"], "too_fast", {"items": 2, "seconds": 4, "least": 6}),
        (w["unscanned_10"], "not_scanned", {"case": "absent"}),
    ):
        db.session.add(
            InspectionFlag(
                inspection_id=inspection.id,
                code=code,
                facts=facts,
                day=inspection.day,
                received_at=inspection.received_at,
            )
        )
    hazards = {h.item_id: h for h in open_hazards_from_inspection(failed)}
    db.session.commit()
    annotate_flag(w["manager"], w["checked_3"].id, "too_fast", "explained", "只有两项，检查员熟练")
    record_event(
        w["manager"], hazards["EVAC-01"].id, EventRequest(id=str(uuid.uuid4()), type="verified")
    )
    w["hazard_evac"], w["hazard_fire"] = hazards["EVAC-01"], hazards["FIRE-01"]
    db.session.commit()
    return w
