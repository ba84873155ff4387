"""What the completion views show: the filters, counts of sites and the rows of a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.sql.elements import ColumnElement

from webapp.days import day_bounds, today
from webapp.models import Organisation, OrgKind, Site
from webapp.models.inspections import InspectionKind
from webapp.models.sites import EARLY_ERA_LAST_YEAR
from webapp.services.completion.tree import OrgInfo, sites_under

SELF = InspectionKind.SELF.value
HEATMAP_DAYS = 30
# How far back a site's last check is looked for (older: "none in the last year").
LAST_CHECK_WINDOW_DAYS = 366


@dataclass(frozen=True)
class SiteFilters:
    """Narrow every figure to leased, early-era and/or crowded sites (all must hold)."""

    leased: bool = False
    early: bool = False
    crowded: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        conds = []
        if self.leased:
            conds.append(Site.leased.is_(True))
        if self.early:
            conds.append(Site.year_built <= EARLY_ERA_LAST_YEAR)
        if self.crowded:
            conds.append(Site.crowded.is_(True))
        return conds

    def under(self, org: Organisation) -> list[ColumnElement[bool]]:
        """SQL conditions on ``Site``: under ``org`` and passing these filters."""
        return [sites_under(org), *self.conditions()]

    @property
    def active(self) -> list[str]:
        return [name for name in ("leased", "early", "crowded") if getattr(self, name)]


NO_FILTERS = SiteFilters()


def synced_late(day: date, received_at: datetime) -> bool:
    """A check counting for ``day`` reached the server after that day had ended (it still
    counts for ``day``: "checked, synced late")."""
    return received_at >= day_bounds(day)[1]


@dataclass
class Tally:
    """Counts of sites for one day (or site-days over a period)."""

    total: int = 0  # all sites, due or not
    due: int = 0
    checked: int = 0  # due and checked (late ones included)
    late: int = 0  # checked, but every check reached the server after the day had ended
    excused: int = 0
    last_sync_at: datetime | None = None

    @property
    def missed(self) -> int:
        return self.due - self.checked

    @property
    def rate(self) -> float | None:
        """Checked ÷ due, or None when nothing was due."""
        return round(self.checked / self.due, 4) if self.due else None

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.due += other.due
        self.checked += other.checked
        self.late += other.late
        self.excused += other.excused
        if other.last_sync_at and (not self.last_sync_at or other.last_sync_at > self.last_sync_at):
            self.last_sync_at = other.last_sync_at


def lowest_rate_first(rate: float | None, missed: int, code: str) -> tuple:
    """The sort key of every ranking: lowest completion rate first (nothing due last), then
    the most missed, then the code. A rate, not a count of misses, so that a large unit that
    missed a small share of its sites ranks above a small unit that missed most of its own."""
    return (rate is None, rate or 0.0, -missed, code)


@dataclass
class OrgRow:
    org: OrgInfo
    tally: Tally


@dataclass
class SiteRow:
    """One site on one day, with what the dashboard shows about it."""

    site: Site
    due: bool
    excused: bool
    excuse_reason: str | None = None
    checked: bool = False
    late: bool = False
    checks: int = 0
    inspected_at: datetime | None = None  # the day's latest check (started_at)
    inspection_id: str | None = None  # that check (its record: /inspections/<id>)
    received_at: datetime | None = None  # when that check reached the server
    inspector: str | None = None
    scanned: bool | None = None
    failures: int | None = None
    last_inspection_at: datetime | None = None  # latest self-check up to the day's end
    last_inspector: str | None = None
    last_sync_at: datetime | None = None  # latest inspection of any kind received

    @property
    def state(self) -> str:
        """checked | late | missed | excused | not_due."""
        if self.excused:
            return "excused"
        if not self.due:
            return "not_due"
        if self.checked:
            return "late" if self.late else "checked"
        return "missed"


@dataclass
class DeviceRow:
    device_id: str
    inspector: str
    last_received_at: datetime
    inspections: int


@dataclass
class DayCompletion:
    org: Organisation
    day: date
    filters: SiteFilters
    tally: Tally
    children: list[OrgRow]
    sites: list[SiteRow] = field(default_factory=list)
    devices: list[DeviceRow] = field(default_factory=list)

    @property
    def provisional(self) -> bool:
        """Today's (and any future day's) figures can still change as phones sync."""
        return self.day >= today()

    @property
    def lists_sites(self) -> bool:
        return self.org.org_kind is OrgKind.UNIT
