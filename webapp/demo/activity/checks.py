"""The inspections of the demo history, as the phones send them: daily self-checks by
each unit's inspector, supervisory checks by the city-level offices, covert checks by
the province, and the placeholder photos their failures carry."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from functools import partial

from webapp import days
from webapp.demo.activity import quirks, story
from webapp.demo.activity.cast import DemoSite, FormItems
from webapp.demo.activity.hazard_work import plan_follow_up
from webapp.demo.activity.plan import (
    COVERT_CHECK_CHANCE,
    COVERT_FAILING_SHARE,
    DILIGENCE,
    FAILING_SHARE,
    LATE_SYNC_SHARE,
    OFFICE_CHECK_CHANCE,
    OFFICE_FAILING_SHARE,
    ON_SPOT_SHARE,
    SECOND_FAILURE_SHARE,
    UNSCANNED_SHARE,
    HistoryRefused,
    Plan,
    iso,
)
from webapp.demo.activity.quirks import placeholder_jpeg
from webapp.due import site_due_on
from webapp.models import User
from webapp.services.photos import store_photo
from webapp.services.sync.batch import MAX_BATCH, record_inspections
from webapp.services.sync.storing import SyncSource

# --- photos -----------------------------------------------------------------------------------


def plan_photos(plan: Plan) -> None:
    """Each inspector's phone uploads a photo of a finished rectification ("fixed") before
    the first check, which its hazard work reports (a photo must be one its user may see,
    and one uploaded by them always is). The photos of failures are taken at each check
    (``quirks.failure_photo``): one inspection's photo is never another's, but where the
    story says so."""
    moment = plan.at(plan.first, 7)
    for number, user in enumerate(plan.cast.inspector.values()):
        data = placeholder_jpeg(f"{user.username} fixed", False, number)
        sha = hashlib.sha256(data).hexdigest()
        plan.photos[(user.id, "fixed")] = sha
        plan.add(moment, partial(store_photo, user, sha, data))
        plan.counts.photos += 1


# --- daily self-checks ------------------------------------------------------------------------


def plan_daily_checks(plan: Plan) -> None:
    """Every day each unit's inspector goes round most of the unit's due sites, one after
    the other between 08:00 and 15:30; the phone syncs them when the round is done, before
    the reminders' daily cut-off (16:00), now and then (LATE_SYNC_SHARE of the days) only
    the next morning."""
    by_unit: dict[int, list[DemoSite]] = {}
    for site in plan.cast.sites:
        by_unit.setdefault(site.unit_id, []).append(site)
    diligence = {
        unit_id: story.SLOPPY_UNITS.get(plan.cast.unit_code[unit_id])
        or plan.rng.uniform(*DILIGENCE)
        for unit_id in by_unit
    }
    for day in plan.days():
        for unit_id, sites in by_unit.items():
            inspector = plan.cast.inspector.get(unit_id)
            if inspector is None:
                continue
            if plan.rng.random() < LATE_SYNC_SHARE:
                synced = plan.at(day + timedelta(days=1), 7, 30)
                synced += timedelta(minutes=plan.rng.randrange(120))
            else:  # or as soon as the day's checks so far are done, today
                synced = plan.at(day, 15, 30) + timedelta(minutes=plan.rng.randrange(25))
                synced = min(synced, plan.now)
            unit_code = plan.cast.unit_code[unit_id]
            due = [site for site in sites if site_due_on(site.status, plan.first, day)]
            checked = _checked(plan, due, diligence[unit_id], unit_code in story.SLOPPY_UNITS)
            visits = _round(plan, day, len(checked))
            quirks.rushed(plan, unit_code, visits)
            quirks.overlapped(plan, unit_code, day, visits)
            synced = quirks.offline_phone_sync(plan, unit_code, day, synced)
            for site, visit in zip(checked, visits, strict=True):
                _plan_daily_check(plan, inspector, site, day, visit, synced)


def _checked(plan: Plan, due: list[DemoSite], diligence: float, sloppy: bool) -> list[DemoSite]:
    """The due sites checked, in the order the inspector visits them."""
    checked = [site for site in due if plan.rng.random() < diligence]
    if sloppy and len(checked) == len(due) > 1:
        checked.remove(plan.rng.choice(checked))  # a sloppy unit misses one every day
    return plan.rng.sample(checked, len(checked))


def _round(plan: Plan, day: date, count: int) -> list[tuple[datetime, datetime]]:
    """(start, end) of ``count`` checks one after the other between 08:00 and 15:30: each
    in its own slot of the day, taking 8 to 25 minutes (less when the slots are short)."""
    slot = 450 / max(count, 1)
    longest = max(9, min(26, int(slot * 0.8)))
    times = []
    for number in range(count):
        length = plan.rng.randrange(8, longest)
        offset = number * slot + plan.rng.uniform(0, slot - length)
        start = plan.at(day, 8) + timedelta(seconds=int(offset * 60))
        times.append((start, start + timedelta(minutes=length)))
    return times


def _plan_daily_check(
    plan: Plan,
    inspector: User,
    site: DemoSite,
    day: date,
    visit: tuple[datetime, datetime],
    synced: datetime,
) -> None:
    started, finished = visit
    if finished > plan.now or synced > plan.now:
        return  # not done yet, or waiting on the phone for tomorrow morning's sync
    form = plan.cast.form(site.id, day, "self")
    on_form = {item_id for item_id, _photo in form}
    failures = _self_failures(plan, inspector, site, day, started, on_form)
    record = _record(plan, site, "self", started, finished, form, failures)
    plan.send(inspector, synced, record)
    plan.counts.self_checks += 1
    plan.counts.late_syncs += days.local_day(synced) > day
    plan_follow_up(plan, record, failures, site, inspector, synced)


def _self_failures(
    plan: Plan, inspector: User, site: DemoSite, day: date, started: datetime, on_form: set[str]
) -> dict[str, dict]:
    """The failed items of a daily check, as sent (most checks have none)."""
    rng = plan.rng
    failures: dict[str, dict] = {}
    if rng.random() >= FAILING_SHARE:
        return failures
    for _ in range(2 if rng.random() < SECOND_FAILURE_SHARE else 1):
        on_spot = rng.random() < ON_SPOT_SHARE
        findings = story.ON_SPOT_FINDINGS if on_spot else story.ORDER_FINDINGS
        pool = [f for f in findings if f.item_id in on_form and f.item_id not in failures]
        if not pool:
            continue
        finding = rng.choice(pool)
        if on_spot:
            failures[finding.item_id] = _fixed_on_spot(plan, inspector, site, started, finding)
        else:
            failures[finding.item_id] = _ordered(plan, inspector, site, started, finding, (3, 14))
    return failures


def _fixed_on_spot(
    plan: Plan, inspector: User, site: DemoSite, started: datetime, finding: story.Finding
) -> dict:
    label = f"{site.code} {finding.item_id} {started:%m-%d %H:%M}"
    return {
        "item_id": finding.item_id,
        "outcome": "fail",
        "note": finding.note,
        "photos": [quirks.failure_photo(plan, inspector, label, started)],
        "rectification": {
            "mode": "on_spot",
            "action": finding.action,
            "photos": [quirks.failure_photo(plan, inspector, label + " fixed", started, False)],
        },
    }


def _ordered(
    plan: Plan,
    finder: User,
    site: DemoSite,
    started: datetime,
    finding: story.Finding,
    deadline_days: tuple[int, int],
) -> dict:
    """A failed item with its rectification order (responsible person, deadline,
    measures, funds), the site's responsible person named."""
    rng = plan.rng
    day = days.local_day(started)
    label = f"{site.code} {finding.item_id} {started:%m-%d %H:%M}"
    order = {
        "mode": "order",
        "responsible": {
            "name": site.responsible or finder.display_name,
            "phone": site.phone or finder.phone or "0431-88900000",
        },
        "deadline": (day + timedelta(days=rng.randint(*deadline_days))).isoformat(),
        "measures": finding.measures,
    }
    if finding.funds[1]:
        amount = rng.randint(*finding.funds) // 100 * 100
        order["funds"] = {"amount": f"{amount}.00", "source": rng.choice(story.FUNDS_SOURCES)}
    return {
        "item_id": finding.item_id,
        "outcome": "fail",
        "note": finding.note,
        "photos": [quirks.failure_photo(plan, finder, label, started)],
        "rectification": order,
    }


def _record(
    plan: Plan,
    site: DemoSite,
    kind: str,
    started: datetime,
    finished: datetime,
    form: FormItems,
    failures: dict[str, dict],
) -> dict:
    """An inspection in the sync API format (docs/api.md "An inspection"): a result for
    exactly the items on the form, and for most checks the QR scan made at the start."""
    record = {
        "id": plan.uuid(),
        "site_code": site.code,
        "template_id": plan.cast.template_id,
        "kind": kind,
        "started_at": iso(started),
        "finished_at": iso(finished),
        "results": [
            failures.get(item_id) or {"item_id": item_id, "outcome": "pass"}
            for item_id, _photo in form
        ],
    }
    if plan.rng.random() >= UNSCANNED_SHARE:
        scanned = started + timedelta(seconds=plan.rng.randrange(10, 90))
        record["scan"] = {"token": site.qr_token, "scanned_at": iso(scanned)}
    return record


# --- office and covert checks -----------------------------------------------------------------


def plan_office_checks(plan: Plan) -> None:
    """Supervisory checks by the city-level offices: about three a week each, on working
    days, going round the sites of the office's area in a random order."""
    for office_id, supervisor in plan.cast.supervisor.items():
        area = [
            site
            for site in plan.cast.sites
            if site.status != "suspended"
            and (office := plan.cast.office_of.get(site.unit_id)) is not None
            and office.id == office_id
        ]
        queue: list[DemoSite] = []
        for day in plan.days():
            if not area or day.weekday() >= 5 or plan.rng.random() >= OFFICE_CHECK_CHANCE:
                continue
            queue = queue or plan.rng.sample(area, len(area))
            if _plan_visit(plan, supervisor, queue.pop(), day, "office", OFFICE_FAILING_SHARE):
                plan.counts.office_checks += 1


def plan_covert_checks(plan: Plan) -> None:
    """The province's unannounced checks (暗查暗访): a few a month, at any site in use."""
    province = plan.cast.province
    supervisor = plan.cast.supervisor.get(province.id) if province else None
    in_use = [site for site in plan.cast.sites if site.status == "in_use"]
    if supervisor is None or not in_use:
        return
    for day in plan.days():
        if plan.rng.random() < COVERT_CHECK_CHANCE:
            site = plan.rng.choice(in_use)
            if _plan_visit(plan, supervisor, site, day, "covert", COVERT_FAILING_SHARE):
                plan.counts.covert_checks += 1


def _plan_visit(
    plan: Plan, officer: User, site: DemoSite, day: date, kind: str, failing: float
) -> bool:
    """An office or covert check of the whole checklist, synced right after; a failure
    becomes a rectification order. False if it has not happened yet."""
    rng = plan.rng
    started = plan.at(day, 9, 30) + timedelta(minutes=rng.randrange(390))
    finished = started + timedelta(minutes=rng.randrange(40, 91))
    received = finished + timedelta(minutes=rng.randrange(5, 40))
    if received > plan.now:
        return False
    form = plan.cast.form(site.id, day, kind)
    on_form = {item_id for item_id, _photo in form}
    failures = {}
    pool = [finding for finding in story.OFFICE_FINDINGS if finding.item_id in on_form]
    if pool and rng.random() < failing:
        finding = rng.choice(pool)
        failures[finding.item_id] = _ordered(plan, officer, site, started, finding, (7, 20))
    record = _record(plan, site, kind, started, finished, form, failures)
    plan.send(officer, received, record)
    plan_follow_up(plan, record, failures, site, officer, received)
    return True


# --- sending ----------------------------------------------------------------------------------


def plan_syncs(plan: Plan) -> None:
    """One step per phone sync: the records it carries, through ``record_inspections``."""
    for (user_id, received), records in plan.syncs.items():
        user = plan.users[user_id]
        clock = quirks.phone_clock(plan, user, received)
        plan.add(received, partial(_sync, user, clock, records))


def _sync(user: User, phone_clock: datetime, records: list[dict]) -> None:
    source = SyncSource(user, f"demo-{user.username}", phone_clock)
    for start in range(0, len(records), MAX_BATCH):
        results = record_inspections(source, records[start : start + MAX_BATCH])
        refused = [result for result in results if result["status"] != "created"]
        if refused:
            raise HistoryRefused(f"sync by {user.username} refused: {refused[0]}")
