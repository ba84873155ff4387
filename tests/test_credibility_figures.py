"""The credibility figure per unit and month (webapp/services/credibility/figures.py): the
arithmetic, raw and after annotation; the dashboard's ranking, the monthly report (page,
frozen figures, exports) and the drill-down to the flagged checks."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from tests.contract.world import NOW, log_in
from tests.credibility_world import at, build_credibility_world, check, sync
from tests.factories import make_site
from tests.login_helpers import log_in as page_log_in
from webapp.extensions import db
from webapp.models import InspectionFlag
from webapp.services import reports
from webapp.services.credibility.annotations import annotate_flag
from webapp.services.credibility.figures import credibility_ranking, unit_credibility

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def world(app):
    """Unit A's November: five self-checks. One clean; one unscanned, explained; one
    unscanned and too fast, only the first explained; one too fast, confirmed; one late
    sync, not annotated yet. Plus an unscanned office visit and a unit B check with a flag."""
    with time_machine.travel(NOW, tick=True):
        world = build_credibility_world()
        world["site_b"] = make_site(world["unit_b"], code="CT-B02")
        db.session.commit()
        site_2 = world["site_2"].qr_token
        clean = check(world, at("11-20 08:05"))
        explained = check(world, at("11-21 08:05"), token=None)
        half = check(world, at("11-22 08:05"), token=None, seconds=5)
        confirmed = check(world, at("11-23 08:05"), seconds=5, site="CT-002", token=site_2)
        late = check(world, at("11-24 08:05"))
        for record in (clean, explained, half, confirmed):  # each the same evening
            sync(world["inspector"], [record], at(record["started_at"][5:10] + " 19:00"))
        sync(world["inspector"], [late], at("11-27 09:00"))
        visit = check(world, at("11-25 08:05"), kind="office", token=None, seconds=3600)
        sync(world["city_a_office"], [visit], at("11-25 10:00"))
        other = check(world, at("11-26 08:05"), site="CT-B02", token=None)
        sync(world["colleague_b"], [other], at("11-26 19:00"))
        manager = world["manager"]
        annotate_flag(manager, explained["id"], "not_scanned", "explained", "标签损坏")
        annotate_flag(manager, half["id"], "not_scanned", "explained", "标签损坏")
        annotate_flag(manager, confirmed["id"], "too_fast", "confirmed", "未认真检查")
        yield world


def test_raw_and_after_annotation(world):
    figures = unit_credibility(world["province"], *NOVEMBER)
    unit_a = figures[world["unit_a"].id]
    assert (unit_a.self_checks, unit_a.flagged, unit_a.unexplained) == (5, 4, 3)
    assert unit_a.raw == 0.2  # only the clean one has no flag
    assert unit_a.annotated == 0.4  # the clean one and the explained one
    unit_b = figures[world["unit_b"].id]
    assert (unit_b.self_checks, unit_b.raw, unit_b.annotated) == (1, 0.0, 0.0)
    assert unit_credibility(world["city_a"], *NOVEMBER).keys() == {world["unit_a"].id}
    later = unit_credibility(world["city_a"], date(2026, 11, 21), date(2026, 11, 30))
    assert later[world["unit_a"].id].self_checks == 4  # the 20th's clean check is before


def test_an_explanation_moves_the_figure_after_annotation_only(world):
    annotate_flag(world["city_a_office"], _late(world), "late_sync", "explained", "井下没信号")
    unit_a = unit_credibility(world["province"], *NOVEMBER)[world["unit_a"].id]
    assert (unit_a.raw, unit_a.annotated) == (0.2, 0.6)


def _late(world) -> str:
    return db.session.scalar(
        select(InspectionFlag.inspection_id).where(InspectionFlag.code == "late_sync")
    )


def test_the_ranking_puts_the_least_credible_unit_first(world):
    rows = credibility_ranking(world["province"], *NOVEMBER)
    assert [(r.org.code, r.figure.annotated) for r in rows] == [("U-B1", 0.0), ("U-A1", 0.4)]


def test_the_dashboard_ranks_units_and_links_the_drill_down(client, world, app):
    page_log_in(client, "ct-province")
    html = client.get("/dashboard/?date=2026-11-30").get_data(as_text=True)
    assert 'id="credibility"' in html
    assert "/inspections/flagged?org=U-A1&amp;month=2026-11" in html
    assert "40%" in html and "20%" in html
    manager = app.test_client()
    page_log_in(manager, "ct-manager")
    own = manager.get("/dashboard/?date=2026-11-30").get_data(as_text=True)
    assert 'id="credibility"' in own and "40%" in own


def test_the_drill_down_lists_the_flagged_checks_in_scope(client, world):
    page_log_in(client, "ct-city-a")
    html = client.get("/inspections/flagged?org=U-A1&month=2026-11").get_data(as_text=True)
    assert html.count('href="/inspections/') - html.count("/inspections/flagged") == 4
    assert "未扫码" in html and "用时过短" in html and "确认有问题" in html
    assert client.get("/inspections/flagged?org=U-B1&month=2026-11").status_code == 404
    assert client.get("/inspections/flagged?org=U-A1&month=2026-13").status_code == 400
    assert client.get("/inspections/flagged?org=U-A1&month=0001-01").status_code == 400
    empty = client.get("/inspections/flagged?org=U-A1&month=2026-09").get_data(as_text=True)
    assert "本月没有带可信度标记的自查" in empty


def test_the_monthly_report_carries_the_figure_and_freezes_it(client, world, app):
    with time_machine.travel(NOW + timedelta(days=2), tick=False), app.test_request_context():
        figures = reports.compute_figures(world["city_a"], date(2026, 11, 1))
        assert figures["A"]["self_checks"] == 5
        assert figures["A"]["credibility_raw_rate"] == 0.2
        assert figures["A"]["credibility_annotated_rate"] == 0.4
        assert figures["credibility_units"][0]["code"] == "U-A1"
        report = reports.submit(world["city_a_office"], world["city_a"], date(2026, 11, 1))
        annotate_flag(world["manager"], _late(world), "late_sync", "explained", "没信号")
        changed = {key: (then, now) for key, then, now in reports.differences(report)}
        assert changed["A.credibility_annotated_rate"] == (0.4, 0.6)
        assert "A.credibility_raw_rate" not in changed


def test_the_report_page_and_its_exports_show_the_figure(client, world):
    page_log_in(client, "ct-city-a")
    html = client.get("/reports/?org=CA&month=2026-11").get_data(as_text=True)
    assert "自查可信度（批注后）" in html and "40.0%" in html
    assert (
        "各单位日常自查可信度" in html and "/inspections/flagged?org=CA&amp;month=2026-11" in html
    )
    xlsx = client.get("/reports/export.xlsx?org=CA&month=2026-11")
    assert xlsx.status_code == 200
    cells = [
        str(cell.value)
        for sheet in load_workbook(io.BytesIO(xlsx.data)).worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]
    assert "各单位日常自查可信度" in cells and "40.0%" in cells
    assert client.get("/reports/export.pdf?org=CA&month=2026-11").status_code == 200


def test_the_api_lists_annotations_with_their_author(client, world):
    log_in(client, "ct-city-a")
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        items = client.get("/api/v1/inspections?flag=too_fast&org=U-A1").get_json()["items"]
    confirmed = [f for i in items for f in i["flags"] if f["verdict"] == "confirmed"]
    [flag] = confirmed
    assert flag["annotations"][0]["author"]["username"] == "ct-manager"
    assert flag["annotations"][0]["remark"] == "未认真检查"
