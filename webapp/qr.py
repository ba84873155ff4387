"""Site QR codes: the URL a label carries, and whether a scanned token proves presence."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app

from webapp.models import Site


def site_url(site: Site) -> str:
    """The absolute URL on the site's label: ``<base>/s/<code>?k=<token>``."""
    base = current_app.config["SHELTER_PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/s/{site.code}?k={site.qr_token}"


def scan_is_valid(site: Site, token: str | None, scanned_at: datetime | None) -> bool:
    """True when ``token`` is the site's current token, or its previous token scanned
    within the grace period after the rotation."""
    if not token:
        return False
    if secrets.compare_digest(token, site.qr_token):
        return True
    if not site.qr_token_previous or site.qr_token_rotated_at is None or scanned_at is None:
        return False
    grace = timedelta(hours=current_app.config["SHELTER_QR_ROTATION_GRACE_HOURS"])
    return secrets.compare_digest(token, site.qr_token_previous) and (
        scanned_at <= site.qr_token_rotated_at + grace
    )
