"""Hazard figures for managers: hazards at a glance on the dashboard (open, overdue and
major per child organisation, with ageing, oldest overdue first) and section B of the
monthly report (month and cumulative). Reads the hazard ledger of webapp/models/hazards.py
(H6's model), never writes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, union_all

from webapp import days
from webapp.extensions import db
from webapp.models import Organisation, Site
from webapp.models.hazards import UNFIXED, Hazard, HazardStatus
from webapp.models.templates import Grade
from webapp.services.completion import child_containing, sites_under, subtree_orgs
from webapp.services.hazards import overdue_condition

OLDEST_LISTED = 10


@dataclass
class HazardRow:
    org: Organisation
    open: int = 0  # not rectified yet (open or in rectification)
    overdue: int = 0
    major: int = 0  # major and not rectified yet
    oldest_days: int | None = None  # age of the oldest unrectified hazard


@dataclass
class HazardGlance:
    total: HazardRow
    children: list[HazardRow]
    oldest_overdue: list[dict]
    ageing: dict[str, int] = field(default_factory=dict)  # "0-7", "8-30", "31+"


def _age(found_day: date, day: date) -> int:
    return (day - found_day).days


def hazards_at_a_glance(org: Organisation, day: date) -> HazardGlance:
    """Current unrectified hazards under ``org`` counted per child organisation, their
    ageing on ``day``, and the oldest overdue ones (deadline longest past first)."""
    orgs = subtree_orgs(org)
    by_id = {o.id: o for o in orgs}
    child_of = child_containing(org, by_id)
    rows = {o.id: HazardRow(o) for o in orgs if o.parent_id == org.id}
    total = HazardRow(org)
    ageing = {"0-7": 0, "8-30": 0, "31+": 0}
    overdue = overdue_condition(day)
    query = (
        select(Site.unit_id, Hazard.found_at, Hazard.grade, overdue)
        .join(Site, Hazard.site_id == Site.id)
        .where(sites_under(org), Hazard.status.in_(UNFIXED))
    )
    for unit_id, found_at, grade, is_overdue in db.session.execute(query):
        age = _age(days.local_day(found_at), day)
        ageing["0-7" if age <= 7 else ("8-30" if age <= 30 else "31+")] += 1
        targets = [total]
        if unit_id in child_of:
            targets.append(rows[child_of[unit_id]])
        for row in targets:
            row.open += 1
            row.overdue += bool(is_overdue)
            row.major += grade == Grade.MAJOR.value
            row.oldest_days = max(row.oldest_days or 0, age)
    oldest = db.session.execute(
        select(Hazard, Site.code, Site.name)
        .join(Site, Hazard.site_id == Site.id)
        .where(sites_under(org), overdue)
        .order_by(Hazard.deadline, Hazard.found_at)
        .limit(OLDEST_LISTED)
    ).all()
    listed = [
        {
            "id": hazard.id,
            "site_code": code,
            "site_name": name,
            "item": hazard.item_label or hazard.item_id,
            "grade": hazard.grade,
            "deadline": hazard.deadline,
            "days_overdue": (day - hazard.deadline).days,
            "days_open": _age(days.local_day(hazard.found_at), day),
            "responsible": hazard.responsible_name,
        }
        for hazard, code, name in oldest
    ]
    children = sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.org.code))
    return HazardGlance(total, children, listed, ageing)


# --- section B of the monthly report --------------------------------------------------

B_LABELS = {
    "found_month": _l("Hazards found this month"),
    "found_general": _l("of which ordinary"),
    "found_major": _l("of which major"),
    "fixed_on_spot_month": _l("Fixed on the spot (即查即改)"),
    "rectified_month": _l("Rectified by month end (of this month's)"),
    "rectification_rate": _l("Rectification rate"),
    "with_deadline_month": _l("Given a deadline"),
    "fixed_in_time_month": _l("Rectified by their deadline"),
    "in_time_rate": _l("Rectified in time rate"),
    "outstanding_month_end": _l("Not rectified at month end (all months)"),
    "overdue_month_end": _l("of which overdue"),
    "major_new": _l("Major hazards: new"),
    "major_supervised": _l("Major hazards: under supervision (挂牌督办)"),
    "major_closed": _l("Major hazards: closed this month"),
    "major_open": _l("Major hazards: still open"),
    "found_ytd": _l("Found this year"),
    "major_ytd": _l("Major found this year"),
    "rectified_ytd": _l("Rectified this year (of this year's)"),
}


# What the month's figures read of each hazard (plain columns, not ORM objects: a city has
# thousands of hazards a month); the five fixes of the few open major ones come after.
MONTH_COLUMNS = (
    Hazard.id,
    Hazard.item_id,
    Hazard.item_label,
    Hazard.category,
    Hazard.grade,
    Hazard.source,
    Hazard.found_at,
    Hazard.fixed_on_spot,
    Hazard.deadline,
    Hazard.rectified_at,
    Hazard.closed_at,
    Hazard.supervising_org_id,
    Hazard.supervised_on,
)


def hazard_section(org: Organisation, month: date) -> dict:
    """Section B for ``org``'s subtree in ``month`` (as of the end of the month)."""
    last = days.month_last(month)
    start, end = days.day_bounds(month)[0], days.day_bounds(last)[1]
    year_start = days.day_bounds(month.replace(month=1))[0]
    site_ids = select(Site.id).where(sites_under(org))
    in_sites = Hazard.site_id.in_(site_ids)
    rectified_by_end = and_(Hazard.rectified_at.is_not(None), Hazard.rectified_at < end)
    # Year to date, counted by the database on the (site_id, found_at) index: per site,
    # the year's range, so the cost follows the year, not the years stored.
    found_ytd, major_ytd, rectified_ytd = db.session.execute(
        select(
            func.count(Hazard.id),
            func.coalesce(func.sum(case((Hazard.grade == Grade.MAJOR.value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((rectified_by_end, 1), else_=0)), 0),
        ).where(in_sites, Hazard.found_at >= year_start, Hazard.found_at < end)
    ).one()
    # Row by row, only the hazards the month's figures need, each part on its own index
    # so that none walks the sites' whole history: found this month (site_id, found_at);
    # not rectified now (site_id, status); major ones closed this month and ones
    # rectified only after the month ended, closed since (closed_at; closed is final and
    # closed_at is set only then). "+ 0" keeps SQLite from preferring a site_id index for
    # the last two. The parts overlap a little and the last three reach past the month:
    # one pass here keeps each hazard found before the month's end once.
    other_sites = (Hazard.site_id + 0).in_(site_ids)
    parts = [
        and_(in_sites, Hazard.found_at >= start, Hazard.found_at < end),
        and_(in_sites, Hazard.status.in_([*UNFIXED, HazardStatus.RECTIFIED.value])),
        and_(
            other_sites,
            Hazard.status == HazardStatus.CLOSED.value,
            Hazard.grade == Grade.MAJOR.value,
            Hazard.closed_at >= start,
            Hazard.closed_at < end,
        ),
        and_(other_sites, Hazard.closed_at >= end, Hazard.rectified_at >= end),
    ]
    found = db.session.execute(union_all(*(select(*MONTH_COLUMNS).where(p) for p in parts)))
    rows = {hazard.id: hazard for hazard in found if hazard.found_at < end}.values()
    b = {key: 0 for key in B_LABELS if not key.endswith("rate")}
    b.update(found_ytd=found_ytd, major_ytd=int(major_ytd), rectified_ytd=int(rectified_ytd))
    by_source: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    items: Counter[tuple[str, str]] = Counter()
    open_majors: dict[int, bool] = {}  # id → under supervision at month end
    for hazard in rows:
        major = hazard.grade == Grade.MAJOR.value
        fixed = hazard.rectified_at is not None and hazard.rectified_at < end
        if hazard.found_at >= start:
            b["found_month"] += 1
            b["found_major" if major else "found_general"] += 1
            b["fixed_on_spot_month"] += hazard.fixed_on_spot
            b["rectified_month"] += fixed
            by_source[hazard.source] += 1
            by_category[hazard.category] += 1
            items[hazard.item_id, hazard.item_label] += 1
            b["major_new"] += major
            if hazard.deadline is not None and not hazard.fixed_on_spot:
                b["with_deadline_month"] += 1
                b["fixed_in_time_month"] += (
                    fixed and days.local_day(hazard.rectified_at) <= hazard.deadline
                )
        if major and hazard.closed_at is not None and start <= hazard.closed_at < end:
            b["major_closed"] += 1
        if not fixed:
            b["outstanding_month_end"] += 1
            b["overdue_month_end"] += hazard.deadline is not None and hazard.deadline <= last
            if major:
                b["major_open"] += 1
                supervised = hazard.supervising_org_id is not None and (
                    hazard.supervised_on is None or hazard.supervised_on <= last
                )
                b["major_supervised"] += supervised
                open_majors[hazard.id] = supervised
    b["rectification_rate"] = _rate(b["rectified_month"], b["found_month"])
    b["in_time_rate"] = _rate(b["fixed_in_time_month"], b["with_deadline_month"])
    b["by_source"] = dict(by_source)
    b["by_category"] = dict(by_category)
    b["top_items"] = [
        {"item_id": item_id, "label": label, "count": count}
        for (item_id, label), count in sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    ]
    b["major_open_list"] = _five_fixes(open_majors)
    return b


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _five_fixes(supervised: dict[int, bool]) -> list[dict]:
    """The major hazards ``supervised`` names (id → under supervision), oldest first, each
    with its 五落实: responsibility, measures, funds, time limit, plan."""
    if not supervised:
        return []
    rows = db.session.execute(
        select(
            Hazard.id,
            Hazard.item_id,
            Hazard.item_label,
            Hazard.found_at,
            Hazard.responsible_name,
            Hazard.measures,
            Hazard.funds_amount,
            Hazard.deadline,
            Hazard.plan_contingency,
            Site.code,
            Site.name,
        )
        .join(Site, Hazard.site_id == Site.id)
        .where(Hazard.id.in_(supervised))
    ).all()
    listed = [
        {
            "id": hazard.id,
            "site": f"{hazard.name} ({hazard.code})",
            "item": hazard.item_label or hazard.item_id,
            "found": days.local_day(hazard.found_at).isoformat(),
            "responsible": hazard.responsible_name or "",
            "measures": hazard.measures or "",
            "funds": float(hazard.funds_amount) if hazard.funds_amount is not None else None,
            "deadline": hazard.deadline.isoformat() if hazard.deadline else "",
            "contingency": hazard.plan_contingency or "",
            "supervised": supervised[hazard.id],
        }
        for hazard in rows
    ]
    return sorted(listed, key=lambda h: (h["found"], h["id"]))
