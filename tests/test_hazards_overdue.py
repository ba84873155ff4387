"""Overdue and reminders at the SHELTER_TZ (Asia/Shanghai) day boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from tests.hazard_world import PHOTO, act, make_world, open_hazard
from webapp import days
from webapp.extensions import db
from webapp.models import HazardEvent
from webapp.services.hazards import (
    HazardFilters,
    due_reminders,
    hazard_query,
    record_reminders,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the default SHELTER_TZ the tests run with
# 10:00 on Monday 7 Dec 2026 in Shanghai.
FOUND = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment given as Shanghai wall-clock time in December 2026 (UTC+8, no DST)."""
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def world(app):
    with app.test_request_context(), time_machine.travel(FOUND, tick=False):
        yield make_world()


def _order(world, deadline: str, item="FIRE-01"):
    with time_machine.travel(FOUND, tick=False):
        return open_hazard(
            world,
            item,
            {"mode": "order", "responsible": "李四", "measures": "整改", "deadline": deadline},
            finished_at=FOUND,
        )


def _overdue_ids(user) -> set[int]:
    return {h.id for h in db.session.scalars(hazard_query(user, HazardFilters(overdue=True)))}


@pytest.mark.parametrize(
    "moment,overdue",
    [
        (shanghai(7, 23, 59, 59), False),  # the deadline day, last second
        (shanghai(8, 0, 0, 0), True),  # the next day in Shanghai (16:00 UTC on the 7th)
        (datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC), False),
        (datetime(2026, 12, 7, 16, 0, 0, tzinfo=UTC), True),
    ],
)
def test_an_immediate_hazard_is_overdue_from_the_next_shanghai_day(app, world, moment, overdue):
    with app.test_request_context():
        with time_machine.travel(FOUND, tick=False):
            hazard = open_hazard(
                world,
                "EVAC-01",
                {"mode": "order", "responsible": "李四", "measures": "开锁"},
                finished_at=FOUND,
            )
        assert hazard.deadline == date(2026, 12, 7) and hazard.immediate
        with time_machine.travel(moment, tick=False):
            assert hazard.is_overdue(days.today()) is overdue
            assert (hazard.id in _overdue_ids(world.user("county_sup"))) is overdue


def test_a_rectified_hazard_is_no_longer_overdue(app, world):
    with app.test_request_context():
        hazard = _order(world, "2026-12-08")
        with time_machine.travel(shanghai(9, 9), tick=False):
            assert hazard.is_overdue(days.today())
            act(world, "insp", hazard, "rectified", note="已整改", photos=[PHOTO])
            assert not hazard.is_overdue(days.today())
            assert hazard.id not in _overdue_ids(world.user("county_sup"))


@pytest.mark.parametrize(
    "moment,kind",
    [
        (shanghai(8, 10), None),  # 3 days before the deadline on the 11th
        (shanghai(8, 23, 59, 59), None),
        (shanghai(9, 0, 0, 0), "due_soon"),  # 2 days before, from local midnight
        (shanghai(11, 23, 59), "due_soon"),  # the deadline day itself
        (shanghai(12, 0, 0, 0), "overdue"),
    ],
)
def test_reminders_start_two_days_before_the_deadline(app, world, moment, kind):
    with app.test_request_context():
        hazard = _order(world, "2026-12-11")
        with time_machine.travel(moment, tick=False):
            found = {r.hazard.id: r for r in due_reminders(days.today())}
            if kind is None:
                assert hazard.id not in found
            else:
                assert found[hazard.id].kind == kind
                expected = "CA-K" if kind == "overdue" else "U-K1"
                assert found[hazard.id].notify_org.code == expected


def test_reminders_are_recorded_once_and_overdue_goes_to_the_next_office_up(app, world, runner):
    with app.test_request_context():
        hazard = _order(world, "2026-12-08")
        with time_machine.travel(shanghai(9, 8), tick=False):
            reminders, recorded = record_reminders(days.today())
            assert recorded == 1 and reminders[0].kind == "overdue"
            _again, recorded_again = record_reminders(days.today())
            assert recorded_again == 0
            result = runner.invoke(args=["hazard-reminders", "--record"])
            assert result.exit_code == 0, result.output
            assert "overdue" in result.output and "notify CA-K" in result.output
            assert "0 newly recorded" in result.output
        events = db.session.scalars(
            select(HazardEvent).where(
                HazardEvent.hazard_id == hazard.id, HazardEvent.type == "overdue"
            )
        ).all()
        assert len(events) == 1 and events[0].data["notify_org"] == "CA-K"
        assert events[0].actor_id is None and events[0].from_status == events[0].to_status


def test_the_reminders_command_takes_a_day(app, world, runner):
    with app.test_request_context():
        _order(world, "2026-12-11")
    listed = runner.invoke(args=["hazard-reminders", "--day", "2026-12-09"])
    assert listed.exit_code == 0 and "due_soon" in listed.output
    assert "1 reminders for 2026-12-09." in listed.output
    bad = runner.invoke(args=["hazard-reminders", "--day", "9 Dec"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
