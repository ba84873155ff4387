"""Writing the Jilin demo dataset with its history: the default checklist, then the demo's
organisations, sites and accounts, then weeks of activity.

Everything only adds what is missing (matched by organisation code, site code, username,
category code and template key + version), so running it again changes nothing and it is
safe on a database that already holds other data. The history of checks, hazards and
reports (webapp/demo/activity/) is added only while the demo sites have no inspections.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from webapp import days
from webapp.demo.activity import (
    DEFAULT_HISTORY_DAYS,
    HistoryCounts,
    add_history,
    demo_has_inspections,
    history_start,
    holds_other_data,
)
from webapp.demo.dataset import DEMO_PASSWORD, build_demo
from webapp.extensions import db
from webapp.models import Organisation, Site, User
from webapp.services.default_checklist import ChecklistCounts, add_default_checklist


class SeedConflict(Exception):
    """The database holds an organisation with a demo code but of another kind."""

    def __init__(self, code: str, found: str, wanted: str):
        super().__init__(f"organisation {code} is a {found}, the demo needs a {wanted}")
        self.code, self.found, self.wanted = code, found, wanted


@dataclass
class SeedCounts:
    """How many rows of each kind a seed run added."""

    checklist: ChecklistCounts = field(default_factory=ChecklistCounts)
    orgs: int = 0
    sites: int = 0
    accounts: int = 0
    history: HistoryCounts = field(default_factory=HistoryCounts)

    @property
    def total(self) -> int:
        return (
            self.orgs
            + self.sites
            + self.accounts
            + self.checklist.categories
            + self.checklist.templates
            + self.history.added
        )


def seed_demo(history_days: int = DEFAULT_HISTORY_DAYS) -> SeedCounts:
    """Add the default checklist and the demo hierarchy, sites and accounts (what is
    missing), then ``history_days`` days of activity up to now if the demo sites have no
    inspections yet (0: none).

    Everything is added in one transaction: either all of it or, on an error, none.
    Raises SeedConflict when an existing organisation has a demo code but another kind,
    and HistoryRefused when a service refuses a step of the history (a bug).
    """
    with_history = history_days > 0 and not demo_has_inspections() and not holds_other_data()
    try:
        # With a history, what is added now is registered the evening before its first
        # day: new sites are then due from that day, and no account predates its org.
        with _registered_before(history_start(history_days) if with_history else None):
            counts = SeedCounts(checklist=add_default_checklist())
            data = build_demo()
            orgs = _add_orgs(data, counts)
            _add_sites(data, orgs, counts)
            _add_accounts(data, orgs, counts)
        if history_days > 0:
            counts.history = add_history(history_days)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


@contextmanager
def _registered_before(first_day: date | None) -> Iterator[None]:
    """Run the block at 18:00 the evening before ``first_day`` (as it is, if None)."""
    if first_day is None:
        yield
        return
    evening = datetime.combine(first_day - timedelta(days=1), time(18), tzinfo=days.zone())
    with days.replaying(evening):
        yield


def _add_orgs(data, counts: SeedCounts) -> dict[str, Organisation]:
    """Every demo organisation by code; existing ones (same code) are used as they are."""
    wanted = [spec.code for spec in data.orgs]
    orgs = {
        org.code: org
        for org in db.session.execute(
            select(Organisation).where(Organisation.code.in_(wanted))
        ).scalars()
    }
    for spec in data.orgs:  # parents come before their children
        if spec.code in orgs:
            if orgs[spec.code].kind != spec.kind.value:
                raise SeedConflict(spec.code, orgs[spec.code].kind, spec.kind.value)
            continue
        org = Organisation(code=spec.code, name=spec.name, kind=spec.kind.value, phone=spec.phone)
        org.place_under(orgs[spec.parent] if spec.parent else None)
        if spec.nominal_parent:
            org.nominal_parent = orgs[spec.nominal_parent]
        db.session.add(org)
        orgs[spec.code] = org
        counts.orgs += 1
    db.session.flush()
    return orgs


def _add_sites(data, orgs: dict[str, Organisation], counts: SeedCounts) -> None:
    existing = set(
        db.session.execute(
            select(Site.code).where(Site.code.in_([spec["code"] for spec in data.sites]))
        ).scalars()
    )
    for spec in data.sites:
        if spec["code"] in existing:
            continue
        fields = {key: value for key, value in spec.items() if key != "unit"}
        db.session.add(Site(unit=orgs[spec["unit"]], **fields))
        counts.sites += 1
    db.session.flush()


def _add_accounts(data, orgs: dict[str, Organisation], counts: SeedCounts) -> None:
    existing = set(
        db.session.execute(
            select(User.username).where(
                User.username.in_([spec.username for spec in data.accounts])
            )
        ).scalars()
    )
    # One hash for all: they share the one public demo password, and hashing is slow on
    # purpose (about 0.2 s each).
    password_hash = None
    for spec in data.accounts:
        if spec.username in existing:
            continue
        password_hash = password_hash or generate_password_hash(DEMO_PASSWORD)
        user = User(
            username=spec.username,
            display_name=spec.display_name,
            phone=spec.phone,
            org=orgs[spec.org],
            role=spec.role.value,
            password_hash=password_hash,
        )
        db.session.add(user)
        counts.accounts += 1
    db.session.flush()
