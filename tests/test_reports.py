"""The monthly report: figures counted by hand, drafts, submission, freezing, versions,
on time / late / missing at the due day, the province's totals, and scope on every page."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.dashboard_fixtures import add_inspection, build_world, local, log_in, make_site
from webapp.extensions import db
from webapp.models import MonthlyReport
from webapp.models.hazards import Hazard
from webapp.services import reports as svc

MARCH = date(2026, 3, 1)
IN_APRIL = local(2026, 4, 2, 9)


def hazard(site, user, found_at, item_id, **fields) -> Hazard:
    row = Hazard(
        site_id=site.id,
        item_id=item_id,
        category=item_id.split("-")[0],
        item_label=f"问题{item_id}",
        found_by_id=user.id,
        found_by_org_id=user.org_id,
        found_at=found_at,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def world(app):
    """build_world() (see tests/dashboard_fixtures.py) plus these hazards:

    H1 A1 9 Mar EVAC-01 fixed on the spot, closed · H2 A2 9 Mar FIRE-01 deadline 12 Mar,
    still rectifying (overdue at month end) · H3 K1 9 Mar FIRE-01 major, office, deadline
    30 Apr, supervised by CA since 10 Mar · H4 B1 (other city) · H5 A4 20 Feb, rectified
    4 Mar · H6 A3 20 Mar EVAC-02 deadline 25 Mar, rectified 24 Mar (in time).
    """
    w = build_world()
    s, insp = w["sites"], w["insp_a"]
    hazard(
        s["A1"],
        insp,
        local(2026, 3, 9, 10),
        "EVAC-01",
        fixed_on_spot=True,
        status="closed",
        rectified_at=local(2026, 3, 9, 10, 5),
        closed_at=local(2026, 3, 9, 12),
    )
    hazard(
        s["A2"],
        insp,
        local(2026, 3, 9, 23),
        "FIRE-01",
        deadline=date(2026, 3, 12),
        status="rectifying",
    )
    hazard(
        s["K1"],
        w["sup_a"],
        local(2026, 3, 9, 9),
        "FIRE-01",
        grade="major",
        source="office",
        deadline=date(2026, 4, 30),
        status="rectifying",
        supervising_org_id=w["city_a"].id,
        supervised_on=date(2026, 3, 10),
        responsible_name="王经理",
        measures="更换喷淋泵",
        funds_amount=5000,
        plan_contingency="停止营业",
    )
    hazard(s["B1"], w["insp_b"], local(2026, 3, 5, 9), "EVAC-01", status="open")
    hazard(
        s["A4"],
        insp,
        local(2026, 2, 20, 9),
        "EVAC-01",
        deadline=date(2026, 3, 5),
        status="closed",
        rectified_at=local(2026, 3, 4, 9),
        closed_at=local(2026, 3, 5, 9),
    )
    hazard(
        s["A3"],
        insp,
        local(2026, 3, 20, 9),
        "EVAC-02",
        deadline=date(2026, 3, 25),
        status="rectified",
        rectified_at=local(2026, 3, 24, 18),
    )
    db.session.commit()
    return w


def test_section_a_coverage(world):
    a = svc.compute_figures(world["city_a"], MARCH)["A"]
    assert {
        k: a[k]
        for k in (
            "sites_total",
            "in_use",
            "leased",
            "idle_or_sealed",
            "suspended",
            "early",
            "sites_with_checks",
        )
    } == {
        "sites_total": 10,
        "in_use": 7,
        "leased": 2,
        "idle_or_sealed": 2,
        "suspended": 1,
        "early": 2,
        "sites_with_checks": 7,
    }
    # 7 in-use sites × 31 days − A7 excused once; idle A5 + sealed K2 on the 5 Mondays.
    assert (a["site_days_due"], a["site_days_checked"]) == (7 * 31 - 1 + 2 * 5, 6)
    assert a["compliance_rate"] == round(6 / 226, 4)
    assert (a["supervisory_checks"], a["supervisory_sites"], a["supervisory_person_times"]) == (
        1,
        1,
        1,
    )
    assert a["supervisory_coverage_rate"] == 0.1
    assert a["covert_checks"] == 0


def test_a_site_counts_from_its_first_day_of_checks(world):
    """N1 joins U-A1 on 21 March: 11 site-days due in March, none checked (a trial check on
    the 20th is not a daily check); N2 joins in April and is not in March's report at all,
    not even through the office check it had in March."""
    n1 = make_site(world["unit_a"], "N1", due_from=date(2026, 3, 21))
    n2 = make_site(world["unit_a"], "N2", due_from=date(2026, 4, 1))
    add_inspection(n1, world["insp_a"], local(2026, 3, 20, 9))  # a trial check the day before
    add_inspection(n2, world["sup_a"], local(2026, 3, 25, 9), kind="office")
    db.session.commit()
    a = svc.compute_figures(world["city_a"], MARCH)["A"]
    assert (a["sites_total"], a["in_use"]) == (11, 8)
    assert (a["site_days_due"], a["site_days_checked"]) == (7 * 31 - 1 + 2 * 5 + 11, 6)
    assert a["sites_with_checks"] == 7  # N1's trial check is not a daily check
    assert (a["supervisory_sites"], a["supervisory_coverage_rate"]) == (1, round(1 / 11, 4))


def test_section_b_hazards(world):
    b = svc.compute_figures(world["city_a"], MARCH)["B"]
    expected = {
        "found_month": 4,
        "found_general": 3,
        "found_major": 1,
        "fixed_on_spot_month": 1,
        "rectified_month": 2,
        "rectification_rate": 0.5,
        "with_deadline_month": 3,
        "fixed_in_time_month": 1,
        "in_time_rate": 0.3333,
        "outstanding_month_end": 2,
        "overdue_month_end": 1,
        "major_new": 1,
        "major_supervised": 1,
        "major_closed": 0,
        "major_open": 1,
        "found_ytd": 5,
        "major_ytd": 1,
        "rectified_ytd": 3,
    }
    assert {k: b[k] for k in expected} == expected
    assert b["by_source"] == {"self": 3, "office": 1}
    assert b["by_category"] == {"EVAC": 2, "FIRE": 2}
    assert b["top_items"][0] == {"item_id": "FIRE-01", "label": "问题FIRE-01", "count": 2}
    (major,) = b["major_open_list"]
    assert (
        major["responsible"],
        major["measures"],
        major["funds"],
        major["deadline"],
        major["contingency"],
        major["supervised"],
    ) == ("王经理", "更换喷淋泵", 5000.0, "2026-04-30", "停止营业", True)


def test_section_e_and_chart_data(world):
    figures = svc.compute_figures(world["city_a"], MARCH)
    assert figures["E"] == {"days_in_month": 31, "days_with_checks": 2, "duty_item_failures": 0}
    daily = dict((d, (due, checked)) for d, due, checked in figures["daily"])
    assert len(daily) == 31 and daily["2026-03-09"] == (8, 5) and daily["2026-03-10"] == (7, 1)
    assert not figures["zero_report"]


def test_zero_report_still_submitted(world):
    with time_machine.travel(IN_APRIL, tick=False):
        report = svc.submit(world["sup_m"], world["city_m"], MARCH)
    assert report.figures["zero_report"] and report.is_submitted
    assert svc.submission_status(world["city_m"], MARCH, IN_APRIL).state == "on_time"


def test_submitted_report_is_frozen_and_difference_visible(world):
    with time_machine.travel(IN_APRIL, tick=False):
        report = svc.submit(world["sup_a"], world["city_a"], MARCH, {"fines_count": "2"})
        assert report.manual["fines_count"] == 2 and report.version == 1
        assert svc.differences(report) == []
        # A check done on 15 March reaches the server on 3 April.
        add_inspection(
            world["sites"]["A8"],
            world["insp_a"],
            local(2026, 3, 15, 10),
            received_at=local(2026, 4, 3, 8),
        )
        db.session.commit()
        db.session.expire_all()
        report = db.session.get(MonthlyReport, report.id)
        assert report.figures["A"]["site_days_checked"] == 6  # as submitted
        changed = {key: (then, now) for key, then, now in svc.differences(report)}
        assert changed["A.site_days_checked"] == (6, 7)
        assert changed["A.compliance_rate"] == (round(6 / 226, 4), round(7 / 226, 4))
        with pytest.raises(svc.ReportRefused):
            svc.save_draft(world["sup_a"], world["city_a"], MARCH, {"fines_count": 3})
        with pytest.raises(svc.ReportRefused):
            svc.start_correction(world["sup_a"], world["city_a"], MARCH, "  ")
        draft = svc.start_correction(world["sup_a"], world["city_a"], MARCH, "补录3月15日检查")
        assert (draft.version, draft.manual["fines_count"], draft.is_submitted) == (2, 2, False)
        second = svc.submit(world["sup_a"], world["city_a"], MARCH)
        assert second.figures["A"]["site_days_checked"] == 7 and svc.differences(second) == []
    first = db.session.get(MonthlyReport, report.id)
    assert first.figures["A"]["site_days_checked"] == 6 and first.is_submitted
    status = svc.submission_status(world["city_a"], MARCH, local(2026, 4, 20))
    assert (status.state, status.versions) == ("on_time", 2)  # the first submission counts


def test_cannot_submit_before_month_ends(world):
    with time_machine.travel(local(2026, 3, 31, 20), tick=False):
        svc.save_draft(world["sup_a"], world["city_a"], MARCH, {"main_work": "检查"})
        with pytest.raises(svc.ReportRefused):
            svc.submit(world["sup_a"], world["city_a"], MARCH)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"fines_count": "x"}, "fines_count"),
        ({"deaths": "-1"}, "deaths"),
        ({"main_work": "长" * 4001}, "main_work"),
    ],
)
def test_bad_manual_values_refused(world, value, field):
    with pytest.raises(svc.ReportRefused):
        svc.save_draft(world["sup_a"], world["city_a"], MARCH, value)
    assert svc.latest(world["city_a"], MARCH) is None


@pytest.mark.parametrize(
    ("submitted_at", "checked_at", "state", "days_left"),
    [
        (None, local(2026, 4, 5, 12), "pending", 3),
        (None, local(2026, 4, 8, 23, 59), "pending", 0),
        (None, local(2026, 4, 9, 0, 0), "missing", None),
        (local(2026, 4, 8, 23, 59), local(2026, 4, 20), "on_time", None),
        (local(2026, 4, 9, 0, 0, 1), local(2026, 4, 20), "late", None),
        (local(2026, 4, 1, 0, 5), local(2026, 4, 1, 1), "on_time", None),
    ],
)
def test_on_time_late_missing_at_the_8th(world, submitted_at, checked_at, state, days_left):
    if submitted_at is not None:
        with time_machine.travel(submitted_at, tick=False):
            svc.submit(world["sup_a"], world["city_a"], MARCH)
    status = svc.submission_status(world["city_a"], MARCH, checked_at)
    assert (status.state, status.days_left, status.due) == (state, days_left, date(2026, 4, 8))


def test_due_day_is_a_setting(world, app):
    app.config["SHELTER_REPORT_DUE_DAY"] = 5
    status = svc.submission_status(world["city_a"], MARCH, local(2026, 4, 6, 9))
    assert (status.due, status.state) == (date(2026, 4, 5), "missing")


def test_province_overview_adds_up_each_office_once(world):
    with time_machine.travel(IN_APRIL, tick=False):
        svc.submit(world["sup_b"], world["city_b"], MARCH)
        rows, total = svc.province_overview(world["province"], MARCH)
    assert [(r["office"].code, r["status"].state, r["frozen"]) for r in rows] == [
        ("CA", "pending", False),
        ("CB", "on_time", True),
        ("CM", "pending", False),
    ]
    assert [r["figures"]["A"]["sites_total"] for r in rows] == [10, 1, 1]
    assert total["A"]["sites_total"] == 12  # 梅 (nominally under CA) counted once
    assert total["B"]["found_month"] == 4 + 1
    assert total["E"]["days_in_month"] == 31  # a calendar fact, not added up
    assert total["A"]["compliance_rate"] == round(
        total["A"]["site_days_checked"] / total["A"]["site_days_due"], 4
    )


# --- pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "org", "status"),
    [
        ("sup_a", "CA", 200),
        ("sup_a", "CB", 404),
        ("sup_a", "CM", 404),
        ("sup_a", "JL", 404),
        ("prov", "CA", 200),
        ("prov", "JL", 200),
        ("manager_a", "CA", 404),
        ("sup_a", "NOPE", 404),
    ],
)
def test_report_page_scope(client, world, username, org, status):
    log_in(client, username)
    assert client.get(f"/reports/?org={org}&month=2026-03").status_code == status
    for fmt in ("xlsx", "pdf"):
        if status == 404:
            assert client.get(f"/reports/export.{fmt}?org={org}&month=2026-03").status_code == 404


def test_report_page_bad_month(client, world):
    log_in(client, "sup_a")
    assert client.get("/reports/?month=2026-13").status_code == 400


@pytest.mark.parametrize(
    ("username", "org", "status"),
    [("sup_b", "CA", 404), ("prov", "CA", 403), ("manager_a", "CA", 404), ("sup_a", "CA", 302)],
)
def test_only_the_office_itself_submits(client, world, username, org, status):
    # Log in inside the travelled time: session cookies from the future are refused.
    with time_machine.travel(IN_APRIL, tick=False):
        token = log_in(client, username)
        reply = client.post(
            "/reports/save",
            data={
                "org": org,
                "month": "2026-03",
                "action": "submit",
                "csrf_token": token,
                "fines_count": "1",
            },
        )
    assert reply.status_code == status
    submitted = svc.first_submission(world["city_a"], MARCH)
    assert (submitted is not None) == (status == 302)


def test_post_without_csrf_is_refused(client, world):
    log_in(client, "sup_a")
    reply = client.post("/reports/save", data={"org": "CA", "month": "2026-03"})
    assert reply.status_code == 400 and svc.latest(world["city_a"], MARCH) is None


def test_pages_show_status_and_difference(client, world):
    with time_machine.travel(IN_APRIL, tick=False):
        log_in(client, "sup_a")
        svc.submit(world["sup_a"], world["city_a"], MARCH, {"main_work": "全面排查"})
        add_inspection(
            world["sites"]["A8"],
            world["insp_a"],
            local(2026, 3, 15, 10),
            received_at=local(2026, 4, 3, 8),
        )
        db.session.commit()
        html = client.get("/reports/?month=2026-03&lang=zh").get_data(as_text=True)
    assert "按时报送" in html and "全面排查" in html
    assert "报送后补充同步的数据改变了以下数字" in html and "已检查工程·天数" in html
    with time_machine.travel(local(2026, 4, 9, 9), tick=False):
        log_in(client, "prov")
        html = client.get("/reports/?month=2026-03&lang=zh").get_data(as_text=True)
    assert html.count("缺报") == 2 and "按时" in html  # CB and CM missing, CA on time


# --- JSON API ---------------------------------------------------------------------------


def test_api_lists_who_has_reported(client, world):
    with time_machine.travel(local(2026, 4, 9, 9), tick=False):
        svc.submit(world["sup_b"], world["city_b"], MARCH)
        log_in(client, "prov")
        body = client.get("/api/v1/reports?month=2026-03").get_json()
    assert [(r["org"]["code"], r["state"]) for r in body] == [
        ("CA", "missing"),
        ("CB", "late"),
        ("CM", "missing"),
    ]
    assert body[0]["due"] == "2026-04-08"


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("sup_a", "/api/v1/reports/CA/2026-03", 200),
        ("sup_a", "/api/v1/reports/CB/2026-03", 404),
        ("sup_a", "/api/v1/reports/CA/2026-13", 404),
        ("prov", "/api/v1/reports/JL/2026-03", 404),  # the province has no report of its own
        ("manager_a", "/api/v1/reports/CA/2026-03", 404),
        ("sup_a", "/api/v1/reports?org=CB", 404),
        ("sup_a", "/api/v1/reports?month=2026-3", 422),
    ],
)
def test_api_scope(client, world, username, path, status):
    log_in(client, username)
    assert client.get(path).status_code == status


def test_api_report_is_frozen_with_differences(client, world):
    with time_machine.travel(IN_APRIL, tick=False):
        svc.submit(world["sup_a"], world["city_a"], MARCH, {"fines_count": "2"})
        add_inspection(
            world["sites"]["A8"],
            world["insp_a"],
            local(2026, 3, 15, 10),
            received_at=local(2026, 4, 3, 8),
        )
        db.session.commit()
        log_in(client, "sup_a")
        body = client.get("/api/v1/reports/CA/2026-03").get_json()
    assert (body["state"], body["version"], body["frozen"]) == ("on_time", 1, True)
    assert body["figures"]["A"]["site_days_checked"] == 6 and body["manual"]["fines_count"] == 2
    assert {"figure": "A.site_days_checked", "submitted": 6, "now": 7} in body["differences"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/reports/{org_code}/{month}" in spec["paths"]


# --- hazards at a glance (dashboard) -----------------------------------------------------


def test_hazards_at_a_glance(world):
    from webapp.services.hazard_figures import hazards_at_a_glance

    glance = hazards_at_a_glance(world["city_a"], date(2026, 4, 2))
    # H2 (A2, deadline 12 Mar, found 9 Mar) and H3 (K1, major, deadline 30 Apr, found 9 Mar).
    assert (glance.total.open, glance.total.overdue, glance.total.major) == (2, 1, 1)
    rows = {r.org.code: (r.open, r.overdue, r.major, r.oldest_days) for r in glance.children}
    assert rows == {"CA-K": (1, 0, 1, 24), "U-A1": (1, 1, 0, 24)}
    assert glance.ageing == {"0-7": 0, "8-30": 2, "31+": 0}
    (oldest,) = glance.oldest_overdue
    assert (oldest["site_code"], oldest["days_overdue"], oldest["days_open"]) == ("A2", 21, 24)
    province = hazards_at_a_glance(world["province"], date(2026, 4, 2))
    assert province.total.open == 3 and province.children[0].org.code == "CA"


def test_grouped_figures_are_labelled(world, app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert svc.figure_label("A.by_usage.parking") == "A. 按用途分的工程: 停车"
        assert svc.figure_label("B.by_category.FIRE") == "B. 本月隐患按类别: 消防设施"
        assert svc.figure_label("B.found_month") == "B. 本月排查发现隐患（项）"
        assert svc.figure_label("B.by_category") == "B.by_category"  # not a figure of its own
