"""The computed sections (A, B, automatic E), adding them up and comparing versions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, exists, func, select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    Inspection,
    InspectionResult,
    MonthlyReport,
    Organisation,
    Site,
    SiteStatus,
)
from webapp.models.inspections import InspectionKind
from webapp.models.sites import EARLY_ERA_LAST_YEAR
from webapp.services.completion import daily_unit_counts, month_coverage, sites_under, subtree_orgs
from webapp.services.credibility.figures import Credibility, unit_credibility
from webapp.services.hazard_figures import hazard_section
from webapp.services.reports.months import month_last

DUTY_ITEM = "MGT-07"  # 24-hour duty staffed and logged


# --- automatic figures ----------------------------------------------------------------


def _bounds(month: date) -> tuple[date, date, datetime, datetime]:
    first, last = month, month_last(month)
    return first, last, days.day_bounds(first)[0], days.day_bounds(last)[1]


def compute_figures(org: Organisation, month: date) -> dict:
    """Sections A, B and the automatic part of E for ``org``'s subtree in ``month``."""
    first, last, _start, _end = _bounds(month)
    counts = daily_unit_counts(org, first, last)
    figures = {
        "org": {"code": org.code, "name": org.name},
        "month": month.strftime("%Y-%m"),
        "A": _coverage(org, first, last, counts),
        "E": _duty(org, first, last, counts),
        "daily": _daily_rates(counts),
    }
    total, figures["credibility_units"] = _credibility(org, first, last)
    figures["A"].update(total)
    figures["B"] = hazard_figures(org, month)
    figures["zero_report"] = _is_zero(figures)
    return figures


def _coverage(org: Organisation, first: date, last: date, counts: dict) -> dict:
    sites = db.session.execute(
        select(
            Site.status,
            Site.leased,
            Site.year_built,
            Site.hillside,
            Site.construction_type,
            Site.usage,
        ).where(*_report_sites(org, last))
    ).all()
    by_status = {s.value: 0 for s in SiteStatus}
    by_construction: dict[str, int] = {}
    by_usage: dict[str, int] = {}
    for status, _leased, _year, _hill, construction, usage in sites:
        by_status[status] = by_status.get(status, 0) + 1
        by_construction[construction] = by_construction.get(construction, 0) + 1
        by_usage[usage] = by_usage.get(usage, 0) + 1
    total = len(sites)
    office = _inspections_summary(org, first, last, InspectionKind.OFFICE.value)
    ytd = _inspections_summary(org, first.replace(month=1), last, InspectionKind.OFFICE.value)
    covert = _inspections_summary(org, first, last, InspectionKind.COVERT.value)
    return {
        "sites_total": total,
        "in_use": by_status["in_use"],
        "leased": sum(1 for s in sites if s.leased),
        "idle_or_sealed": by_status["idle"] + by_status["sealed"],
        "suspended": by_status["suspended"],
        "early": sum(
            1 for s in sites if s.year_built is not None and s.year_built <= EARLY_ERA_LAST_YEAR
        ),
        "hillside": sum(1 for s in sites if s.hillside),
        "by_construction": by_construction,
        "by_usage": by_usage,
        **month_coverage(org, first, last, counts),
        "supervisory_checks": office["checks"],
        "supervisory_inspectors": office["inspectors"],
        "supervisory_person_times": office["person_times"],
        "supervisory_sites": office["sites"],
        "supervisory_coverage_rate": _rate(office["sites"], total),
        "supervisory_sites_ytd": ytd["sites"],
        "supervisory_coverage_rate_ytd": _rate(ytd["sites"], total),
        "covert_checks": covert["checks"],
        "covert_sites": covert["sites"],
        "covert_failures": covert["failures"],
    }


def _credibility(org: Organisation, first: date, last: date) -> tuple[dict, list[dict]]:
    """The credibility of the month's self-checks (webapp/services/credibility/figures.py):
    section A's totals, and one row per unit, least credible first."""
    names = {info.id: (info.code, info.name) for info in subtree_orgs(org)}
    per_unit = unit_credibility(org, first, last)
    total, units = Credibility.total(per_unit.values()), []
    for unit_id, figure in per_unit.items():
        code, name = names.get(unit_id, (str(unit_id), str(unit_id)))
        units.append(
            {
                "code": code,
                "name": name,
                "self_checks": figure.self_checks,
                "flagged": figure.flagged,
                "unexplained": figure.unexplained,
                "credibility_raw_rate": figure.raw,
                "credibility_annotated_rate": figure.annotated,
            }
        )
    units.sort(key=lambda u: (u["credibility_annotated_rate"] or 0, u["code"]))
    return {
        "self_checks": total.self_checks,
        "self_checks_unflagged": total.self_checks - total.flagged,
        "self_checks_credible": total.self_checks - total.unexplained,
        "credibility_raw_rate": total.raw,
        "credibility_annotated_rate": total.annotated,
    }, units


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _report_sites(org: Organisation, last: date) -> list:
    """SQL conditions on ``Site``: the sites a report for a month ending ``last`` covers,
    those under ``org`` in daily checks by the month's end (every count of section A is
    over this one set, so no rate exceeds 100 %)."""
    return [sites_under(org), Site.due_from <= last]


def _inspections_summary(org: Organisation, first: date, last: date, kind: str) -> dict:
    """Office or covert checks of ``org``'s sites in [first, last].

    They are a few thousand a year among millions of self-checks: the rows are read on
    the (kind, day) index alone and matched to the org's sites here. (With the site
    condition in SQL, SQLite's planner, which cannot know that "office" is rare, prefers
    walking every site's whole history.)"""
    site_ids = set(db.session.execute(select(Site.id).where(*_report_sites(org, last))).scalars())
    rows = [
        row
        for row in db.session.execute(
            select(
                Inspection.site_id, Inspection.inspector_id, Inspection.day, Inspection.failures
            ).where(Inspection.kind == kind, Inspection.day >= first, Inspection.day <= last)
        )
        if row.site_id in site_ids
    ]
    return {
        "checks": len(rows),
        "sites": len({r.site_id for r in rows}),
        "inspectors": len({r.inspector_id for r in rows}),
        "person_times": len({(r.inspector_id, r.day) for r in rows}),
        "failures": sum(r.failures for r in rows),
    }


def _duty(org: Organisation, first: date, last: date, counts: dict) -> dict:
    in_month = and_(
        sites_under(org),
        Inspection.day >= first,
        Inspection.day <= last,
        Inspection.kind == InspectionKind.SELF.value,
    )
    days_with_checks = len(
        {day for per_day in counts.values() for day, tally in per_day.items() if tally.checked}
    )
    # The checks whose duty item failed (an item is answered once per check, so this is
    # the number of failed duty items). Only checks with a failure are looked into, each
    # by its own results: the month's checks bound the cost, never the results table.
    duty_failed = exists().where(
        InspectionResult.inspection_id == Inspection.id,
        InspectionResult.item_id == DUTY_ITEM,
        InspectionResult.outcome == "fail",
    )
    duty_failures = db.session.execute(
        select(func.count(Inspection.id))
        .join(Site, Inspection.site_id == Site.id)
        .where(in_month, Inspection.failures > 0, duty_failed)
    ).scalar_one()
    return {
        "days_in_month": (last - first).days + 1,
        "days_with_checks": days_with_checks,
        "duty_item_failures": duty_failures,
    }


def _daily_rates(counts: dict) -> list[list]:
    """[[YYYY-MM-DD, due, checked], ...] for the chart of daily completion."""
    per_day: dict[date, list[int]] = {}
    for unit_days in counts.values():
        for day, tally in unit_days.items():
            pair = per_day.setdefault(day, [0, 0])
            pair[0] += tally.due
            pair[1] += tally.checked
    return [[d.isoformat(), *per_day[d]] for d in sorted(per_day)]


def hazard_figures(org: Organisation, month: date) -> dict:
    """Section B: hazards of the month and cumulative, from the hazard ledger."""
    return hazard_section(org, month)


def _is_zero(figures: dict) -> bool:
    """Nothing happened worth reporting: no hazards found. Still has to be submitted."""
    hazards = figures.get("B") or {}
    return not hazards.get("found_month", 0)


# --- adding up and comparing ----------------------------------------------------------

RATES = {
    "compliance_rate": ("site_days_checked", "site_days_due"),
    "supervisory_coverage_rate": ("supervisory_sites", "sites_total"),
    "supervisory_coverage_rate_ytd": ("supervisory_sites_ytd", "sites_total"),
    "rectification_rate": ("rectified_month", "found_month"),
    "in_time_rate": ("fixed_in_time_month", "with_deadline_month"),
    "credibility_raw_rate": ("self_checks_unflagged", "self_checks"),
    "credibility_annotated_rate": ("self_checks_credible", "self_checks"),
}


NOT_ADDED = {"days_in_month", "days_with_checks"}


def add_up(parts: list[dict]) -> dict:
    """Sum the numeric figures of several reports (dicts nested alike); rates are
    recomputed from their sums, lists are concatenated."""
    total: dict = {}
    for part in parts:
        _add_into(total, part)
    _recompute_rates(total)
    return total


def _add_into(total: dict, part: dict) -> None:
    for key, value in part.items():
        if isinstance(value, bool) or value is None or key in RATES:
            continue
        if key in NOT_ADDED:  # calendar facts, the same for every office
            total[key] = max(total.get(key, 0), value)
        elif isinstance(value, (int, float)):
            total[key] = total.get(key, 0) + value
        elif isinstance(value, dict):
            _add_into(total.setdefault(key, {}), value)
        elif key == "top_items":
            merged = {i["item_id"]: dict(i) for i in total.get(key, [])}
            for item in value:
                merged.setdefault(item["item_id"], {**item, "count": 0})["count"] += item["count"]
            total[key] = sorted(merged.values(), key=lambda i: (-i["count"], i["item_id"]))[:5]
        elif isinstance(value, list) and key != "daily":
            total.setdefault(key, []).extend(value)


def _recompute_rates(figures: dict) -> None:
    for value in list(figures.values()):
        if isinstance(value, dict):
            _recompute_rates(value)
    for rate, (part, whole) in RATES.items():
        if part in figures and whole in figures:
            figures[rate] = _rate(figures[part], figures[whole])


def flatten(figures: dict, prefix: str = "") -> dict[str, object]:
    """``{"A": {"in_use": 3}}`` → ``{"A.in_use": 3}`` (lists and the chart data left out)."""
    flat = {}
    for key, value in figures.items():
        if key in ("daily", "org", "month"):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, path + "."))
        elif not isinstance(value, list):
            flat[path] = value
    return flat


def differences(report: MonthlyReport) -> list[tuple[str, object, object]]:
    """For a submitted report: (figure, as submitted, as computed now) wherever late data
    changed a figure. Empty for drafts and unchanged reports."""
    if not report.is_submitted or not report.figures:
        return []
    now = flatten(compute_figures(report.org, report.month))
    then = flatten(report.figures)
    # Only figures the report had: one added to the report since is no change to it.
    return [(key, then[key], now.get(key)) for key in sorted(then) if then[key] != now.get(key)]
