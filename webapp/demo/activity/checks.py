"""The inspections of the demo history, as the phones send them: daily self-checks by
each unit's inspector, supervisory checks by the city-level offices, covert checks by
the province, and the placeholder photos their failures carry."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta
from functools import partial

from PIL import Image, ImageDraw

from webapp import days
from webapp.models import User
from webapp.seed import demo as spec
from webapp.services.demo_activity.cast import DemoSite, FormItems
from webapp.services.demo_activity.hazard_work import plan_follow_up
from webapp.services.demo_activity.plan import (
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
from webapp.services.photos import store_photo
from webapp.services.sync import MAX_BATCH, SyncSource, record_inspections

# --- photos -----------------------------------------------------------------------------------


def plan_photos(plan: Plan) -> None:
    """Each inspector's phone uploads one photo of a failure ("found") and one of a fix
    ("fixed"), each supervisor's one of a failure, before the first check: placeholder
    JPEGs drawn with Pillow, used for every failure its owner records (a photo must be
    one its user may see, and one uploaded by them always is)."""
    moment = plan.at(plan.first, 7)
    people = [(user, "found") for user in plan.cast.supervisor.values()]
    for user in plan.cast.inspector.values():
        people += [(user, "found"), (user, "fixed")]
    for number, (user, role) in enumerate(people):
        data = placeholder_jpeg(f"{user.username} {role}", role == "found", number)
        sha = hashlib.sha256(data).hexdigest()
        plan.photos[(user.id, role)] = sha
        plan.add(moment, partial(store_photo, user, sha, data))
    plan.counts.photos = len(people)


def placeholder_jpeg(label: str, failure: bool, number: int) -> bytes:
    shade = 40 + number * 37 % 120
    colour = (190, shade, shade) if failure else (shade, 160, shade)
    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 307, 227), outline=(255, 255, 255), width=3)
    draw.text((28, 28), "DEMO PHOTO", fill=(255, 255, 255))
    draw.text((28, 52), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


# --- daily self-checks ------------------------------------------------------------------------


def plan_daily_checks(plan: Plan) -> None:
    """Every day each unit's inspector goes round most of the unit's due sites, one after
    the other between 08:00 and 18:30; the phone syncs them in the evening, now and then
    (LATE_SYNC_SHARE of the days) only the next morning."""
    by_unit: dict[int, list[DemoSite]] = {}
    for site in plan.cast.sites:
        by_unit.setdefault(site.unit_id, []).append(site)
    diligence = {
        unit_id: spec.SLOPPY_UNITS.get(plan.cast.unit_code[unit_id]) or plan.rng.uniform(*DILIGENCE)
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
                synced = plan.at(day, 19) + timedelta(minutes=plan.rng.randrange(90))
                synced = min(synced, plan.now)
            sloppy = plan.cast.unit_code[unit_id] in spec.SLOPPY_UNITS
            due = [site for site in sites if days.site_due_on(site.status, plan.first, day)]
            checked = _checked(plan, due, diligence[unit_id], sloppy)
            visits = _round(plan, day, len(checked))
            for site, visit in zip(checked, visits, strict=True):
                _plan_daily_check(plan, inspector, site, day, visit, synced)


def _checked(plan: Plan, due: list[DemoSite], diligence: float, sloppy: bool) -> list[DemoSite]:
    """The due sites checked, in the order the inspector visits them."""
    checked = [site for site in due if plan.rng.random() < diligence]
    if sloppy and len(checked) == len(due) > 1:
        checked.remove(plan.rng.choice(checked))  # a sloppy unit misses one every day
    return plan.rng.sample(checked, len(checked))


def _round(plan: Plan, day: date, count: int) -> list[tuple[datetime, datetime]]:
    """(start, end) of ``count`` checks one after the other between 08:00 and 18:30: each
    in its own slot of the day, taking 8 to 25 minutes (less when the slots are short)."""
    slot = 630 / max(count, 1)
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
    failures = _self_failures(plan, inspector, site, day, {item_id for item_id, _p in form})
    record = _record(plan, site, "self", started, finished, form, failures)
    plan.send(inspector, synced, record)
    plan.counts.self_checks += 1
    plan.counts.late_syncs += days.local_day(synced) > day
    plan_follow_up(plan, record, failures, site, inspector, synced)


def _self_failures(
    plan: Plan, inspector: User, site: DemoSite, day: date, on_form: set[str]
) -> dict[str, dict]:
    """The failed items of a daily check, as sent (most checks have none)."""
    rng = plan.rng
    failures: dict[str, dict] = {}
    if rng.random() >= FAILING_SHARE:
        return failures
    for _ in range(2 if rng.random() < SECOND_FAILURE_SHARE else 1):
        on_spot = rng.random() < ON_SPOT_SHARE
        findings = spec.ON_SPOT_FINDINGS if on_spot else spec.ORDER_FINDINGS
        pool = [f for f in findings if f.item_id in on_form and f.item_id not in failures]
        if not pool:
            continue
        finding = rng.choice(pool)
        if on_spot:
            failures[finding.item_id] = _fixed_on_spot(plan, inspector, finding)
        else:
            failures[finding.item_id] = _ordered(plan, inspector, site, day, finding, (3, 14))
    return failures


def _fixed_on_spot(plan: Plan, inspector: User, finding: spec.Finding) -> dict:
    return {
        "item_id": finding.item_id,
        "outcome": "fail",
        "note": finding.note,
        "photos": [plan.photos[(inspector.id, "found")]],
        "rectification": {
            "mode": "on_spot",
            "action": finding.action,
            "photos": [plan.photos[(inspector.id, "fixed")]],
        },
    }


def _ordered(
    plan: Plan,
    finder: User,
    site: DemoSite,
    day: date,
    finding: spec.Finding,
    deadline_days: tuple[int, int],
) -> dict:
    """A failed item with its rectification order (responsible person, deadline,
    measures, funds), the site's responsible person named."""
    rng = plan.rng
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
        order["funds"] = {"amount": f"{amount}.00", "source": rng.choice(spec.FUNDS_SOURCES)}
    return {
        "item_id": finding.item_id,
        "outcome": "fail",
        "note": finding.note,
        "photos": [plan.photos[(finder.id, "found")]],
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
    pool = [finding for finding in spec.OFFICE_FINDINGS if finding.item_id in on_form]
    if pool and rng.random() < failing:
        finding = rng.choice(pool)
        failures[finding.item_id] = _ordered(plan, officer, site, day, finding, (7, 20))
    record = _record(plan, site, kind, started, finished, form, failures)
    plan.send(officer, received, record)
    plan_follow_up(plan, record, failures, site, officer, received)
    return True


# --- sending ----------------------------------------------------------------------------------


def plan_syncs(plan: Plan) -> None:
    """One step per phone sync: the records it carries, through ``record_inspections``."""
    for (user_id, received), records in plan.syncs.items():
        plan.add(received, partial(_sync, plan.users[user_id], received, records))


def _sync(user: User, received: datetime, records: list[dict]) -> None:
    source = SyncSource(user, f"demo-{user.username}", received)
    for start in range(0, len(records), MAX_BATCH):
        results = record_inspections(source, records[start : start + MAX_BATCH])
        refused = [result for result in results if result["status"] != "created"]
        if refused:
            raise HistoryRefused(f"sync by {user.username} refused: {refused[0]}")
