"""The credibility figure: per operating unit and period, the share of its self-checks
without an unexplained flag, raw (without any flag) and after annotation (explained flags
no longer count). Shown in the dashboard's rankings and in the monthly report, with a
drill-down to the flagged checks (``flagged_checks``). Read-only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, distinct, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from webapp.extensions import db
from webapp.models import Inspection, InspectionFlag, Organisation, Site, Verdict
from webapp.models.inspections import InspectionKind
from webapp.services.completion import OrgInfo, sites_under, subtree_orgs
from webapp.services.inspections.record import WITH_FLAGS

SELF = InspectionKind.SELF.value


@dataclass
class Credibility:
    self_checks: int = 0
    flagged: int = 0  # with any flag
    unexplained: int = 0  # with a flag not (or not yet) explained

    @property
    def raw(self) -> float | None:
        """Share of the self-checks without any flag."""
        return _share(self.self_checks - self.flagged, self.self_checks)

    @property
    def annotated(self) -> float | None:
        """Share of the self-checks without an unexplained flag."""
        return _share(self.self_checks - self.unexplained, self.self_checks)

    def add(self, other: Credibility) -> None:
        self.self_checks += other.self_checks
        self.flagged += other.flagged
        self.unexplained += other.unexplained

    @classmethod
    def total(cls, figures: Iterable[Credibility]) -> Credibility:
        """The figures of several units as one (the counts added up)."""
        total = cls()
        for figure in figures:
            total.add(figure)
        return total


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def unit_credibility(org: Organisation, first: date, last: date) -> dict[int, Credibility]:
    """Per operating unit under ``org`` (``Site.unit_id``): its self-checks counting for a
    day in [first, last], and how many carry a flag, an unexplained one. Two grouped
    queries: the self-checks on the (day, kind) index, the flagged ones from the period's
    flags (``ix_inspection_flags_day``), each inspection once however many flags it has."""
    checks = db.session.execute(
        select(Site.unit_id, func.count(Inspection.id))
        .join(Site, Site.id == Inspection.site_id)
        .where(
            sites_under(org),
            Inspection.day >= first,
            Inspection.day <= last,
            Inspection.kind == SELF,
        )
        .group_by(Site.unit_id)
    )
    figures = {unit_id: Credibility(count) for unit_id, count in checks}
    unexplained = or_(
        InspectionFlag.verdict.is_(None), InspectionFlag.verdict != Verdict.EXPLAINED.value
    )
    flagged = db.session.execute(
        select(
            Site.unit_id,
            func.count(distinct(InspectionFlag.inspection_id)),
            func.count(distinct(case((unexplained, InspectionFlag.inspection_id)))),
        )
        .join(Inspection, Inspection.id == InspectionFlag.inspection_id)
        .join(Site, Site.id == Inspection.site_id)
        .where(
            sites_under(org),
            InspectionFlag.day >= first,
            InspectionFlag.day <= last,
            Inspection.kind == SELF,
        )
        .group_by(Site.unit_id)
    )
    for unit_id, any_flag, not_explained in flagged:
        figure = figures.setdefault(unit_id, Credibility())
        figure.flagged, figure.unexplained = any_flag, not_explained
    return figures


@dataclass
class CredibilityRow:
    org: OrgInfo
    figure: Credibility


def credibility_ranking(
    org: Organisation, first: date, last: date, limit: int = 10
) -> list[CredibilityRow]:
    """The units under ``org`` with self-checks in [first, last], least credible first
    (after annotation, then raw)."""
    units = {info.id: info for info in subtree_orgs(org)}
    rows = [
        CredibilityRow(units[unit_id], figure)
        for unit_id, figure in unit_credibility(org, first, last).items()
        if figure.self_checks and unit_id in units
    ]
    rows.sort(key=lambda r: (r.figure.annotated, r.figure.raw, r.org.code))
    return rows[:limit]


def flagged_checks(org: Organisation, first: date, last: date, page: int, per_page: int = 50):
    """The drill-down: flagged self-checks of sites under ``org`` in [first, last], newest
    first, with site, inspector and flags loaded (a Flask-SQLAlchemy pagination)."""
    flagged = (
        select(InspectionFlag.inspection_id)
        .where(InspectionFlag.day >= first, InspectionFlag.day <= last)
        .scalar_subquery()
    )
    query = (
        select(Inspection)
        .join(Site, Site.id == Inspection.site_id)
        .where(sites_under(org), Inspection.kind == SELF, Inspection.id.in_(flagged))
        .order_by(Inspection.day.desc(), Inspection.started_at.desc())
        .options(contains_eager(Inspection.site), joinedload(Inspection.inspector), WITH_FLAGS)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
