"""The monthly report (月报) of a city-level office to the province (domain.md §4).

Sections A (coverage), B (hazards) and the automatic part of E (duty) are computed from the
data; C (enforcement), D (preparedness), the rest of E (incidents) and F (narrative) are
typed in. A draft shows live figures; submitting freezes them into the version, which
never changes again: a correction is a new version. The province sees, per city-level
office, whether last month's report came in on time (by SHELTER_REPORT_DUE_DAY), late, or
not at all, and the figures added up (each office once: 梅河口 and 公主岭 hang directly
under the province, and nominal parents are never used for totals).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    Inspection,
    InspectionResult,
    MonthlyReport,
    Organisation,
    OrgKind,
    ReportStatus,
    Site,
    SiteStatus,
    User,
)
from webapp.models.inspections import InspectionKind
from webapp.models.sites import EARLY_ERA_LAST_YEAR
from webapp.scope import below
from webapp.services.completion import daily_unit_counts, sites_under

DUTY_ITEM = "MGT-07"  # 24-hour duty staffed and logged


class ReportRefused(ValueError):
    """The report cannot be changed this way; ``str(err)`` says why."""


# --- the hand-filled sections: one list drives the form, the API schema and the exports ---


@dataclass(frozen=True)
class ManualField:
    section: str  # C, D, E or F (H: header)
    key: str
    kind: str  # "int", "money" or "text"
    label: object  # lazy string


MANUAL_FIELDS: tuple[ManualField, ...] = (
    ManualField("H", "filled_by", "text", _l("Filled in by")),
    ManualField("H", "approved_by", "text", _l("Approved by (leader)")),
    ManualField("H", "contact_phone", "text", _l("Contact phone")),
    ManualField("C", "rectification_notices", "int", _l("Rectification notices issued")),
    ManualField("C", "stop_use_orders", "int", _l("Orders to stop using a site (or part of it)")),
    ManualField("C", "fines_count", "int", _l("Fines (count)")),
    ManualField("C", "fines_amount", "money", _l("Fines (amount, yuan)")),
    ManualField(
        "C", "referrals", "int", _l("Cases referred to fire, emergency or market departments")
    ),
    ManualField("C", "permits_revoked", "int", _l("Leases or permits revoked or suspended")),
    ManualField("C", "interviews", "int", _l("Units interviewed (约谈)")),
    ManualField("D", "training_sessions", "int", _l("Training sessions")),
    ManualField("D", "people_trained", "int", _l("People trained")),
    ManualField("D", "drills", "int", _l("Emergency drills")),
    ManualField("D", "drill_participants", "int", _l("Drill participants")),
    ManualField(
        "D", "drill_types", "text", _l("Drill types (fire, flood, evacuation, power loss)")
    ),
    ManualField("D", "publicity_activities", "int", _l("Campaign and publicity activities")),
    ManualField("D", "risk_points_red", "int", _l("Risk points: red")),
    ManualField("D", "risk_points_orange", "int", _l("Risk points: orange")),
    ManualField("D", "risk_points_yellow", "int", _l("Risk points: yellow")),
    ManualField("D", "risk_points_blue", "int", _l("Risk points: blue")),
    ManualField("D", "new_risks", "int", _l("Newly identified risks")),
    ManualField("D", "seasonal_measures", "text", _l("Flood-season and forest-fire measures")),
    ManualField("E", "duty_incidents", "int", _l("Incidents logged on duty")),
    ManualField("E", "accidents", "int", _l("Accidents")),
    ManualField("E", "deaths", "int", _l("Deaths")),
    ManualField("E", "injuries", "int", _l("Injuries")),
    ManualField("E", "direct_loss", "money", _l("Direct loss (yuan)")),
    ManualField("F", "main_work", "text", _l("Main work done")),
    ManualField("F", "problems", "text", _l("Problems found")),
    ManualField("F", "next_month_plan", "text", _l("Next month's plan")),
)
A_LABELS = {
    "sites_total": _l("Sites in the area"),
    "in_use": _l("In use"),
    "leased": _l("Leased"),
    "idle_or_sealed": _l("Idle or sealed"),
    "suspended": _l("Suspended"),
    "early": _l("Early-era (built 1980 or before)"),
    "hillside": _l("Hillside"),
    "sites_with_checks": _l("Sites with at least one daily check"),
    "site_days_due": _l("Site-days due"),
    "site_days_checked": _l("Site-days checked"),
    "compliance_rate": _l("Daily-check compliance rate"),
    "supervisory_checks": _l("Supervisory checks by city and county offices"),
    "supervisory_inspectors": _l("Office inspectors involved"),
    "supervisory_person_times": _l("Person-times"),
    "supervisory_sites": _l("Sites supervised this month"),
    "supervisory_coverage_rate": _l("Supervision coverage this month"),
    "supervisory_sites_ytd": _l("Sites supervised this year"),
    "supervisory_coverage_rate_ytd": _l("Supervision coverage this year"),
    "covert_checks": _l("Covert checks by the province"),
    "covert_sites": _l("Sites checked covertly"),
    "covert_failures": _l("Failed items found by covert checks"),
}
E_LABELS = {
    "days_in_month": _l("Days in the month"),
    "days_with_checks": _l("Days with daily checks recorded"),
    "duty_item_failures": _l("Duty-log failures found (MGT-07)"),
}


def figure_label(path: str) -> str:
    """The label of a flattened figure such as ``"A.in_use"`` (the key itself if unknown)."""
    section, _, key = path.partition(".")
    labels = {"A": A_LABELS, "E": E_LABELS, "B": b_labels()}.get(section, {})
    if key in labels:
        return f"{section}. {labels[key]}"
    return path


def b_labels() -> dict:
    from webapp.services.hazard_figures import B_LABELS

    return B_LABELS


SECTION_TITLES = {
    "H": _l("Header"),
    "A": _l("A. Coverage"),
    "B": _l("B. Hazards"),
    "C": _l("C. Enforcement and administrative actions"),
    "D": _l("D. Preparedness"),
    "E": _l("E. Duty and incidents"),
    "F": _l("F. Narrative"),
}


def clean_manual(values: dict) -> dict:
    """Keep the known manual fields with their types; raises ReportRefused naming a bad one."""
    cleaned: dict = {}
    for spec in MANUAL_FIELDS:
        raw = values.get(spec.key)
        if raw is None or raw == "":
            cleaned[spec.key] = "" if spec.kind == "text" else 0
            continue
        if spec.kind == "text":
            text = str(raw).strip()
            if len(text) > 4000:
                raise ReportRefused(_l("%(field)s: 4000 characters at most", field=spec.label))
            cleaned[spec.key] = text
            continue
        try:
            number = float(raw) if spec.kind == "money" else int(str(raw).strip())
        except (TypeError, ValueError):
            raise ReportRefused(_l("%(field)s: not a number", field=spec.label)) from None
        if number < 0:
            raise ReportRefused(_l("%(field)s: must not be negative", field=spec.label))
        cleaned[spec.key] = round(number, 2) if spec.kind == "money" else number
    return cleaned


# --- months and deadlines --------------------------------------------------------------


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_last(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_last(month) + timedelta(days=1)


def previous_month(month: date) -> date:
    return month_start(month_start(month) - timedelta(days=1))


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; raises ValueError."""
    year, _, mon = text.partition("-")
    if len(year) != 4 or len(mon) != 2:
        raise ValueError(text)
    return date(int(year), int(mon), 1)


def due_date(month: date) -> date:
    """The last SHELTER_TZ day on which the report for ``month`` is on time."""
    return next_month(month).replace(day=int(current_app.config["SHELTER_REPORT_DUE_DAY"]))


def reporting_offices(org: Organisation) -> list[Organisation]:
    """The city-level offices whose reports ``org`` receives (itself if it is one)."""
    if org.org_kind is OrgKind.CITY:
        return [org]
    return list(
        db.session.execute(
            select(Organisation)
            .where(below(org), Organisation.kind == OrgKind.CITY.value)
            .order_by(Organisation.code)
        ).scalars()
    )


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
        ).where(sites_under(org), Site.due_from <= last)  # in daily checks by month end
    ).all()
    by_status = {s.value: 0 for s in SiteStatus}
    by_construction: dict[str, int] = {}
    by_usage: dict[str, int] = {}
    for status, _leased, _year, _hill, construction, usage in sites:
        by_status[status] = by_status.get(status, 0) + 1
        by_construction[construction] = by_construction.get(construction, 0) + 1
        by_usage[usage] = by_usage.get(usage, 0) + 1
    due = checked = 0
    for per_day in counts.values():
        for tally in per_day.values():
            due += tally.due
            checked += tally.checked
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
        "sites_with_checks": _sites_checked(org, first, last),
        "site_days_due": due,
        "site_days_checked": checked,
        "compliance_rate": _rate(checked, due),
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


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sites_checked(org: Organisation, first: date, last: date) -> int:
    return db.session.execute(
        select(func.count(func.distinct(Inspection.site_id)))
        .join(Site, Inspection.site_id == Site.id)
        .where(
            sites_under(org),
            Inspection.day >= first,
            Inspection.day <= last,
            Inspection.kind == InspectionKind.SELF.value,
        )
    ).scalar_one()


def _inspections_summary(org: Organisation, first: date, last: date, kind: str) -> dict:
    """Office or covert checks of ``org``'s sites in [first, last].

    They are a few thousand a year among millions of self-checks: the rows are read on
    the (kind, day) index alone and matched to the org's sites here. (With the site
    condition in SQL, SQLite's planner, which cannot know that "office" is rare, prefers
    walking every site's whole history.)"""
    site_ids = set(db.session.execute(select(Site.id).where(sites_under(org))).scalars())
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
    duty_failures = db.session.execute(
        select(func.count(InspectionResult.id))
        .join(Inspection, InspectionResult.inspection_id == Inspection.id)
        .join(Site, Inspection.site_id == Site.id)
        .where(in_month, InspectionResult.item_id == DUTY_ITEM, InspectionResult.outcome == "fail")
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
    from webapp.services.hazard_figures import hazard_section

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
    return [
        (key, then.get(key), now.get(key))
        for key in sorted(set(now) | set(then))
        if then.get(key) != now.get(key)
    ]


# --- versions, editing, submitting ---------------------------------------------------


def versions(org: Organisation, month: date) -> list[MonthlyReport]:
    """Every version of ``org``'s report for ``month``, newest first."""
    return list(
        db.session.execute(
            select(MonthlyReport)
            .where(MonthlyReport.org_id == org.id, MonthlyReport.month == month)
            .order_by(MonthlyReport.version.desc())
        ).scalars()
    )


def latest(org: Organisation, month: date) -> MonthlyReport | None:
    found = versions(org, month)
    return found[0] if found else None


def first_submission(org: Organisation, month: date) -> MonthlyReport | None:
    """The first submitted version: it decides on time or late (corrections do not)."""
    return db.session.execute(
        select(MonthlyReport)
        .where(
            MonthlyReport.org_id == org.id,
            MonthlyReport.month == month,
            MonthlyReport.status == ReportStatus.SUBMITTED.value,
        )
        .order_by(MonthlyReport.version)
        .limit(1)
    ).scalar_one_or_none()


def _check_office(org: Organisation, month: date) -> None:
    if org.org_kind is not OrgKind.CITY:
        raise ReportRefused(_l("Monthly reports are made by city-level offices."))
    if month > month_start(days.today()):
        raise ReportRefused(_l("This month has not started yet."))


def save_draft(user: User, org: Organisation, month: date, manual: dict) -> MonthlyReport:
    """Store the hand-filled sections in the draft (version 1 is created on first save)
    and commit. Raises ReportRefused when the latest version is already submitted (start
    a correction first) or a value is invalid."""
    _check_office(org, month)
    cleaned = clean_manual(manual)
    report = latest(org, month)
    if report is not None and report.is_submitted:
        raise ReportRefused(_l("This report was submitted; start a correction to change it."))
    if report is None:
        report = MonthlyReport(org_id=org.id, month=month, version=1, created_by_id=user.id)
        db.session.add(report)
    report.manual = cleaned
    report.contact_phone = cleaned.get("contact_phone") or None
    db.session.commit()
    return report


def submit(user: User, org: Organisation, month: date, manual: dict | None = None) -> MonthlyReport:
    """Freeze the figures as they are now, mark the latest draft submitted, commit.
    A report with nothing to report is submitted the same way (a zero report)."""
    if manual is not None:
        report = save_draft(user, org, month, manual)
    else:
        _check_office(org, month)
        report = latest(org, month)
        if report is None:
            report = save_draft(user, org, month, {})
    if report.is_submitted:
        raise ReportRefused(_l("This version was already submitted."))
    if month >= month_start(days.today()):
        raise ReportRefused(_l("A month's report can be submitted once the month is over."))
    report.figures = compute_figures(org, month)
    report.status = ReportStatus.SUBMITTED.value
    report.submitted_by_id = user.id
    report.submitted_at = days.now()
    db.session.commit()
    return report


def start_correction(user: User, org: Organisation, month: date, note: str) -> MonthlyReport:
    """A new draft version after a submitted one, with the same hand-filled sections."""
    note = (note or "").strip()
    if not note:
        raise ReportRefused(_l("Say what the correction is for."))
    report = latest(org, month)
    if report is None or not report.is_submitted:
        raise ReportRefused(_l("Only a submitted report can be corrected."))
    draft = MonthlyReport(
        org_id=org.id,
        month=month,
        version=report.version + 1,
        manual=dict(report.manual or {}),
        contact_phone=report.contact_phone,
        correction_note=note[:2000],
        created_by_id=user.id,
    )
    db.session.add(draft)
    db.session.commit()
    return draft


# --- on time, late, missing --------------------------------------------------------------


@dataclass
class SubmissionStatus:
    org: Organisation
    month: date
    due: date
    state: str  # on_time | late | missing | pending (not due yet, not submitted)
    submitted_at: datetime | None
    versions: int
    days_left: int | None  # before the deadline, while pending
    report: MonthlyReport | None


def submission_status(
    org: Organisation, month: date, at: datetime | None = None
) -> SubmissionStatus:
    """Whether ``org``'s report for ``month`` came in on time (first submission on or
    before the due day, SHELTER_TZ), late, is still pending or is missing."""
    at = at or days.now()
    due = due_date(month)
    first = first_submission(org, month)
    newest = latest(org, month)
    today = days.local_day(at)
    if first is not None:
        state = "on_time" if days.local_day(first.submitted_at) <= due else "late"
        days_left = None
    elif today <= due:
        state, days_left = "pending", (due - today).days
    else:
        state, days_left = "missing", None
    return SubmissionStatus(
        org,
        month,
        due,
        state,
        first.submitted_at if first else None,
        newest.version if newest else 0,
        days_left,
        newest,
    )


def province_overview(org: Organisation, month: date) -> tuple[list[dict], dict]:
    """One row per city-level office under ``org``: submission status and the figures
    (as submitted when submitted, else live), and their total (each office once)."""
    rows = []
    for office in reporting_offices(org):
        status = submission_status(office, month)
        submitted = first_submission(office, month) and latest_submitted(office, month)
        figures = submitted.figures if submitted else compute_figures(office, month)
        rows.append(
            {
                "office": office,
                "status": status,
                "figures": figures,
                "frozen": submitted is not None,
            }
        )
    total = add_up([row["figures"] for row in rows])
    return rows, total


def latest_submitted(org: Organisation, month: date) -> MonthlyReport | None:
    return db.session.execute(
        select(MonthlyReport)
        .where(
            MonthlyReport.org_id == org.id,
            MonthlyReport.month == month,
            MonthlyReport.status == ReportStatus.SUBMITTED.value,
        )
        .order_by(MonthlyReport.version.desc())
        .limit(1)
    ).scalar_one_or_none()
