"""The demo history (webapp/demo/activity): what a user of the demo sees after
``seed-demo --days 12`` on the evening of Wednesday 11 March 2026 (history from Saturday
28 February, so February's reports were due on 8 March).

One seeded database for the module (a history takes seconds to replay), read by every
test (test_seed.py has the tests that need a database of their own)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from webapp.demo import create_app
from webapp.demo.activity.story import SLOPPY_UNITS
from webapp.extensions import db
from webapp.models import (
    EventType,
    FlagCode,
    Hazard,
    HazardEvent,
    Inspection,
    InspectionFlag,
    InspectionPhoto,
    Notice,
    NoticeDelivery,
    Organisation,
    Photo,
    Site,
    User,
)
from webapp.models.hazards import UNFIXED
from webapp.services import reports
from webapp.services.completion import day_completion
from webapp.services.credibility.figures import Credibility, unit_credibility
from webapp.services.hazards import overdue_condition, verify_chain
from webapp.services.notify.inbox import inbox, unread_count

pytestmark = pytest.mark.db

NOW = "2026-03-11T20:30:00+08:00"
TODAY = date(2026, 3, 11)
YESTERDAY = TODAY - timedelta(days=1)
FIRST = date(2026, 2, 28)
HISTORY = ["seed-demo", "--days", "12"]
EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def _make_app(database_url, path):
    url = database_url or f"sqlite:///{path / 'demo.sqlite3'}"
    return create_app(
        {
            "TESTING": True,
            "SHELTER_DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "SHELTER_PHOTO_DIR": str(path / "photos"),
        }
    )


@pytest.fixture(scope="module")
def seeded(database_url, tmp_path_factory):
    """The app with the demo and its history, time frozen at NOW; the command's output."""
    app = _make_app(database_url, tmp_path_factory.mktemp("demo"))
    with time_machine.travel(NOW, tick=False), app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=HISTORY, env=EN)
        assert result.exit_code == 0, result.output
        yield app, result.output
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def output(seeded) -> str:
    return seeded[1]


def org(code: str) -> Organisation:
    return db.session.execute(select(Organisation).where(Organisation.code == code)).scalar_one()


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_the_command_says_what_it_added(output):
    assert "Added 12 days of history:" in output
    assert "Hazards:" in output and "Monthly reports: " in output
    notices = count(select(Notice))
    assert f"Reminders: {notices} notices in the managers' inboxes" in output
    assert "of the last 7 days (nothing sent" in output
    assert "cc-u02.inspector, sp.supervisor" in output


def test_the_demo_sites_are_due_from_the_first_day_of_the_history(seeded):
    assert set(db.session.scalars(select(Site.due_from))) == {FIRST}
    first_day = select(Inspection).where(Inspection.day == FIRST)
    assert count(first_day) > 300


def test_yesterday_most_due_sites_were_checked_but_the_sloppy_units_missed_some(seeded):
    province = day_completion(org("JL"), YESTERDAY, with_sites=False).tally
    assert province.due > 330
    assert 0.9 <= province.rate < 1
    for code in SLOPPY_UNITS:
        unit = day_completion(org(code), YESTERDAY).tally
        assert unit.due > 1 and 0 < unit.rate < 1, (code, unit)
    rates = [
        day_completion(org(code), YESTERDAY, with_sites=False).tally.rate
        for code in ("CC-U01", "JLC-U01", "YB-U01")
    ]
    assert all(rate >= 0.85 for rate in rates), rates


def test_every_check_is_counted_once(seeded):
    days_checked = Counter(
        db.session.execute(
            select(Inspection.site_id, Inspection.day).where(Inspection.kind == "self")
        )
    )
    assert set(days_checked.values()) == {1}  # one daily check per site and day
    late = checked_in_all = 0
    for offset in range((TODAY - FIRST).days):
        day = FIRST + timedelta(days=offset)
        tally = day_completion(org("JL"), day, with_sites=False).tally
        checked = select(Inspection).where(Inspection.day == day, Inspection.kind == "self")
        assert tally.checked == count(checked) > 0
        late, checked_in_all = late + tally.late, checked_in_all + tally.checked
    assert 0 < late < checked_in_all * 0.1  # a few reached the server the next morning
    scanned = count(select(Inspection).where(Inspection.scanned.is_(True)))
    assert 0.9 < scanned / count(select(Inspection)) < 1


def test_today_only_checks_made_and_synced_before_now_are_there(seeded):
    today = select(Inspection).where(Inspection.day == TODAY)
    assert count(today) > 100
    latest = db.session.scalar(select(func.max(Inspection.received_at)))
    assert latest.isoformat() <= "2026-03-11T12:30:00+00:00"


def test_office_and_covert_checks_are_made_by_the_offices(seeded):
    rows = db.session.execute(
        select(Inspection.kind, User.role, Organisation.kind)
        .join(User, Inspection.inspector_id == User.id)
        .join(Organisation, User.org_id == Organisation.id)
        .distinct()
    ).all()
    self_checks = ("self", "inspector", "unit")
    office_checks = ("office", "office_supervisor", "city")
    covert_checks = ("covert", "office_supervisor", "province")
    assert {self_checks, office_checks} <= set(rows) <= {self_checks, office_checks, covert_checks}


def test_outstanding_hazards_exist_and_some_are_overdue(seeded, output):
    unfixed = count(select(Hazard).where(Hazard.status.in_(UNFIXED)))
    overdue = count(select(Hazard).where(overdue_condition(TODAY)))
    assert 5 <= unfixed <= 30 and 1 <= overdue < unfixed
    assert f"{unfixed} outstanding ({overdue} overdue)" in output
    on_spot = count(select(Hazard).where(Hazard.fixed_on_spot.is_(True)))
    assert 0.75 < on_spot / count(select(Hazard)) < 0.95


def test_closed_hazards_were_verified_by_someone_else(seeded):
    closed = db.session.scalars(select(Hazard).where(Hazard.status == "closed")).all()
    assert len(closed) > 100
    assert all(h.closed_by_id and h.closed_by_id != h.rectified_by_id for h in closed)
    actors = {}
    for event in db.session.scalars(
        select(HazardEvent)
        .where(HazardEvent.type.in_([EventType.RECTIFIED.value, EventType.VERIFIED.value]))
        .order_by(HazardEvent.hazard_id, HazardEvent.seq)
    ):
        actors.setdefault(event.hazard_id, []).append((event.type, event.actor_id))
    for hazard in closed:
        fixed_by = [actor for kind, actor in actors[hazard.id] if kind == "rectified"]
        assert actors[hazard.id][-1] == ("verified", hazard.closed_by_id)
        assert hazard.closed_by_id != fixed_by[-1] == hazard.rectified_by_id


def test_major_hazards_have_a_plan_and_one_is_under_supervision(seeded):
    majors = db.session.scalars(select(Hazard).where(Hazard.grade == "major")).all()
    assert len(majors) == 2
    assert all(h.plan_objectives and h.plan_contingency and h.deadline > TODAY for h in majors)
    supervised = [h for h in majors if h.supervised]
    assert len(supervised) == 1 and supervised[0].supervising_org.kind == "city"
    assert "人防督〔2026〕" in supervised[0].supervision_notice


def test_the_hazard_chain_verifies(seeded):
    checked, broken = verify_chain()
    assert broken is None and checked > 500
    result = seeded[0].test_cli_runner().invoke(args=["verify-hazard-chain"], env=EN)
    assert result.exit_code == 0 and f"OK: {checked} hazard events verified." in result.output


def test_februarys_reports_came_in_on_time_late_or_not_at_all(seeded, output):
    rows, _total = reports.province_overview(org("JL"), date(2026, 2, 1))
    states = Counter(row["status"].state for row in rows)
    assert len(rows) == 11 and states["late"] == 1 and 1 <= states["missing"] <= 2
    assert states["on_time"] == 11 - 1 - states["missing"]
    for row in rows:
        if row["status"].state != "missing":
            assert row["frozen"] and row["status"].report.submitted_by.org_id == row["office"].id
    late = next(row for row in rows if row["status"].state == "late")
    assert date(2026, 3, 9) <= late["status"].submitted_at.date() <= TODAY
    assert f"{states['on_time']} on time, 1 late, {states['missing']} missing" in output


def test_photos_are_stored_and_every_referenced_photo_is_there(seeded, output):
    uploaded = int(re.search(r"(\d+) photos\.", output).group(1))
    assert count(select(Photo)) == uploaded > 100
    complete = select(Inspection).where(Inspection.evidence_complete.is_(False))
    assert count(complete) == 0


def test_each_failure_has_a_photo_of_its_own_but_the_reused_ones(seeded):
    evidence = db.session.execute(
        select(InspectionPhoto.sha256).where(InspectionPhoto.role == "evidence")
    ).scalars()
    second_uses = sum(n - 1 for n in Counter(evidence).values())
    reused = select(InspectionFlag).where(InspectionFlag.code == FlagCode.PHOTO_REUSED.value)
    assert second_uses == count(reused) >= 1


def test_the_history_shows_every_credibility_flag_raised_by_the_sync(seeded):
    codes = Counter(db.session.scalars(select(InspectionFlag.code)))
    assert set(codes) == {code.value for code in FlagCode}, codes
    assert codes["overlapping"] == 2 and codes["late_sync"] >= 1 and codes["too_fast"] >= 1
    assert codes["not_scanned"] > codes["contradicted"] > codes["photo_reused"]
    # Every flag was written by a sync: at the moment some inspection was received.
    received = set(db.session.scalars(select(Inspection.received_at)))
    assert set(db.session.scalars(select(InspectionFlag.created_at))) <= received
    figure = Credibility.total(unit_credibility(org("JL"), FIRST, TODAY).values())
    assert 0.85 < figure.raw < 0.99 and figure.raw == figure.annotated  # nobody annotated yet


def test_a_second_run_adds_nothing(seeded):
    def sizes():
        return {t.name: count(select(t)) for t in db.metadata.sorted_tables}

    before = sizes()
    assert before["notices"] > 100
    result = seeded[0].test_cli_runner().invoke(args=HISTORY, env=EN)
    assert result.exit_code == 0, result.output
    assert "already have inspections: no history was added" in result.output
    assert "Nothing was missing; nothing changed." in result.output
    db.session.expire_all()
    assert sizes() == before


# --- the reminders of the last 7 days (webapp/demo/activity/notices.py) ----------------------


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def notices(code: str, rule: str) -> dict[str, Notice]:
    """An organisation's notices of one rule, by period."""
    rows = db.session.scalars(
        select(Notice).join(Organisation).where(Organisation.code == code, Notice.rule == rule)
    )
    return {notice.period: notice for notice in rows}


def local(moment) -> str:
    return moment.astimezone(ZONE).strftime("%m-%d %H:%M")


ZONE = ZoneInfo("Asia/Shanghai")
LAST_WEEK = [TODAY - timedelta(days=n) for n in range(6, -1, -1)]  # 5 to 11 March


def test_the_managers_of_the_sloppy_units_have_unread_reminders(seeded):
    for code in SLOPPY_UNITS:
        manager = user(f"{code.lower()}.manager")
        rules = Counter(notice.rule for notice, read in inbox(manager) if not read)
        assert unread_count(manager) == sum(rules.values()) >= 14, (code, rules)
        assert rules["cutoff"] == rules["missed"] == 7, (code, rules)


def test_the_cutoff_at_16_lists_the_sites_the_day_went_without_a_check(seeded):
    """The rounds end by 15:30 and the phones sync before 16:00, so what the cut-off named
    is what was missed that day, or synced only the next morning."""
    for code in SLOPPY_UNITS:
        cutoffs = notices(code, "cutoff")
        assert sorted(cutoffs) == [day.isoformat() for day in LAST_WEEK]
        for day in LAST_WEEK:
            notice = cutoffs[day.isoformat()]
            tally = day_completion(org(code), day).tally
            assert local(notice.created_at) == day.strftime("%m-%d 16:00")
            assert notice.params["count"] == tally.missed + tally.late > 0, (code, day)


def test_the_morning_digest_goes_to_the_unit_and_the_office_above(seeded):
    for code in SLOPPY_UNITS:
        unit = org(code)
        for day in [d - timedelta(days=1) for d in LAST_WEEK]:  # 4 to 10 March
            tally = day_completion(unit, day).tally
            to_unit = notices(code, "missed")[day.isoformat()]
            to_office = notices(unit.parent.code, "missed")[day.isoformat()]
            assert local(to_unit.created_at) == (day + timedelta(days=1)).strftime("%m-%d 08:30")
            # Missed, plus any that synced only after 08:30 the next morning.
            assert tally.missed <= to_unit.params["count"] <= tally.missed + tally.late
            [entry] = [u for u in to_office.params["units"] if u["name"] == unit.name]
            assert entry["count"] == to_unit.params["count"]


def test_offices_see_their_units_reminders_and_the_reports_they_owe(seeded):
    assert Counter(n.rule for n, _read in inbox(user("cc.admin")))["missed"] == 7
    reminded = db.session.scalars(select(Notice).where(Notice.rule == "report_due")).all()
    assert reminded
    for notice in reminded:  # on the 5th, to the offices whose February report was not in
        assert local(notice.created_at) == "03-05 08:30" and notice.period == "2026-02"
        status = reports.submission_status(notice.org, date(2026, 2, 1))
        assert status.submitted_at is None or local(status.submitted_at) > "03-05 08:30"
    [missing] = notices("JL", "report_missing").values()  # on the 9th, to the province
    assert local(missing.created_at) == "03-09 08:30"
    rows, _total = reports.province_overview(org("JL"), date(2026, 2, 1))
    assert missing.params["count"] == sum(r["status"].state in ("late", "missing") for r in rows)


def test_reminders_are_written_but_never_sent(seeded):
    assert count(select(NoticeDelivery)) == 0  # the demo has no channels
    recorded = select(HazardEvent).where(
        HazardEvent.type.in_([EventType.REMINDER.value, EventType.OVERDUE.value])
    )
    assert count(recorded) > 0  # as a real run records them in the hazards' history
