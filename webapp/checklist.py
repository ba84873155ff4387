"""Which checklist items a site's form shows on a given day: the one place for that rule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webapp.days import seasons_on
from webapp.extensions import db
from webapp.models import ChecklistItem, ChecklistTemplate, Site
from webapp.models.templates import Frequency

DEFAULT_TEMPLATE_KEY = "daily"

# Frequencies that appear on a daily self-check form (the rest are for office visits).
DAILY_FREQUENCIES = {Frequency.DAILY.value, Frequency.SEASONAL.value}


def current_template(key: str = DEFAULT_TEMPLATE_KEY) -> ChecklistTemplate | None:
    """The newest published version of the checklist ``key``."""
    return db.session.execute(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.key == key, ChecklistTemplate.published.is_(True))
        .order_by(ChecklistTemplate.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def item_applies(item: ChecklistItem, site: Site, day: date, kind: str = "self") -> bool:
    """True when ``item`` belongs on ``site``'s form of ``kind`` on ``day``."""
    return _applies(item, site.tags, seasons_on(day), kind)


def applicable_items(
    template: ChecklistTemplate, site: Site, day: date, kind: str = "self"
) -> list[ChecklistItem]:
    tags, seasons = site.tags, seasons_on(day)  # once per form, not once per item
    return [item for item in template.items if _applies(item, tags, seasons, kind)]


def _applies(item: ChecklistItem, tags: set[str], seasons: set[str], kind: str) -> bool:
    if kind == "self" and item.frequency not in DAILY_FREQUENCIES:
        return False
    if not tags.intersection(item.applies_to):
        return False
    return not item.seasons or bool(seasons.intersection(item.seasons))
