"""The hazard state machine and its rules (webapp/services/hazards.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import make_failed_inspection
from tests.hazard_world import (
    FULL_PLAN,
    PHOTO,
    PHOTO2,
    act,
    hazard_in,
    make_world,
    open_hazard,
    valid_fields,
)
from webapp import days
from webapp.extensions import db
from webapp.models import Hazard, HazardEvent
from webapp.scope import OutOfScope, can_see_photo
from webapp.services.hazards import HazardRefused, allowed_actions, open_hazards_from_inspection

ACTORS = [
    "insp",
    "insp2",
    "mgr",
    "other_mgr",
    "county_sup",
    "city_sup",
    "prov_sup",
    "cityb_sup",
    "city_admin",
]

# Who may do what on a self-found, general hazard (a major one for "supervise") that is in
# the state the action starts from. "ok" = allowed; 403 = in scope, role forbids; 404 =
# out of scope. "rectified" by insp before verified/rejected (so insp is the same person).
ROLE_TABLE = {
    "assign": dict(
        insp=403,
        insp2=403,
        mgr="ok",
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
    "plan": dict(
        insp=403,
        insp2=403,
        mgr="ok",
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
    "progress": dict(
        insp="ok",
        insp2="ok",
        mgr="ok",
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
    "rectified": dict(
        insp="ok",
        insp2="ok",
        mgr="ok",
        other_mgr=404,
        county_sup=403,
        city_sup=403,
        prov_sup=403,
        cityb_sup=404,
        city_admin=403,
    ),
    "verified": dict(
        insp=403,
        insp2=403,
        mgr="ok",
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
    "rejected": dict(
        insp=403,
        insp2=403,
        mgr="ok",
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
    "regrade": dict(
        insp=403,
        insp2=403,
        mgr="ok",
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
    "supervise": dict(
        insp=403,
        insp2=403,
        mgr=403,
        other_mgr=404,
        county_sup="ok",
        city_sup="ok",
        prov_sup="ok",
        cityb_sup=404,
        city_admin="ok",
    ),
}
START_STATE = {
    "assign": "open",
    "plan": "open",
    "progress": "open",
    "rectified": "rectifying",
    "verified": "rectified",
    "rejected": "rectified",
    "regrade": "open",
    "supervise": "open",
}

# Which states each action may start from, and where it leads ("same" = unchanged).
STATE_TABLE = {
    "assign": dict(open="rectifying", rectifying="rectifying", rectified=409, closed=409),
    "plan": dict(open="rectifying", rectifying="rectifying", rectified=409, closed=409),
    "progress": dict(open="open", rectifying="rectifying", rectified=409, closed=409),
    "rectified": dict(open="rectified", rectifying="rectified", rectified=409, closed=409),
    "verified": dict(open=409, rectifying=409, rectified="closed", closed=409),
    "rejected": dict(open=409, rectifying=409, rectified="rectifying", closed=409),
    "regrade": dict(open="open", rectifying="rectifying", rectified="rectified", closed=409),
    "supervise": dict(open="open", rectifying="rectifying", rectified="rectified", closed=409),
}
GOOD_ACTOR = {
    "assign": "mgr",
    "plan": "mgr",
    "progress": "insp",
    "rectified": "insp2",
    "verified": "city_sup",
    "rejected": "city_sup",
    "regrade": "mgr",
    "supervise": "city_sup",
}


@pytest.fixture(autouse=True)
def request_context(app):
    # Refusal messages are translated, and the language comes from the request.
    with app.test_request_context():
        yield


def _events(hazard) -> int:
    return db.session.scalar(
        select(func.count(HazardEvent.id)).where(HazardEvent.hazard_id == hazard.id)
    )


@pytest.mark.parametrize("action,actor", [(a, u) for a in ROLE_TABLE for u in ACTORS])
def test_who_may_do_what(app, action, actor):
    world = make_world()
    major = action == "supervise"
    hazard = hazard_in(world, START_STATE[action], major=major)
    before_status, before_events = hazard.status, _events(hazard)
    expected = ROLE_TABLE[action][actor]
    if expected == "ok":
        outcome = act(world, actor, hazard, action, **valid_fields(action))
        assert outcome.created
        assert _events(hazard) == before_events + 1
        return
    error = OutOfScope if expected == 404 else HazardRefused
    with pytest.raises(error) as refused:
        act(world, actor, hazard, action, **valid_fields(action))
    if expected == 403:
        assert refused.value.status == 403
    db.session.expire_all()
    assert (hazard.status, _events(hazard)) == (before_status, before_events)


@pytest.mark.parametrize("action,state", [(a, s) for a in STATE_TABLE for s in STATE_TABLE[a]])
def test_state_machine(app, action, state):
    world = make_world()
    major = action == "supervise"
    hazard = hazard_in(world, state, major=major)
    expected = STATE_TABLE[action][state]
    fields = valid_fields(action)
    if action == "regrade" and major:
        fields["grade"] = "general"
    if expected == 409:
        with pytest.raises(HazardRefused) as refused:
            act(world, GOOD_ACTOR[action], hazard, action, **fields)
        assert refused.value.status == 409
        assert refused.value.error == "transition_not_allowed"
        db.session.expire_all()
        assert hazard.status == state
    else:
        outcome = act(world, GOOD_ACTOR[action], hazard, action, **fields)
        assert outcome.event.from_status == state
        assert outcome.event.to_status == expected
        assert hazard.status == expected


def test_failed_items_become_hazards_with_their_details(app):
    world = make_world()
    inspection = make_failed_inspection(
        world.site,
        world.user("county_sup"),
        world.template,
        {"FIRE-01": None, "FIRE-08": None},
        kind="office",
        photos={"FIRE-01": {"evidence": [PHOTO]}},
    )
    hazards = open_hazards_from_inspection(inspection)
    db.session.commit()
    by_item = {h.item_id: h for h in hazards}
    fire = by_item["FIRE-01"]
    assert (fire.site_id, fire.category, fire.grade, fire.source, fire.status) == (
        world.site.id,
        "FIRE",
        "general",
        "office",
        "open",
    )
    assert fire.found_by_id == world.user("county_sup").id
    assert fire.found_by_org_id == world.tree["county"].id
    assert fire.found_at == inspection.finished_at
    assert fire.description == "FIRE-01 不合格"
    assert fire.events[0].type == "opened" and fire.events[0].photos == [PHOTO]
    assert by_item["FIRE-08"].grade == "major" and by_item["FIRE-08"].major
    # Running the hook again for the same inspection adds nothing.
    assert open_hazards_from_inspection(inspection) == []
    assert db.session.scalar(select(func.count(Hazard.id))) == 2


def test_fixed_on_the_spot_goes_straight_to_rectified(app):
    world = make_world()
    hazard = open_hazard(
        world,
        "EVAC-01",
        {"mode": "on_spot", "action": "打开了锁闭的出口"},
        photos={"EVAC-01": {"evidence": [PHOTO], "after": [PHOTO2]}},
    )
    assert hazard.status == "rectified" and hazard.fixed_on_spot
    assert hazard.measures == "打开了锁闭的出口"
    assert hazard.rectified_by_id == world.user("insp").id
    opened, rectified = hazard.events
    assert (rectified.type, rectified.from_status, rectified.to_status) == (
        "rectified",
        "open",
        "rectified",
    )
    assert rectified.photos == [PHOTO2] and rectified.data == {"on_spot": True}
    # The finder fixed it, so the finder cannot verify it; the unit manager can.
    with pytest.raises(HazardRefused):
        act(world, "insp", hazard, "verified")
    act(world, "mgr", hazard, "verified")
    assert hazard.status == "closed" and hazard.closed_by_id == world.user("mgr").id


def test_a_field_order_applies_its_deadline_and_defaults(app):
    world = make_world()
    deadline = days.today() + timedelta(days=5)
    hazard = open_hazard(
        world,
        "FIRE-01",
        {
            "mode": "order",
            "responsible": "李四",
            "responsible_phone": "139",
            "deadline": deadline.isoformat(),
            "measures": "更换灭火器",
            "funds": {"amount": "300", "source": "运维经费"},
        },
    )
    assert hazard.status == "rectifying"
    assert (hazard.responsible_name, hazard.deadline, hazard.measures) == (
        "李四",
        deadline,
        "更换灭火器",
    )
    assert (hazard.funds_amount, hazard.funds_source) == (Decimal("300.00"), "运维经费")
    # An immediate item without a deadline gets today; an ordinary one the default days.
    immediate = open_hazard(
        world, "EVAC-01", {"mode": "order", "responsible": "李四", "measures": "立即开锁"}
    )
    assert immediate.deadline == days.today()
    ordinary = open_hazard(
        world, "FIRE-01", {"mode": "order", "responsible": "李四", "measures": "更换"}
    )
    assert ordinary.deadline == days.today() + timedelta(days=7)


def test_a_major_field_order_waits_for_its_plan(app):
    world = make_world()
    hazard = open_hazard(
        world, "FIRE-08", {"mode": "order", "responsible": "李四", "measures": "拆除"}
    )
    assert hazard.status == "open" and hazard.measures == "拆除"
    assert hazard.events[-1].data["pending"] == "plan_incomplete"


@pytest.mark.parametrize(
    "action,fields,error,field",
    [
        ("assign", dict(measures="x", deadline="yesterday"), 422, "deadline"),
        ("assign", dict(measures="x", deadline="cap+1"), 422, "deadline"),
        (
            "assign",
            dict(measures="x", responsible_name="张三", responsible_phone=" "),
            422,
            "responsible_phone",
        ),
        (
            "assign",
            dict(responsible_name="张三", responsible_phone="1", measures=""),
            422,
            "measures",
        ),
        ("assign", dict(responsible_username="nobody", measures="x"), 422, "responsible_username"),
        ("rectified", dict(note="done", photos=[]), 422, "photos"),
        ("rectified", dict(note="", photos=[PHOTO]), 422, "note"),
        ("rectified", dict(note="done", photos=["not-a-hash"]), 422, "photos"),
        ("progress", dict(), 422, "note"),
        ("regrade", dict(grade="major"), 422, "note"),
        ("regrade", dict(grade="general", note="why"), 422, "grade"),
        ("regrade", dict(grade="huge", note="why"), 422, "grade"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_changes(app, action, fields, error, field):
    world = make_world()
    hazard = hazard_in(world, "rectifying" if action == "rectified" else "open")
    defaults = {"responsible_name": "张三", "responsible_phone": "1"} if action == "assign" else {}
    fields = {**defaults, **fields}
    if fields.get("deadline") == "yesterday":
        fields["deadline"] = days.today() - timedelta(days=1)
    elif fields.get("deadline") == "cap+1":
        fields["deadline"] = days.local_day(hazard.found_at) + timedelta(days=31)
    before = (hazard.status, _events(hazard), hazard.measures, hazard.deadline)
    with pytest.raises(HazardRefused) as refused:
        act(world, "mgr", hazard, action, **fields)
    assert refused.value.status == error
    assert field in refused.value.fields
    db.session.expire_all()
    assert (hazard.status, _events(hazard), hazard.measures, hazard.deadline) == before


def test_deadline_cap_is_thirty_days_for_ordinary_hazards(app):
    world = make_world()
    hazard = hazard_in(world, "open")
    last = days.local_day(hazard.found_at) + timedelta(days=30)
    act(world, "mgr", hazard, "assign", **{**valid_fields("assign"), "deadline": last})
    assert hazard.deadline == last


def test_a_major_hazard_needs_its_full_plan_before_it_proceeds(app):
    world = make_world()
    hazard = hazard_in(world, "open", major=True)
    with pytest.raises(HazardRefused) as refused:
        act(world, "mgr", hazard, "assign", **valid_fields("assign"))
    assert refused.value.error == "plan_incomplete"
    assert {"plan_objectives", "plan_contingency", "plan_interim_measures"} <= set(
        refused.value.fields
    )
    with pytest.raises(HazardRefused) as refused:
        act(world, "insp", hazard, "rectified", note="done", photos=[PHOTO])
    assert refused.value.error == "plan_incomplete"
    partial = {k: v for k, v in FULL_PLAN.items() if k != "plan_contingency"}
    with pytest.raises(HazardRefused) as refused:
        act(world, "mgr", hazard, "plan", **partial, deadline=days.today() + timedelta(days=60))
    assert list(refused.value.fields) == ["plan_contingency"]
    db.session.expire_all()
    assert hazard.status == "open" and hazard.plan_objectives is None
    # The full plan moves it on; its deadline may exceed the ordinary 30-day cap.
    deadline = days.today() + timedelta(days=60)
    act(world, "mgr", hazard, "plan", **FULL_PLAN, deadline=deadline)
    assert hazard.status == "rectifying" and hazard.deadline == deadline
    assert hazard.events[-1].data["plan_contingency"] == "火灾应急预案（2026版）"


def test_the_person_who_rectified_cannot_verify(app):
    world = make_world()
    hazard = hazard_in(world, "rectifying")
    act(world, "mgr", hazard, "rectified", note="自己修好了", photos=[PHOTO])
    for action in ("verified", "rejected"):
        with pytest.raises(HazardRefused) as refused:
            act(world, "mgr", hazard, action, note="x")
        assert refused.value.error == "same_person"
    act(world, "county_sup", hazard, "verified")
    assert hazard.status == "closed"


def test_rejection_goes_back_to_rectifying_and_keeps_history(app):
    world = make_world()
    hazard = hazard_in(world, "rectified")
    act(world, "mgr", hazard, "rejected", note="灭火器仍过期")
    assert hazard.status == "rectifying" and hazard.rectified_by_id is None
    act(world, "insp2", hazard, "rectified", note="已更换", photos=[PHOTO2])
    act(world, "mgr", hazard, "verified")
    types = [e.type for e in hazard.events]
    assert types == ["opened", "assign", "rectified", "rejected", "rectified", "verified"]


def test_hazards_found_by_an_office_are_verified_by_that_office_or_above(app):
    world = make_world()
    hazard = open_hazard(world, "FIRE-01", finder="county_sup", kind="office")
    act(world, "mgr", hazard, "assign", **valid_fields("assign"))
    act(world, "insp", hazard, "rectified", note="done", photos=[PHOTO])
    with pytest.raises(HazardRefused) as refused:
        act(world, "mgr", hazard, "verified")
    assert refused.value.status == 403
    act(world, "city_sup", hazard, "verified")  # the office above the finder
    assert hazard.status == "closed"
    covert = open_hazard(world, "FIRE-01", finder="prov_sup", kind="covert")
    act(world, "mgr", covert, "assign", **valid_fields("assign"))
    act(world, "insp", covert, "rectified", note="done", photos=[PHOTO])
    for below in ("mgr", "county_sup", "city_sup"):
        with pytest.raises(HazardRefused):
            act(world, below, covert, "verified")
    act(world, "prov_sup", covert, "verified")
    assert covert.source == "covert" and covert.status == "closed"


def test_only_the_supervising_office_closes_a_supervised_hazard(app):
    world = make_world()
    hazard = hazard_in(world, "rectifying", major=True)
    act(world, "city_sup", hazard, "supervise", notice="甲人防督〔2026〕3号")
    assert hazard.supervised and hazard.supervising_org_id == world.tree["city_a"].id
    assert hazard.supervised_on == days.today()
    with pytest.raises(HazardRefused) as refused:
        act(world, "county_sup", hazard, "supervise", notice="again")
    assert refused.value.error == "already_supervised"
    act(world, "insp", hazard, "rectified", note="已拆除", photos=[PHOTO])
    for other in ("mgr", "county_sup", "prov_sup"):
        with pytest.raises(HazardRefused) as refused:
            act(world, other, hazard, "verified")
        assert refused.value.error == "supervised_elsewhere"
        assert refused.value.status == 403
    with pytest.raises(HazardRefused):
        act(world, "mgr", hazard, "regrade", grade="general", note="降级")
    act(world, "city_admin", hazard, "verified", note="摘牌")
    assert hazard.status == "closed" and hazard.events[-1].data == {"delisted": True}


def test_supervision_needs_a_major_hazard_and_a_notice(app):
    world = make_world()
    general = hazard_in(world, "open")
    with pytest.raises(HazardRefused) as refused:
        act(world, "city_sup", general, "supervise", notice="1号")
    assert refused.value.error == "not_major"
    major = hazard_in(world, "open", major=True)
    with pytest.raises(HazardRefused) as refused:
        act(world, "city_sup", major, "supervise", notice=" ")
    assert "notice" in refused.value.fields
    with pytest.raises(HazardRefused) as refused:
        act(
            world,
            "city_sup",
            major,
            "supervise",
            notice="1号",
            supervised_on=days.today() + timedelta(days=1),
        )
    assert "supervised_on" in refused.value.fields


def test_regrade_records_the_reason(app):
    world = make_world()
    hazard = hazard_in(world, "open")
    act(world, "county_sup", hazard, "regrade", grade="major", note="人员密集场所无法当场整改")
    event = hazard.events[-1]
    assert hazard.grade == "major"
    assert event.data == {"from_grade": "general", "to_grade": "major"}
    assert event.note == "人员密集场所无法当场整改"


def test_a_resent_action_is_recorded_once(app):
    world = make_world()
    hazard = hazard_in(world, "rectifying")
    from webapp.services.hazards import EventRequest, record_event

    request = EventRequest(
        id="0f8b7c1e-1111-4222-8333-444455556666", type="rectified", note="done", photos=[PHOTO]
    )
    first = record_event(world.user("insp"), hazard.id, request)
    again = record_event(world.user("insp"), hazard.id, request)
    assert first.created and not again.created and again.event.id == first.event.id
    assert _events(hazard) == 3
    with pytest.raises(HazardRefused) as refused:
        record_event(
            world.user("insp"), hazard.id, EventRequest(id=request.id, type="progress", note="x")
        )
    assert refused.value.status == 409


def test_allowed_actions_match_the_rules(app):
    world = make_world()
    hazard = hazard_in(world, "rectified")
    assert allowed_actions(world.user("insp"), hazard) == []
    assert set(allowed_actions(world.user("mgr"), hazard)) == {"verified", "rejected", "regrade"}
    major = hazard_in(world, "open", major=True)
    assert "supervise" in allowed_actions(world.user("county_sup"), major)
    assert "supervise" not in allowed_actions(world.user("mgr"), major)


def test_a_resent_event_id_outside_the_scope_answers_not_found(app):
    from webapp.services.hazards import EventRequest, record_event

    world = make_world()
    hazard = hazard_in(world, "rectifying")
    request = EventRequest(id=str(uuid.uuid4()), type="rectified", note="done", photos=[PHOTO])
    record_event(world.user("insp"), hazard.id, request)
    # The same id again, from outside the scope: 404, not the stored event and hazard.
    for outsider in ("other_mgr", "cityb_sup"):
        with pytest.raises((LookupError, OutOfScope)):
            record_event(world.user(outsider), hazard.id, request)
        # A known id sent as another action: still 404, not 409 (ids are not probed).
        with pytest.raises((LookupError, OutOfScope)):
            record_event(
                world.user(outsider), hazard.id, EventRequest(id=request.id, type="progress")
            )
    with pytest.raises(LookupError):
        record_event(world.user("insp"), hazard.id + 1000, request)
    assert _events(hazard) == 3


def test_the_responsible_user_must_be_in_the_actors_scope(app):
    world = make_world()
    # The province supervisor can see the site, but the unit manager cannot see them.
    outside = dict(valid_fields("assign"), responsible_name=None, responsible_phone=None)
    answers = []
    for username in (world.user("prov_sup").username, "nobody-by-this-name"):
        hazard = open_hazard(world)
        with pytest.raises(HazardRefused) as refused:
            act(world, "mgr", hazard, "assign", **{**outside, "responsible_username": username})
        assert refused.value.status == 422
        assert hazard.responsible_user_id is None and hazard.status == "open"
        answers.append(refused.value.fields)
    assert answers[0] == answers[1] and "responsible_username" in answers[0]
    hazard = open_hazard(world)
    act(
        world,
        "mgr",
        hazard,
        "assign",
        **{**outside, "responsible_username": world.user("insp2").username},
    )
    assert hazard.responsible_user_id == world.user("insp2").id


def test_the_unit_filter_matches_the_code_exactly_and_only_in_scope(app):
    from tests.factories import make_org, make_site
    from tests.hazard_world import World
    from webapp.models import OrgKind
    from webapp.services.hazards import HazardFilters, hazard_query

    world = make_world()
    county = world.tree["county"]
    hazards = {}
    for code in ("U_X", "UAX"):
        with db.session.no_autoflush:  # county.children loads while the new org is placed
            unit = make_org(code, OrgKind.UNIT, county)
        site = make_site(unit)
        hazards[code] = open_hazard(World(world.tree, site, world.template, world.users))

    def listed(who, unit):
        query = hazard_query(world.user(who), HazardFilters(unit=unit))
        return {h.id for h in db.session.scalars(query)}

    assert listed("prov_sup", "U_X") == {hazards["U_X"].id}
    assert listed("prov_sup", "CA-K") == {hazards["U_X"].id, hazards["UAX"].id}
    # An organisation above the user's scope and an unknown code both list nothing.
    assert listed("county_sup", "CA-K") == {hazards["U_X"].id, hazards["UAX"].id}
    assert listed("county_sup", "CA") == set()
    assert listed("county_sup", "NOPE") == set()


def test_an_event_referencing_another_units_photo_is_taken_like_one_not_uploaded(app):
    """Refusing it would confirm the photo exists (issue 15, finding 2); it grants nothing
    (tests/test_photo_references.py)."""
    from webapp.models import Photo, PhotoUpload

    world = make_world()
    hazard = hazard_in(world, "rectifying")
    foreign, own = "c" * 64, "d" * 64
    for sha, who in ((foreign, "cityb_sup"), (own, "insp")):
        uploader = world.user(who)
        db.session.add(
            Photo(sha256=sha, content_type="image/jpeg", size=1, uploaded_by_id=uploader.id)
        )
        db.session.add(PhotoUpload(sha256=sha, user_id=uploader.id, org_id=uploader.org_id))
    db.session.commit()
    act(world, "insp", hazard, "progress", note="x", photos=[PHOTO2, foreign])
    act(world, "insp", hazard, "progress", note="x", photos=[PHOTO2, own])
    assert _events(hazard) == 4
    manager = world.user("county_sup")
    assert can_see_photo(manager, db.session.get(Photo, own))
    assert not can_see_photo(manager, db.session.get(Photo, foreign))
