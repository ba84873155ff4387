"""The hazard work of the demo history, through ``hazards.record_event``: fixes made on
the spot are verified by someone else; rectification orders are rectified by the unit's
inspector and verified by someone else (some late, some rejected once, a few left undone);
a few become major hazards with a remediation plan, some under supervision (挂牌督办)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from webapp import days
from webapp.demo.activity import story
from webapp.demo.activity.cast import DemoSite
from webapp.demo.activity.plan import (
    FIX_DAYS,
    LATE_FIX_SHARE,
    MIN_OVERDUE,
    NEGLECTED_SHARE,
    REJECTED_SHARE,
    HazardRef,
    Order,
    Plan,
)
from webapp.models import EventType, User
from webapp.models.templates import Grade


def plan_follow_up(
    plan: Plan,
    record: dict,
    failures: dict[str, dict],
    site: DemoSite,
    finder: User,
    received: datetime,
) -> None:
    """A fix made on the spot is verified within two days by the unit's manager (or the
    office above); orders wait for ``plan_orders``, which needs to know all of them."""
    for item_id, result in failures.items():
        ref = HazardRef(record["id"], item_id)
        order = result["rectification"]
        if order["mode"] == "order":
            deadline = date.fromisoformat(order["deadline"])
            plan.orders.append(
                Order(ref, site, record["kind"], finder, received, deadline, order["measures"])
            )
            continue
        checker = plan.cast.manager.get(site.unit_id)
        if checker is not None:
            day = days.local_day(received) + timedelta(days=plan.rng.randint(0, 2))
            moment = plan.working_moment(day, after=received)
            plan.event(moment, checker, ref, EventType.VERIFIED, note=_verified_note(plan))


def plan_orders(plan: Plan) -> None:
    """The fate of every rectification order: a few become major hazards, a few are left
    undone (at least MIN_OVERDUE of them overdue by now), the rest are rectified."""
    majors = _choose_majors(plan)
    for number, order in enumerate(majors):
        _plan_major(plan, order, supervised=number < len(majors) // 2, closes=number == 0)
    chosen = {id(order) for order in majors}
    ordinary = [order for order in plan.orders if id(order) not in chosen]
    undone = {id(order) for order in ordinary if plan.rng.random() < NEGLECTED_SHARE}
    overdue = sum(1 for o in ordinary if id(o) in undone and o.deadline < plan.today)
    passed = [o for o in ordinary if id(o) not in undone and o.deadline < plan.today]
    for order in plan.rng.sample(passed, max(0, min(len(passed), MIN_OVERDUE - overdue))):
        undone.add(id(order))
    for order in ordinary:
        if id(order) not in undone:
            _plan_rectification(plan, order)


def _checker(plan: Plan, order: Order) -> User | None:
    """Who verifies an order: the office that found it, or for a self-check the unit's
    manager (else the office above the unit)."""
    if order.source == "self":
        return plan.cast.manager.get(order.site.unit_id)
    return order.found_by


def _plan_rectification(plan: Plan, order: Order) -> None:
    rng = plan.rng
    inspector, checker = plan.cast.inspector.get(order.site.unit_id), _checker(plan, order)
    if inspector is None or checker is None:
        return
    found = days.local_day(order.received)
    if rng.random() < LATE_FIX_SHARE:
        day = order.deadline + timedelta(days=rng.randint(1, 6))
    else:
        (after,) = rng.choices(list(FIX_DAYS), weights=list(FIX_DAYS.values()))
        day = min(found + timedelta(days=after), order.deadline)
    rectified = plan.working_moment(day, after=order.received)
    if not _rectify(plan, inspector, order, rectified):
        return
    checked = plan.working_moment(_after_days(rectified, rng.randint(0, 2)), rectified)
    if rng.random() < REJECTED_SHARE:
        note = rng.choice(story.REJECTED_NOTES)
        if not plan.event(checked, checker, order.ref, EventType.REJECTED, note=note):
            return
        again = plan.working_moment(_after_days(checked, rng.randint(1, 3)), checked)
        if not _rectify(plan, inspector, order, again):
            return
        checked = plan.working_moment(_after_days(again, 1), again)
    plan.event(checked, checker, order.ref, EventType.VERIFIED, note=_verified_note(plan))


def _rectify(plan: Plan, inspector: User, order: Order, moment: datetime) -> bool:
    note = plan.rng.choice(story.RECTIFIED_NOTES).format(measures=order.measures)
    photos = [plan.photos[(inspector.id, "fixed")]]
    return plan.event(moment, inspector, order.ref, EventType.RECTIFIED, note=note, photos=photos)


def _verified_note(plan: Plan) -> str | None:
    return plan.rng.choice(story.VERIFIED_NOTES) or None


def _after_days(moment: datetime, count: int) -> date:
    return days.local_day(moment) + timedelta(days=count)


# --- major hazards ---------------------------------------------------------------------------


def _choose_majors(plan: Plan) -> list[Order]:
    """Orders that an office re-grades as major (4 in a history of a month or more, else
    2): items that can be serious, at units below a city-level office (which may then
    supervise them), found at least four days ago (so their plan is in by now)."""
    latest = plan.today - timedelta(days=4)
    candidates = [
        order
        for order in plan.orders
        if order.ref.item_id in story.MAJOR_ITEMS
        and order.source != "covert"
        and order.site.unit_id in plan.cast.office_of
        and days.local_day(order.received) <= latest
    ]
    wanted = 4 if plan.span >= 30 else 2
    chosen = plan.rng.sample(candidates, min(wanted, len(candidates)))
    return sorted(chosen, key=lambda order: order.received)


def _plan_major(plan: Plan, order: Order, supervised: bool, closes: bool) -> None:
    """Re-graded by the city-level office the next day; its remediation plan recorded the
    day after (by the unit's manager, else the office); put under supervision by the
    office if ``supervised``; progress every week. If ``closes``, rectified and verified
    (by the supervising office if supervised) once the progress notes are done."""
    rng = plan.rng
    office = plan.cast.office_of[order.site.unit_id]
    officer = plan.cast.supervisor.get(office.id)
    inspector = plan.cast.inspector.get(order.site.unit_id)
    planner = plan.cast.manager.get(order.site.unit_id) or officer
    if officer is None or inspector is None:
        return
    found = days.local_day(order.received)
    regraded = plan.working_moment(found + timedelta(days=1), after=order.received)
    grade = Grade.MAJOR.value
    plan.event(
        regraded, officer, order.ref, EventType.REGRADE, grade=grade, note=story.REGRADE_NOTE
    )
    last = plan.working_moment(found + timedelta(days=2), after=regraded)
    plan.event(
        last,
        planner,
        order.ref,
        EventType.PLAN,
        deadline=found + timedelta(days=rng.randint(60, 120)),
        funds_amount=Decimal(rng.randint(*story.MAJOR_FUNDS) // 1000 * 1000),
        funds_source=rng.choice(story.FUNDS_SOURCES),
        **story.MAJOR_PLAN,
    )
    if supervised:
        last = plan.working_moment(found + timedelta(days=3), after=last)
        day = days.local_day(last)
        notice = story.SUPERVISION_NOTICE.format(
            office=story.city_short_name(office.code), year=day.year, number=rng.randint(1, 40)
        )
        plan.event(last, officer, order.ref, EventType.SUPERVISE, notice=notice, supervised_on=day)
    for note in story.PROGRESS_NOTES:
        last = plan.working_moment(_after_days(last, rng.randint(5, 9)), last)
        if not plan.event(last, inspector, order.ref, EventType.PROGRESS, note=note):
            return
    if closes:
        done = plan.working_moment(_after_days(last, 3), last)
        if _rectify(plan, inspector, order, done):
            checker = officer if supervised else _checker(plan, order)
            verified = plan.working_moment(_after_days(done, 2), done)
            plan.event(verified, checker, order.ref, EventType.VERIFIED, note=_verified_note(plan))
