"""Summaries of the inspections that the period figures read instead of millions of rows.

Both are kept exact in the transaction of the data they summarise and can be rebuilt from
scratch (webapp/services/rollups.py, ``flask rollups rebuild``). They hold facts only, never
the due rule: which statuses are due on a day, first days of daily checks and excuses are
applied when the figures are read, so changing a setting never makes them stale.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class SiteDayRollup(db.Model):
    """A site had at least one self-check counting for a day (``Inspection.day``)."""

    __tablename__ = "site_day_rollups"
    # SQLite: the primary key is the table (no separate rowid b-tree to look rows up in).
    __table_args__ = {"sqlite_with_rowid": False}

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)


class UnitDayRollup(db.Model):
    """How many sites of an operating unit with a given status had a self-check counting
    for a day: the site days counted by each site's current unit and status (a site that
    moves or changes status takes its past days with it, as the live figures do)."""

    __tablename__ = "unit_day_rollups"
    __table_args__ = {"sqlite_with_rowid": False}

    # Day first: a page reads a range of days for many units (a province: all of them).
    day: Mapped[date] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    checked: Mapped[int] = mapped_column(default=0)
