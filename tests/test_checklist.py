"""Which items a site's form shows (webapp/checklist.py): by the site's tags, by the
season on the SHELTER_TZ calendar day (time frozen in and out of each season), and by
frequency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import make_site, make_template, make_tree
from webapp.checklist import applicable_items, current_template
from webapp.days import today

ITEMS = [
    {"item_id": "EVAC-01", "applies_to": ["all"]},
    {"item_id": "EVAC-02", "applies_to": ["crowd"]},
    {"item_id": "FIRE-01", "applies_to": ["catering"]},
    {"item_id": "EVAC-03", "applies_to": ["park"]},
    {"item_id": "FIRE-02", "applies_to": ["store"]},
    {"item_id": "EVAC-04", "applies_to": ["early"]},
    {
        "item_id": "FIRE-03",
        "applies_to": ["hill"],
        "seasons": ["forest_fire"],
        "frequency": "seasonal",
    },
    {"item_id": "EVAC-05", "applies_to": ["all"], "seasons": ["flood"], "frequency": "seasonal"},
    {
        "item_id": "EVAC-06",
        "applies_to": ["lowlying"],
        "seasons": ["flood"],
        "frequency": "seasonal",
    },
    {"item_id": "FIRE-04", "applies_to": ["all"], "seasons": ["winter"], "frequency": "seasonal"},
    {"item_id": "FIRE-05", "applies_to": ["all"], "frequency": "monthly"},
    {"item_id": "EVAC-07", "applies_to": ["leased"]},
    {"item_id": "FIRE-06", "applies_to": ["crowd", "park"]},
]

ALWAYS = {"EVAC-01"}


@pytest.fixture
def unit(app):
    return make_tree()["unit_a"]


def shown(site, day=None) -> set[str]:
    template = current_template()
    return {item.item_id for item in applicable_items(template, site, day or today())}


# With the default seasons every day lies in at least one: 2026-10-25 is in the
# forest-fire season only (no flood, no winter).
OCTOBER = datetime(2026, 10, 25, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"usage": "office"}, ALWAYS),
        ({"usage": "parking"}, ALWAYS | {"EVAC-03", "FIRE-06"}),
        ({"usage": "commercial"}, ALWAYS | {"EVAC-02", "FIRE-06"}),
        ({"usage": "catering_entertainment"}, ALWAYS | {"EVAC-02", "FIRE-01", "FIRE-06"}),
        ({"usage": "office", "crowded": True, "capacity": 300}, ALWAYS | {"EVAC-02", "FIRE-06"}),
        ({"usage": "storage"}, ALWAYS | {"FIRE-02"}),
        ({"usage": "office", "year_built": 1980}, ALWAYS | {"EVAC-04"}),
        ({"usage": "office", "year_built": 1981}, ALWAYS),
        ({"usage": "idle", "status": "sealed", "year_built": 2000}, ALWAYS | {"EVAC-04"}),
        ({"usage": "office", "leased": True, "tenant": "某公司"}, ALWAYS | {"EVAC-07"}),
        ({"usage": "office", "hillside": True}, ALWAYS | {"FIRE-03"}),  # forest-fire season
        ({"usage": "office", "low_lying": True}, ALWAYS),  # flood items wait for the flood season
    ],
)
def test_items_by_site_tags(unit, fields, expected):
    make_template(ITEMS)
    site = make_site(unit, **fields)
    with time_machine.travel(OCTOBER, tick=False):
        assert shown(site) == expected


@pytest.mark.parametrize(
    "moment, seasonal",
    [
        # Shanghai is UTC+8: the season starts at local midnight, not UTC midnight.
        (datetime(2026, 5, 31, 15, 59, tzinfo=UTC), {"FIRE-03"}),  # 05-31 23:59 local: forest fire
        (
            datetime(2026, 5, 31, 16, 0, tzinfo=UTC),
            {"FIRE-03", "EVAC-05", "EVAC-06"},
        ),  # 06-01 00:00
        (datetime(2026, 6, 15, 12, 0, tzinfo=UTC), {"FIRE-03", "EVAC-05", "EVAC-06"}),  # both
        (datetime(2026, 6, 16, 12, 0, tzinfo=UTC), {"EVAC-05", "EVAC-06"}),  # flood only
        (datetime(2026, 9, 30, 15, 59, tzinfo=UTC), {"FIRE-03", "EVAC-05", "EVAC-06"}),
        (datetime(2026, 9, 30, 16, 0, tzinfo=UTC), {"FIRE-03"}),  # 10-01 local: flood over
        (OCTOBER, {"FIRE-03"}),  # forest fire only
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), {"FIRE-03", "FIRE-04"}),  # winter begins
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), {"FIRE-04"}),  # 01-01 local, winter wraps
        (datetime(2027, 3, 31, 4, 0, tzinfo=UTC), {"FIRE-03", "FIRE-04"}),
        (datetime(2027, 4, 1, 4, 0, tzinfo=UTC), {"FIRE-03"}),
    ],
)
def test_seasonal_items_follow_the_local_calendar(unit, moment, seasonal):
    make_template(ITEMS)
    site = make_site(unit, usage="office", hillside=True, low_lying=True)
    with time_machine.travel(moment, tick=False):
        assert shown(site) == ALWAYS | seasonal


def test_seasons_are_settings(app, unit):
    app.config["SHELTER_SEASONS"] = {"flood": [["07-10", "08-20"]], "winter": [], "forest_fire": []}
    make_template(ITEMS)
    site = make_site(unit, usage="office", low_lying=True)
    with time_machine.travel(datetime(2026, 6, 15, 4, 0, tzinfo=UTC), tick=False):
        assert shown(site) == ALWAYS
    with time_machine.travel(datetime(2026, 7, 15, 4, 0, tzinfo=UTC), tick=False):
        assert shown(site) == ALWAYS | {"EVAC-05", "EVAC-06"}


def test_monthly_and_supervisory_items_stay_off_the_daily_form(unit):
    template = make_template(ITEMS + [{"item_id": "EVAC-08", "frequency": "supervisory"}])
    site = make_site(unit, usage="office")
    day = datetime(2026, 10, 25, tzinfo=UTC).date()
    daily = {i.item_id for i in applicable_items(template, site, day)}
    office = {i.item_id for i in applicable_items(template, site, day, kind="office")}
    assert "FIRE-05" not in daily and "EVAC-08" not in daily
    assert {"FIRE-05", "EVAC-08"} <= office


def test_the_newest_published_version_is_current(unit):
    make_template(ITEMS, version=1)
    newer = make_template([{"item_id": "EVAC-01"}], version=2)
    make_template([{"item_id": "EVAC-01"}, {"item_id": "EVAC-02"}], version=3, published=False)
    assert current_template().id == newer.id
