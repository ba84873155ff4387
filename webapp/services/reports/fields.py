"""The hand-filled sections of the report and the labels of every figure."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.amounts import parse_count, parse_yuan
from webapp.extensions import db
from webapp.labels import label
from webapp.models import ChecklistCategory, ConstructionType, Usage
from webapp.services.hazard_figures import B_LABELS


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
    "self_checks": _l("Daily self-checks"),
    "self_checks_unflagged": _l("Self-checks without any credibility flag"),
    "self_checks_credible": _l("Self-checks without an unexplained flag"),
    "credibility_raw_rate": _l("Credibility of self-checks (raw)"),
    "credibility_annotated_rate": _l("Credibility of self-checks (after annotation)"),
}
E_LABELS = {
    "days_in_month": _l("Days in the month"),
    "days_with_checks": _l("Days with daily checks recorded"),
    "duty_item_failures": _l("Duty-log failures found (MGT-07)"),
}


# Figures that count per kind: ``{"A": {"by_usage": {"parking": 12, ...}}}``.
GROUP_TITLES = {
    "by_construction": _l("Sites by construction type"),
    "by_usage": _l("Sites by use"),
    "by_source": _l("Found this month by source"),
    "by_category": _l("Found this month by category"),
}


def figure_label(path: str) -> str:
    """The label of a flattened figure such as ``"A.in_use"`` or ``"B.by_category.FIRE"``
    (the path itself if unknown)."""
    section, _, key = path.partition(".")
    key, _, member = key.partition(".")
    if member and key in GROUP_TITLES:
        return f"{section}. {GROUP_TITLES[key]}: {group_member_labels(key).get(member, member)}"
    labels = {"A": A_LABELS, "E": E_LABELS, "B": b_labels()}.get(section, {})
    if key in labels and not member:
        return f"{section}. {labels[key]}"
    return path


def group_rows(section: dict, group: str) -> list[tuple[str, int]]:
    """The labelled counts of one group of a section, largest first."""
    labels = group_member_labels(group)
    counts = section.get(group) or {}
    return sorted(((labels.get(k, k), n) for k, n in counts.items()), key=lambda row: -row[1])


def group_member_labels(group: str) -> dict[str, str]:
    """Code → label in the request's language for the members of a group."""
    if group == "by_category":
        english = str(get_locale() or "zh").startswith("en")
        return {
            c.code: (c.name_en if english else c.name_zh)
            for c in db.session.execute(select(ChecklistCategory)).scalars()
        }
    if group == "by_source":
        return {
            "self": str(_l("Unit self-check")),
            "office": str(_l("Office inspection")),
            "covert": str(_l("Covert check")),
        }
    enum = {"by_construction": ConstructionType, "by_usage": Usage}[group]
    return {member.value: label(member.value) for member in enum}


def b_labels() -> dict:
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
            # Stored in the report's JSON: yuan as a float (exact to the fen at this size).
            cleaned[spec.key] = float(parse_yuan(raw)) if spec.kind == "money" else parse_count(raw)
        except ValueError as err:
            raise ReportRefused(
                _l("%(field)s: %(problem)s", field=spec.label, problem=err.args[0])
            ) from None
    return cleaned
