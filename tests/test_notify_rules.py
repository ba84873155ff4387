"""The reminder rules fire when they should and not otherwise (Asia/Shanghai times):
unchecked sites at the cut-off, yesterday's misses, hazards near or past their deadline,
rectified hazards waiting for verification, monthly reports; per-organisation times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import make_failed_inspection
from tests.hazard_world import FULL_PLAN, PHOTO, act, make_world, open_hazard
from webapp import days
from webapp.extensions import db
from webapp.models import SiteExcuse
from webapp.services.notify import evaluate
from webapp.services.notify.settings import save_settings
from webapp.services.reports.versions import submit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment in December 2026."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def world(app):
    with app.test_request_context(), time_machine.travel(at(1, 9), tick=False):
        yield make_world()


def drafts(moment: datetime) -> dict[str, dict]:
    with time_machine.travel(moment, tick=False):
        return {d.key: d.params for d in evaluate(moment).drafts}


def check(world, moment: datetime) -> None:
    make_failed_inspection(world.site, world.user("insp"), world.template, {}, finished_at=moment)
    db.session.commit()


# --- 1. daily cut-off -------------------------------------------------------------------------


def test_cutoff_lists_todays_unchecked_sites_from_16_00(world):
    assert "cutoff:U-K1:2026-12-09" not in drafts(at(9, 15, 59))
    params = drafts(at(9, 16, 0))["cutoff:U-K1:2026-12-09"]
    assert params["count"] == 1 and params["names"] == ["人民广场地下商场"]


def test_cutoff_is_silent_for_a_checked_or_excused_site(world):
    check(world, at(9, 10))
    assert not [k for k in drafts(at(9, 16, 5)) if k.startswith("cutoff:")]
    db.session.add(
        SiteExcuse(site_id=world.site.id, day=at(10, 0).date(), reason="施工", excused_by_id=1)
    )
    db.session.commit()
    assert not [k for k in drafts(at(10, 16, 5)) if k.startswith("cutoff:")]


def test_an_organisation_sets_its_own_times_and_switches_rules_off(world):
    save_settings(world.tree["county"], "17:00", None, [])  # inherited by its unit
    assert "cutoff:U-K1:2026-12-09" not in drafts(at(9, 16, 30))
    assert "cutoff:U-K1:2026-12-09" in drafts(at(9, 17, 0))
    save_settings(world.tree["unit_county"], "16:00", None, ["cutoff"])
    assert "cutoff:U-K1:2026-12-09" not in drafts(at(9, 17, 0))


# --- 2. missed digest ---------------------------------------------------------------------


def test_missed_digest_goes_to_the_unit_and_the_office_directly_above(world):
    assert not [k for k in drafts(at(10, 8, 29)) if k.startswith("missed:")]
    found = drafts(at(10, 8, 30))
    assert {k for k in found if k.startswith("missed:")} == {
        "missed:U-K1:2026-12-09",
        "missed:CA-K:2026-12-09",
    }
    unit_entry = found["missed:CA-K:2026-12-09"]["units"][0]
    assert unit_entry == {"name": "区属经营单位", "count": 1, "names": ["人民广场地下商场"]}


def test_no_missed_digest_for_a_day_that_was_checked(world):
    check(world, at(9, 10))
    assert not [k for k in drafts(at(10, 9)) if k.startswith("missed:")]


# --- 3. hazards -----------------------------------------------------------------------------


def _order(world, deadline: str):
    with time_machine.travel(at(7, 10), tick=False):
        rectification = {"mode": "order", "responsible": "李四", "measures": "整改"}
        return open_hazard(
            world, "FIRE-01", {**rectification, "deadline": deadline}, finished_at=at(7, 10)
        )


def test_a_hazard_due_within_two_days_reminds_the_unit(world):
    _order(world, "2026-12-11")
    assert not [k for k in drafts(at(8, 9)) if k.startswith("hazard_")]
    found = drafts(at(9, 9))
    assert [k for k in found if k.startswith("hazard_")] == ["hazard_due:U-K1:2026-12-09"]
    assert found["hazard_due:U-K1:2026-12-09"]["hazards"] == [
        {"site": "人民广场地下商场", "item": "灭火器完好有效", "day": "2026-12-11"}
    ]


def test_an_overdue_hazard_goes_to_the_unit_and_the_office_above_daily_until_fixed(world):
    hazard = _order(world, "2026-12-08")
    for day in (9, 10):
        keys = {k for k in drafts(at(day, 9)) if k.startswith("hazard_")}
        assert keys == {
            f"hazard_overdue:U-K1:2026-12-{day:02d}",
            f"hazard_overdue:CA-K:2026-12-{day:02d}",
        }
    with time_machine.travel(at(10, 12), tick=False):
        act(world, "insp", hazard, "rectified", note="已整改", photos=[PHOTO])
    assert not [k for k in drafts(at(11, 9)) if k.startswith("hazard_")]


def test_a_supervised_major_hazard_overdue_also_goes_to_the_province_weekly(world):
    with time_machine.travel(at(1, 10), tick=False):
        hazard = open_hazard(world, "FIRE-08", finished_at=at(1, 10))
        act(world, "mgr", hazard, "plan", **{**FULL_PLAN, "deadline": at(3, 0).date()})
        act(world, "city_sup", hazard, "supervise", notice="吉人防督〔2026〕1号")
    monday, thursday = drafts(at(7, 9)), drafts(at(10, 9))
    assert "hazard_supervised:JL:2026-W50" in monday and "hazard_supervised:JL:2026-W50" in thursday
    assert "hazard_overdue:U-K1:2026-12-07" in monday


# --- 4. waiting for verification ------------------------------------------------------------


def test_rectified_hazards_waiting_more_than_three_days_remind_the_verifier(world):
    hazard = _order(world, "2026-12-20")
    with time_machine.travel(at(8, 10), tick=False):
        act(world, "insp", hazard, "rectified", note="已整改", photos=[PHOTO])
    assert "verify_wait:U-K1:2026-12-11" not in drafts(at(11, 9))
    assert "verify_wait:U-K1:2026-12-12" in drafts(at(12, 9))
    with time_machine.travel(at(12, 10), tick=False):
        act(world, "mgr", hazard, "verified")
    assert "verify_wait:U-K1:2026-12-13" not in drafts(at(13, 9))


def test_an_office_finding_waits_on_the_office_that_found_it(world):
    with time_machine.travel(at(7, 10), tick=False):
        hazard = open_hazard(
            world,
            "FIRE-01",
            {"mode": "order", "responsible": "李四", "measures": "整改", "deadline": "2026-12-20"},
            finder="city_sup",
            kind="office",
            finished_at=at(7, 10),
        )
    with time_machine.travel(at(8, 10), tick=False):
        act(world, "insp", hazard, "rectified", note="已整改", photos=[PHOTO])
    found = drafts(at(12, 9))
    assert "verify_wait:CA:2026-12-12" in found and "verify_wait:U-K1:2026-12-12" not in found


# --- 5. monthly report ------------------------------------------------------------------------


def test_report_reminder_from_the_5th_and_missing_ones_to_the_office_above(world):
    assert not [k for k in drafts(at(4, 9)) if k.startswith("report_")]
    on_5th = {k for k in drafts(at(5, 9)) if k.startswith("report_")}
    assert on_5th == {"report_due:CA:2026-11", "report_due:CB:2026-11"}
    with time_machine.travel(at(6, 10), tick=False):
        submit(world.user("city_sup"), world.tree["city_a"], at(1, 0).date().replace(month=11))
    assert {k for k in drafts(at(7, 9)) if k.startswith("report_")} == {"report_due:CB:2026-11"}
    after = drafts(at(9, 9))
    assert after["report_missing:JL:2026-11"]["names"] == ["乙市人防办"]
    assert not [k for k in after if k.startswith("report_due")]


def test_messages_link_to_the_page_with_the_rest(world, app):
    with time_machine.travel(at(9, 16), tick=False):
        (draft,) = [d for d in evaluate(days.now()).drafts if d.rule == "cutoff"]
    assert draft.link == "/dashboard/?org=U-K1&date=2026-12-09"
