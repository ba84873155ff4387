"""Credibility flags raised by the sync (webapp/services/credibility/flags.py): for each
code a small history that raises it and one that does not; exactly once with the sync; a
constant number of queries per batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select

from tests.contract.world import NOW
from tests.credibility_world import (
    at,
    build_credibility_world,
    check,
    flags_of,
    photo,
    sync,
)
from webapp.extensions import db
from webapp.models import InspectionFlag, QrRotation
from webapp.qr import token_fingerprint


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_credibility_world()


# --- not_scanned ------------------------------------------------------------------------


def test_a_valid_scan_during_the_check_raises_nothing(world):
    record = check(world, at("11-30 08:05"))
    sync(world["inspector"], [record])
    assert flags_of(record) == {}


def test_no_scan_is_not_scanned_absent(world):
    record = check(world, at("11-30 08:05"), token=None)
    sync(world["inspector"], [record])
    assert flags_of(record) == {"not_scanned": {"case": "absent"}}


def test_the_sites_token_scanned_outside_the_check_is_not_scanned_outside_time(world):
    record = check(world, at("11-30 08:05"), scanned_at=at("11-29 18:00"))
    sync(world["inspector"], [record])
    assert flags_of(record)["not_scanned"] == {
        "case": "outside_time",
        "scanned_at": at("11-29 18:00").isoformat(),
    }


def test_another_sites_label_is_named(world):
    other = world["other_site"]
    record = check(world, at("11-30 08:05"), token=other.qr_token)
    sync(world["inspector"], [record])
    assert flags_of(record)["not_scanned"]["case"] == "other_site"
    assert flags_of(record)["not_scanned"]["other_site"] == "CT-OTHER"


def test_an_old_label_past_the_grace_period_is_stale_within_it_counts(world):
    site = world["site"]
    site.qr_token_previous = "ct-old-label-aaaaaaaaaaaa"
    site.qr_token_rotated_at = at("11-28 09:00")  # grace: 24 hours
    db.session.add(
        QrRotation(
            site=site,
            unit_id=site.unit_id,
            rotated_by=world["manager"],
            rotated_at=at("11-01 09:00"),
            batch="b1",
            old_token_fingerprint=token_fingerprint("ct-older-label-bbbbbbbbbbb"),
        )
    )
    db.session.commit()
    previous = check(world, at("11-30 08:05"), token="ct-old-label-aaaaaaaaaaaa")
    older = check(world, at("11-30 08:35"), token="ct-older-label-bbbbbbbbbbb")
    in_grace = check(world, at("11-28 10:05"), token="ct-old-label-aaaaaaaaaaaa")
    sync(world["inspector"], [previous, older, in_grace])
    assert flags_of(previous)["not_scanned"]["case"] == "stale"
    assert flags_of(older)["not_scanned"]["case"] == "stale"
    assert "not_scanned" not in flags_of(in_grace)


def test_a_token_no_label_carries_is_unknown(world):
    record = check(world, at("11-30 08:05"), token="ct-made-up-token-zzzzzzz")
    sync(world["inspector"], [record])
    assert flags_of(record)["not_scanned"]["case"] == "unknown"


# --- too_fast ---------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "flagged"), [(11, True), (12, False), (600, False)])
def test_too_fast_is_fewer_than_3_seconds_per_applicable_item(world, seconds, flagged):
    record = check(world, at("11-30 08:05"), seconds=seconds)  # 4 items on the form
    sync(world["inspector"], [record])
    flags = flags_of(record)
    assert ("too_fast" in flags) is flagged
    if flagged:
        assert flags["too_fast"] == {"seconds": 11, "items": 4, "least": 12}


def test_the_seconds_per_item_are_a_setting(world, app):
    app.config["SHELTER_MIN_SECONDS_PER_ITEM"] = 200
    record = check(world, at("11-30 08:05"), seconds=600)
    sync(world["inspector"], [record])
    assert flags_of(record)["too_fast"] == {"seconds": 600, "items": 4, "least": 800}


# --- clock_skew -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "offset"), [(timedelta(minutes=9), None), (-timedelta(minutes=11), -660)]
)
def test_clock_skew_beyond_the_threshold(world, ahead, offset):
    record = check(world, at("11-30 08:05"))
    sync(world["inspector"], [record], phone_ahead=ahead)
    flags = flags_of(record)
    if offset is None:
        assert "clock_skew" not in flags
    else:
        assert flags["clock_skew"] == {"offset_seconds": offset, "limit": 600}


# --- photo_reused -----------------------------------------------------------------------


def test_a_photo_an_earlier_check_used_is_reused_at_any_site(world):
    first = check(world, at("11-29 08:05"), photos=[photo("exit")])
    again = check(world, at("11-30 08:05"), site="CT-002", photos=[photo("exit")])
    fresh = check(world, at("11-30 09:05"), photos=[photo("new")])
    sync(world["inspector"], [first], at("11-29 19:00"))
    sync(world["inspector"], [again, fresh], at("11-30 19:00"))
    assert "photo_reused" not in flags_of(first)
    assert flags_of(again)["photo_reused"] == {
        "sha256": photo("exit"),
        "other_id": first["id"],
        "other_site": "CT-001",
        "other_day": "2026-11-29",
    }
    assert "photo_reused" not in flags_of(fresh)


def test_a_reuse_synced_first_is_flagged_when_the_original_arrives(world):
    original = check(world, at("11-29 08:05"), photos=[photo("exit")])
    copy = check(world, at("11-30 08:05"), photos=[photo("exit")])
    sync(world["inspector"], [copy], at("11-30 19:00"))
    assert "photo_reused" not in flags_of(copy)
    sync(world["inspector"], [original], at("11-30 20:00"))  # the phone held it back
    assert flags_of(copy)["photo_reused"]["other_id"] == original["id"]
    assert "photo_reused" not in flags_of(original)


def test_two_checks_of_one_batch_sharing_a_photo(world):
    first = check(world, at("11-30 08:05"), photos=[photo("exit")])
    second = check(world, at("11-30 08:35"), site="CT-002", photos=[photo("exit")])
    sync(world["inspector"], [second, first])
    assert "photo_reused" not in flags_of(first)
    assert flags_of(second)["photo_reused"]["other_id"] == first["id"]


# --- late_sync --------------------------------------------------------------------------


def test_late_sync_is_counted_from_the_end_of_the_checks_day(world):
    late = check(world, at("11-28 08:05"))  # the day ended 11-29 00:00; NOW is 33 h later
    in_time = check(world, at("11-29 08:05"))  # 9 h after its day ended
    sync(world["inspector"], [late, in_time])
    assert flags_of(late)["late_sync"] == {"hours": 33.0, "limit": 24}
    assert "late_sync" not in flags_of(in_time)


# --- overlapping ------------------------------------------------------------------------


def test_one_inspector_at_two_sites_at_once_flags_both(world):
    first = check(world, at("11-30 08:05"), seconds=16 * 60)
    second = check(world, at("11-30 08:15"), seconds=15 * 60, site="CT-002")
    sync(world["inspector"], [first])
    sync(world["inspector"], [second], at("11-30 09:10"))
    assert flags_of(second)["overlapping"] == {
        "other_id": first["id"],
        "other_site": "CT-001",
        "overlap_seconds": 6 * 60,
    }
    assert flags_of(first)["overlapping"]["other_id"] == second["id"]  # the earlier one too


def test_one_after_the_other_or_twice_at_one_site_is_not_overlapping(world):
    first = check(world, at("11-30 08:05"), seconds=16 * 60)
    after = check(world, at("11-30 08:21"), seconds=9 * 60, site="CT-002")
    same_site = check(world, at("11-30 08:10"), seconds=5 * 60)
    colleague = world["manager"]  # another person of the unit, same time, other site
    sync(world["inspector"], [first, after, same_site])
    sync(colleague, [check(world, at("11-30 08:06"), site="CT-002")])
    for record in (first, after, same_site):
        assert "overlapping" not in flags_of(record)


# --- contradicted -----------------------------------------------------------------------


def office(world, start, fail=("EVAC-01",)):
    return check(world, start, kind="office", fail=fail, seconds=3600)


def test_an_office_check_that_fails_what_a_self_check_passed_contradicts_it(world):
    self_check = check(world, at("11-27 08:05"))  # 3 days before
    sync(world["inspector"], [self_check], at("11-27 19:00"))
    visit = office(world, at("11-30 08:10"))
    sync(world["city_a_office"], [visit], at("11-30 09:30"))
    assert flags_of(self_check)["contradicted"] == {
        "other_id": visit["id"],
        "other_kind": "office",
        "other_day": "2026-11-30",
        "items": ["EVAC-01"],
    }
    assert flags_of(visit) == {}


def test_no_contradiction_after_a_failure_too_early_or_on_an_item_not_daily(
    world,
):
    too_early = check(world, at("11-26 08:05"))  # 4 days before
    with_failure = check(world, at("11-29 08:05"), fail=("ELEC-05",))
    passed = check(world, at("11-29 09:05"), site="CT-002")
    sync(world["inspector"], [too_early], at("11-26 19:00"))
    sync(world["inspector"], [with_failure, passed], at("11-29 19:00"))
    sync(world["city_a_office"], [office(world, at("11-30 08:10"))], at("11-30 09:30"))
    # ELEC-03 is a monthly item: not on a daily check's form, so no self-check passed it.
    monthly_only = office(world, at("11-30 08:10"), fail=("ELEC-03",))
    monthly_only["site_code"] = "CT-002"
    sync(world["city_a_office"], [monthly_only], at("11-30 09:30"))
    for record in (too_early, with_failure, passed):
        assert "contradicted" not in flags_of(record)


def test_a_self_check_synced_after_the_office_check_is_contradicted_too(world):
    visit = office(world, at("11-30 08:10"))
    sync(world["city_a_office"], [visit], at("11-30 09:30"))
    self_check = check(world, at("11-29 08:05"))
    sync(world["inspector"], [self_check], at("11-30 09:45"))
    assert flags_of(self_check)["contradicted"]["other_id"] == visit["id"]


# --- exactly once, constant queries -----------------------------------------------------


def test_a_resent_batch_adds_no_flag(world):
    first = check(world, at("11-30 08:05"), token=None, seconds=5)  # also too fast
    second = check(world, at("11-30 08:05"), site="CT-002", photos=[photo("x")], token=None)
    batch = [first, second]
    sync(world["inspector"], batch)
    before = db.session.scalar(select(func.count(InspectionFlag.id)))
    results = sync(world["inspector"], batch, NOW + timedelta(minutes=5))
    assert {r["status"] for r in results} == {"duplicate"}
    assert db.session.scalar(select(func.count(InspectionFlag.id))) == before == 5


def test_the_flags_cost_the_same_queries_for_one_record_or_forty(world, app):
    statements = []

    def count(*_args):
        statements.append(1)

    def batch(size: int, hour: int) -> list[dict]:
        sites = ("CT-001", "CT-002")
        return [
            check(
                world,
                at(f"11-{20 + hour % 10:02d} {8 + n % 10:02d}:{n % 6 * 10:02d}"),
                seconds=5,
                site=sites[n % 2],
                token=("ct-made-up-token-zzzzzzz", None)[n % 2],
                photos=[photo(f"p{hour}-{n % 3}")],
            )
            for n in range(size)
        ]

    sizes = {}
    for size, hour in ((1, 1), (40, 2)):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            sync(world["inspector"], batch(size, hour))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        sizes[size] = len(statements)
    assert sizes[1] == sizes[40], sizes
