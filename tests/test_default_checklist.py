"""The default checklist (webapp/seed/checklist.py, webapp/services/default_checklist.py)
and ``flask seed-checklist``: its content, the form it gives typical sites, idempotence."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from tests.factories import make_org, make_site
from webapp.checklist import applicable_items, current_template
from webapp.models.templates import Frequency, Grade
from webapp.seed import checklist

SITE_TAGS = {
    "all",
    "crowd",
    "catering",
    "park",
    "store",
    "early",
    "hill",
    "lowlying",
    "leased",
    "in_use",
}
EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def seed_checklist(runner):
    result = runner.invoke(args=["seed-checklist"], env=EN)
    assert result.exit_code == 0, result.output
    return result


def test_the_checklist_has_the_59_items_of_the_domain_table(app):
    items = checklist.ITEMS
    assert len(items) == 59 and len({item.item_id for item in items}) == 59
    by_category = Counter(item.category for item in items)
    assert by_category == {
        "MGT": 7,
        "FIRE": 8,
        "EVAC": 6,
        "ELEC": 5,
        "HAZ": 3,
        "VENT": 5,
        "WATER": 5,
        "STRUC": 5,
        "PROT": 4,
        "OPS": 4,
        "SEC": 2,
        "ENV": 5,
    }
    assert [code for code, _zh, _en in checklist.CATEGORIES] == list(by_category)
    seasons = set(app.config["SHELTER_SEASONS"])
    for item in items:
        assert set(item.applies_to) <= SITE_TAGS, item.item_id
        assert Frequency(item.frequency) and Grade(item.default_grade)
        assert (item.frequency == Frequency.SEASONAL) == bool(item.seasons), item.item_id
        assert set(item.seasons) <= seasons, item.item_id
        assert item.label_zh and item.label_en and item.guidance_zh and item.guidance_en
    assert {i.item_id for i in items if i.default_grade == Grade.MAJOR} == {
        "FIRE-08",
        "EVAC-05",
        "HAZ-01",
        "HAZ-02",
        "STRUC-03",
        "OPS-02",
        "OPS-03",
    }
    assert {i.item_id for i in items if i.fix_immediately} == {
        "EVAC-01",
        "EVAC-02",
        "HAZ-01",
        "ELEC-05",
    }
    assert {"flood", "winter", "forest_fire"} == {s for i in items for s in i.seasons}
    photo = {i.item_id for i in items if i.photo_required_on_fail}
    assert {"EVAC-01", "EVAC-02", "ELEC-05", "HAZ-01", "STRUC-01", "WATER-01"} <= photo


def test_seed_checklist_writes_the_published_template(runner):
    result = seed_checklist(runner)
    assert "12 checklist categories and 1 checklist templates (59 items)" in result.output
    template = current_template()
    assert (template.key, template.version, template.published) == ("daily", 1, True)
    assert [item.item_id for item in template.items] == [i.item_id for i in checklist.ITEMS]
    evac = next(item for item in template.items if item.item_id == "EVAC-01")
    assert (evac.category_ref.name_zh, evac.fix_immediately, evac.photo_required_on_fail) == (
        "安全疏散",
        True,
        True,
    )
    assert "Nothing was missing" in seed_checklist(runner).output


@pytest.mark.parametrize(
    ("fields", "day", "low", "high", "present", "absent"),
    [
        # A typical in-use car park, outside every season and in the flood season.
        (
            {"usage": "parking"},
            date(2026, 5, 1),
            15,
            25,
            {"ELEC-05", "VENT-03", "FIRE-03"},
            {"WATER-02", "WATER-04", "OPS-01", "HAZ-02", "MGT-01"},
        ),
        (
            {"usage": "parking", "leased": True},
            date(2026, 7, 15),
            15,
            25,
            {"WATER-02", "WATER-04"},
            {"ENV-05", "MGT-02"},
        ),
        # A crowded restaurant in winter: catering and crowd items, ice on the floor.
        (
            {"usage": "catering_entertainment", "crowded": True},
            date(2026, 1, 10),
            20,
            32,
            {"HAZ-02", "OPS-01", "OPS-04", "VENT-02", "WATER-02"},
            {"WATER-04", "ENV-05"},
        ),
        # A sealed early hillside tunnel in the forest-fire season.
        (
            {"usage": "idle", "status": "sealed", "year_built": 1969, "hillside": True},
            date(2026, 4, 20),
            10,
            25,
            {"ENV-05", "VENT-05"},
            {"MGT-07", "SEC-01", "VENT-01"},
        ),
        (
            {"usage": "idle", "status": "sealed", "year_built": 1969, "hillside": True},
            date(2026, 8, 1),
            10,
            25,
            {"WATER-04"},
            {"ENV-05"},
        ),
    ],
)
def test_a_sites_daily_form(runner, fields, day, low, high, present, absent):
    seed_checklist(runner)
    site = make_site(make_org(), **fields)
    shown = {item.item_id for item in applicable_items(current_template(), site, day)}
    assert low <= len(shown) <= high, sorted(shown)
    assert present <= shown and not absent & shown
