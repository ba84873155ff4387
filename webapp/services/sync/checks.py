"""The rules of a synced inspection that need the database: the site and the user's scope
and role, the template and the items on the site's form that day, photos, deadlines, dates,
and whether a QR scan proves presence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import days
from webapp.checklist import applicable_items
from webapp.extensions import db
from webapp.models import ChecklistItem, ChecklistTemplate, OrgKind, Role, Site, User
from webapp.qr import scan_is_valid
from webapp.scope import can_see_site, photos_user_may_reference
from webapp.services.sync.parsing import Errors, ParsedInspection


@dataclass(slots=True)
class ValidInspection:
    """A record that passed every check, with what the server derived from it."""

    parsed: ParsedInspection
    site: Site
    day: date
    # None when the QR scan proves presence, else why not (``scan_problem``).
    scan_problem: str | None
    evidence_missing: list[str]

    @property
    def scanned(self) -> bool:
        return self.scan_problem is None


def may_record_kind(user: User, site: Site, kind: str) -> bool:
    """Daily self-checks by staff of the site's unit; office checks by office staff who can
    see the site; covert checks only by the province office."""
    role = user.user_role
    if kind == "self":
        return role in (Role.INSPECTOR, Role.UNIT_MANAGER) and user.org_id == site.unit_id
    if not role.is_office_role or not can_see_site(user, site):
        return False
    return kind == "office" or user.org.org_kind is OrgKind.PROVINCE


def check_against_database(
    user: User, parsed: list[ParsedInspection | None], errors: list[Errors], now: datetime
) -> list[ValidInspection | None]:
    """Site, scope, role, template, applicable items, photos and dates of each record.

    A constant number of queries per batch: all sites, all templates, all photos at once.
    """
    records = [one for one in parsed if one is not None]
    sites = _by_key(select(Site).where(Site.code.in_({r.site_code for r in records})), "code")
    templates = _by_key(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.id.in_({r.template_id for r in records}))
        # The categories are not needed here (ChecklistItem joins them by default).
        .options(selectinload(ChecklistTemplate.items).lazyload(ChecklistItem.category_ref)),
        "id",
    )
    # Another unit's stored photo reads as missing: the reply must not confirm it exists.
    present = photos_user_may_reference(
        user, {sha for r in records for _item, sha, _role in r.photo_refs()}
    )
    cfg = current_app.config
    tolerance = timedelta(seconds=int(cfg["SHELTER_CLOCK_SKEW_FLAG_SECONDS"]))
    max_deadline = timedelta(days=int(cfg["SHELTER_DEADLINE_MAX_DAYS"]))
    items_cache: dict[tuple, dict] = {}
    # Per site of the batch, computed once: the scope/role verdict per kind, and its tags.
    refusals: dict[tuple[str, str], tuple[str, str] | None] = {}
    tags: dict[str, frozenset[str]] = {}

    valid: list[ValidInspection | None] = []
    for one, record_errors in zip(parsed, errors, strict=True):
        if one is None:
            valid.append(None)
            continue
        site = sites.get(one.site_code)
        template = templates.get(one.template_id)
        if (one.site_code, one.kind) not in refusals:
            refusals[(one.site_code, one.kind)] = _site_refusal(user, site, one.kind)
        refusal = refusals[(one.site_code, one.kind)]
        if refusal is not None:
            record_errors[refusal[0]] = [refusal[1]]
        if template is None:
            record_errors["template_id"] = [_("No checklist template with this id.")]
        if one.started_at > now + tolerance:
            record_errors["started_at"] = [_("Lies in the future: check the phone's clock.")]
        if one.finished_at > now + tolerance:
            record_errors["finished_at"] = [_("Lies in the future: check the phone's clock.")]
        day = days.local_day(one.started_at)
        if not record_errors:
            if site.code not in tags:
                tags[site.code] = frozenset(site.tags)
            key = (template.id, tags[site.code], day, one.kind)
            if key not in items_cache:
                items_cache[key] = {
                    item.item_id: item for item in applicable_items(template, site, day, one.kind)
                }
            _check_results(one, items_cache[key], day, max_deadline, record_errors)
        if record_errors:
            valid.append(None)
            continue
        problem = scan_problem(one, site, tolerance)
        missing = list(dict.fromkeys(sha for _i, sha, _r in one.photo_refs() if sha not in present))
        valid.append(ValidInspection(one, site, day, problem, missing))
    return valid


# Why a scan does not prove presence (the not_scanned flag tells "invalid" apart further).
SCAN_ABSENT = "absent"  # no token was sent
SCAN_INVALID = "invalid"  # not a token the site accepts (stale, another site's, unknown)
SCAN_OUTSIDE_TIME = "outside_time"  # the site's token, scanned outside the inspection


def scan_problem(one: ParsedInspection, site: Site, tolerance: timedelta) -> str | None:
    """None when the scan proves presence at ``site``, else why not. The scan counts only
    if it happened during the inspection: a scan time the phone dated elsewhere could make
    a retired label's token count again."""
    if not one.scan_token:
        return SCAN_ABSENT
    scanned_at = one.scanned_at or one.started_at
    if not scan_is_valid(site, one.scan_token, scanned_at):
        return SCAN_INVALID
    if not one.started_at - tolerance <= scanned_at <= one.finished_at + tolerance:
        return SCAN_OUTSIDE_TIME
    return None


def _check_results(
    one: ParsedInspection, applicable: dict, day: date, max_deadline: timedelta, errors: Errors
) -> None:
    sent = {result.item_id for result in one.results}
    missing = [item_id for item_id in applicable if item_id not in sent]
    if missing:
        errors["results"] = [_("Missing results for items: %(items)s.", items=", ".join(missing))]
    for index, result in enumerate(one.results):
        item = applicable.get(result.item_id)
        path = f"results.{index}"
        if item is None:
            errors[f"{path}.item_id"] = [
                _(
                    "Item %(item)s is not on this site's form for %(day)s.",
                    item=result.item_id,
                    day=day.isoformat(),
                )
            ]
            continue
        if result.outcome != "fail":
            continue
        if item.photo_required_on_fail and not result.photos:
            errors[f"{path}.photos"] = [_("This item needs at least one photo of the failure.")]
        rectification = result.rectification
        if rectification["mode"] == "on_spot":
            if item.photo_required_on_fail and not result.after_photos:
                errors[f"{path}.rectification.photos"] = [
                    _("This item needs at least one photo after the fix.")
                ]
        else:
            deadline = date.fromisoformat(rectification["deadline"])
            if deadline < day:
                errors[f"{path}.rectification.deadline"] = [
                    _(
                        "Must not be before the day of the inspection (%(day)s).",
                        day=day.isoformat(),
                    )
                ]
            elif deadline > day + max_deadline:
                errors[f"{path}.rectification.deadline"] = [
                    _(
                        "Must be at most %(count)d days after the inspection.",
                        count=max_deadline.days,
                    )
                ]


def _site_refusal(user: User, site: Site | None, kind: str) -> tuple[str, str] | None:
    """(field, message) when ``user`` may not record a ``kind`` check at ``site``."""
    if site is None or not can_see_site(user, site):
        # Unknown and out-of-scope read the same: nothing outside the scope can be probed.
        return "site_code", _("No site with this code in your area.")
    if not may_record_kind(user, site, kind):
        return "kind", _kind_refusal(kind)
    return None


def _kind_refusal(kind: str) -> str:
    if kind == "self":
        return _("Daily self-checks are recorded by staff of the site's own unit.")
    if kind == "covert":
        return _("Covert checks are recorded by the province office.")
    return _("Office checks are recorded by office staff.")


def _by_key(query, attribute: str) -> dict:
    return {getattr(row, attribute): row for row in db.session.scalars(query)}
