"""Excusing a site from its check on a day, with the reason logged."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from webapp.days import today
from webapp.extensions import db
from webapp.models import Site, SiteExcuse, User


class ExcuseRefused(ValueError):
    """The excuse cannot be recorded; ``str(err)`` says why (shown to the user)."""


def excuse_site(user: User, site: Site, day: date, reason: str) -> SiteExcuse:
    """Excuse ``site`` from its check on ``day`` (logged with who and why) and commit.

    Raises ExcuseRefused when the reason is empty or too long, the day is more than a
    day in the future, or the site is already excused that day. The caller checks
    ``scope.can_excuse_site`` first.
    """
    from flask_babel import lazy_gettext as _

    reason = (reason or "").strip()
    if not reason:
        raise ExcuseRefused(_("Give a reason for the excuse."))
    if len(reason) > 500:
        raise ExcuseRefused(_("The reason is too long (500 characters at most)."))
    if day > today() + timedelta(days=1):
        raise ExcuseRefused(_("A site can be excused for today or tomorrow at the latest."))
    exists = db.session.execute(
        select(SiteExcuse.id).where(SiteExcuse.site_id == site.id, SiteExcuse.day == day)
    ).first()
    if exists:
        raise ExcuseRefused(_("This site is already excused for that day."))
    excuse = SiteExcuse(site=site, day=day, reason=reason, excused_by_id=user.id)
    db.session.add(excuse)
    db.session.commit()
    return excuse
