"""The daily-check register (日检查记录台账) of a site or an operating unit for a month:
an XLSX workbook (one row per inspection, and each site's days at a glance) and an A4 PDF
in the shape of the paper 日检查记录表 (one sheet per site, one row per day, signature
lines). The site page's month calendar reads the same rows (``site_months``).

Read-only; the caller decides scope (webapp/scope.py) and which month (``check_month``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, Site
from webapp.services.register.months import (
    MonthRefused,
    check_month,
    site_first_month,
    unit_first_month,
)
from webapp.services.register.rows import SiteMonth, site_months
from webapp.services.register.words import TITLE


@dataclass
class Register:
    unit: Organisation
    month: date  # its first day
    sheets: list[SiteMonth]  # one per site, by site code
    site: Site | None = None  # a site's register; None: the unit's

    @property
    def subject(self) -> str:
        return self.site.name if self.site else self.unit.name

    def filename(self, extension: str) -> str:
        code = self.site.code if self.site else self.unit.code
        return f"{TITLE}_{code}_{self.month:%Y-%m}.{extension}"


def site_register(site: Site, month: date) -> Register:
    return Register(site.unit, month, site_months([site], month), site)


def unit_sites(unit: Organisation) -> list[Site]:
    """Every site of the operating unit, by code (suspended ones too: their sheet says so)."""
    return list(
        db.session.execute(select(Site).where(Site.unit_id == unit.id).order_by(Site.code))
        .scalars()
        .all()
    )


def unit_register(unit: Organisation, sites: list[Site], month: date) -> Register:
    """``sites``: ``unit_sites(unit)``."""
    return Register(unit, month, site_months(sites, month))


__all__ = [
    "MonthRefused",
    "Register",
    "check_month",
    "SiteMonth",
    "site_first_month",
    "site_months",
    "site_register",
    "unit_first_month",
    "unit_register",
    "unit_sites",
]
