"""GET /api/v1/sites: the sites in the caller's scope, with the items their form shows today
and whether they have been checked today."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from webapp import days
from webapp.api.schemas import SiteSchema
from webapp.checklist import applicable_items, current_template
from webapp.extensions import db
from webapp.labels import label
from webapp.models import ChecklistTemplate, Site, User
from webapp.scope import scoped_sites
from webapp.services.completion import latest_checks
from webapp.services.sync.checks import may_record_kind

bp = Blueprint("sites_api", __name__, url_prefix="/api/v1", description="Sites for the phone")

KINDS = ("self", "office", "covert")


@bp.route("/sites")
@bp.response(200, SiteSchema(many=True))
@bp.alt_response(401, description="Not logged in")
@login_required
def list_sites():
    """The sites in your scope (never their QR tokens). `item_ids` are the items of the
    current daily template that apply to the site today for `kind`; `checked_today` is the
    latest check of that kind counted for today, if any."""
    user = current_user._get_current_object()
    in_scope = scoped_sites(user)
    sites = db.session.scalars(in_scope.order_by(Site.code)).all()
    today = days.today()
    checks = latest_checks(in_scope.with_only_columns(Site.id), today)
    return sites_for_phone(user, sites, current_template(), today, checks)


def sites_for_phone(
    user: User,
    sites: list[Site],
    template: ChecklistTemplate | None,
    today: date,
    checks: dict[tuple[int, str], tuple[datetime, str]],
) -> list[dict]:
    items_cache: dict[tuple, list[str]] = {}

    def item_ids(site: Site, kind: str) -> list[str]:
        if template is None:
            return []
        key = (frozenset(site.tags), kind)
        if key not in items_cache:
            items_cache[key] = [i.item_id for i in applicable_items(template, site, today, kind)]
        return items_cache[key]

    reply = []
    for site in sites:
        kinds = [kind for kind in KINDS if may_record_kind(user, site, kind)]
        by_kind = {kind: item_ids(site, kind) for kind in kinds}
        checked = checks.get((site.id, kinds[0])) if kinds else None
        reply.append(
            {
                "code": site.code,
                "name": site.name,
                "address": site.address,
                "unit": {"code": site.unit.code, "name": site.unit.name},
                "usage": site.usage,
                "usage_label": label(site.usage),
                "status": site.status,
                "status_label": label(site.status),
                "construction_type": site.construction_type,
                "crowded": site.crowded,
                "responsible_person": site.responsible_person,
                "responsible_phone": site.responsible_phone,
                "template_id": template.id if template else None,
                "kind": kinds[0] if kinds else None,
                "item_ids": by_kind[kinds[0]] if kinds else [],
                "item_ids_by_kind": by_kind,
                "items_day": today,
                "checked_today": {"at": checked[0], "by": checked[1]} if checked else None,
            }
        )
    return reply
