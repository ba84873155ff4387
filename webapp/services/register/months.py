"""Which months a site's or a unit's month view and register can show (the ``month``
argument itself is read by ``webapp.inputs.parse_month``)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from webapp import days
from webapp.models import Organisation, Site
from webapp.services.reports.months import month_start


class MonthRefused(ValueError):
    """The month is outside the months there is anything to show; ``str(err)`` says which
    months may be asked for (answer 400)."""


def site_first_month(site: Site) -> date:
    """The first month with anything to show: the site's registration or the first day of
    its daily checks, whichever is earlier (an import may set a past first day)."""
    return month_start(min(site.due_from, days.local_day(site.created_at)))


def unit_first_month(unit: Organisation, sites: list[Site]) -> date:
    """The earliest first month of the unit and its sites."""
    return min(
        [month_start(days.local_day(unit.created_at)), *(site_first_month(s) for s in sites)]
    )


def check_month(month: date, first: date) -> date:
    """``month`` (its first day) if it lies between ``first`` and the current month;
    raises MonthRefused."""
    latest = month_start(days.today())
    if not first <= month <= latest:
        raise MonthRefused(
            _(
                "Choose a month from %(first)s to %(last)s.",
                first=first.strftime("%Y-%m"),
                last=latest.strftime("%Y-%m"),
            )
        )
    return month
