"""Site QR codes: the URL a label carries, whether a scanned token proves presence, and
token rotation (the rendering of labels and sheets is in webapp/qr_labels.py).

The label URL is ``<SHELTER_PUBLIC_BASE_URL>/s/<site_code>?k=<token>``: ``site_code`` is the
site's code as stored (letters, digits, ``-`` and ``_``), ``token`` the site's current secret
(``new_qr_token``: 128 random bits, URL-safe base64, 22 characters).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from webapp.days import now
from webapp.extensions import db
from webapp.models import Organisation, OrgKind, QrRotation, Site, User
from webapp.models.sites import new_qr_token
from webapp.scope import can_manage_site, can_see_org

# What a label URL's path and token look like (tokens of any length the column holds).
_LABEL_PATH = re.compile(r"^/s/(?P<code>[^/?#\s]{1,200})/?$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")

REASON_MAX = 200


def site_url(site: Site) -> str:
    """The absolute URL on the site's label: ``<base>/s/<code>?k=<token>``."""
    base = current_app.config["SHELTER_PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/s/{quote(site.code, safe='')}?k={site.qr_token}"


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


def token_fingerprint(token: str) -> str:
    """A short, non-reversible name for a token (logs and label footers never show tokens)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


# --- reading a label back ---------------------------------------------------------------


class MalformedLabel(ValueError):
    """The text is not a label URL of this installation; ``str(err)`` says why."""


@dataclass(frozen=True)
class LabelRef:
    code: str
    token: str


def parse_label_url(text: str) -> LabelRef:
    """The site code and token of a label URL; raises MalformedLabel.

    Only URLs under SHELTER_PUBLIC_BASE_URL count: a code printed for another installation
    (or any other QR code) is not ours.
    """
    parts = _split((text or "").strip())
    base = _split(current_app.config["SHELTER_PUBLIC_BASE_URL"].rstrip("/"))
    if _origin(parts) != _origin(base):
        raise MalformedLabel("other_host")
    path = parts.path
    if base.path and base.path != "/":
        if not path.startswith(base.path + "/"):
            raise MalformedLabel("other_path")
        path = path[len(base.path) :]
    match = _LABEL_PATH.match(path)
    if match is None:
        raise MalformedLabel("other_path")
    tokens = parse_qs(parts.query).get("k", [])
    if len(tokens) != 1 or not _TOKEN.match(tokens[0]):
        raise MalformedLabel("no_token")
    return LabelRef(code=unquote(match["code"]), token=tokens[0])


def _split(url: str) -> SplitResult:
    """``urlsplit`` of an absolute http(s) URL with a valid port; raises MalformedLabel."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise MalformedLabel("not_a_url") from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MalformedLabel("not_a_url")
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    """Scheme, host and port, the scheme's default port filled in (as browsers compare)."""
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), parts.port or default


class LabelState(StrEnum):
    CURRENT = "current"  # the label in place proves presence
    GRACE = "grace"  # retired, still counts until the grace period ends
    RETIRED = "retired"  # an earlier label of this site: scans of it prove nothing
    WRONG = "wrong"  # a token this site never had (mistyped or forged)
    UNKNOWN_SITE = "unknown_site"


def label_state(ref: LabelRef, at: datetime | None = None) -> tuple[LabelState, Site | None]:
    """Whether a scanned label is the site's current one (the scan_is_valid rule, read back
    for a person holding the label). The site is None when no site has that code."""
    site = db.session.execute(select(Site).where(Site.code == ref.code)).scalar_one_or_none()
    if site is None:
        return LabelState.UNKNOWN_SITE, None
    at = at or now()
    if secrets.compare_digest(ref.token, site.qr_token):
        return LabelState.CURRENT, site
    if scan_is_valid(site, ref.token, at):
        return LabelState.GRACE, site
    retired = db.session.execute(
        select(QrRotation.id).where(
            QrRotation.site_id == site.id,
            QrRotation.old_token_fingerprint == token_fingerprint(ref.token),
        )
    ).first()
    return (LabelState.RETIRED if retired else LabelState.WRONG), site


def grace_ends(site: Site) -> datetime | None:
    if site.qr_token_rotated_at is None:
        return None
    hours = current_app.config["SHELTER_QR_ROTATION_GRACE_HOURS"]
    return site.qr_token_rotated_at + timedelta(hours=hours)


# --- rotation ---------------------------------------------------------------------------


class RotationRefused(Exception):
    """The rotation was not done; ``str(err)`` says why (nothing was written)."""


def rotate_site_token(site: Site, by: User, reason: str = "") -> QrRotation:
    """Give ``site`` a new token (its label must be reprinted), log who and why, commit.

    Raises RotationRefused when ``by`` may not manage the site.
    """
    if not can_manage_site(by, site):
        raise RotationRefused(f"{by.username} may not manage site {site.code}")
    return _rotate([site], by, reason, kind="site")[0]


def unit_sites(unit: Organisation) -> list[Site]:
    return list(
        db.session.execute(
            select(Site).where(Site.unit_id == unit.id).order_by(Site.code)
        ).scalars()
    )


def rotate_unit_tokens(unit: Organisation, by: User, reason: str = "") -> list[QrRotation]:
    """Give every site of an operating unit a new token in one transaction, log each, commit.

    Raises RotationRefused when ``unit`` is not an operating unit, has no sites, or ``by``
    may not manage all of them.
    """
    if unit.org_kind is not OrgKind.UNIT:
        raise RotationRefused(f"{unit.code} is not an operating unit")
    if not can_see_org(by, unit):
        raise RotationRefused(f"{by.username} may not manage unit {unit.code}")
    sites = unit_sites(unit)
    if not sites:
        raise RotationRefused(f"unit {unit.code} has no sites")
    if not all(can_manage_site(by, site) for site in sites):
        raise RotationRefused(f"{by.username} may not manage unit {unit.code}")
    return _rotate(sites, by, reason, kind="unit")


def _rotate(sites: list[Site], by: User, reason: str, kind: str) -> list[QrRotation]:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise RotationRefused(f"the reason is longer than {REASON_MAX} characters")
    moment = now()
    batch = uuid.uuid4().hex
    rotations = []
    for site in sites:
        rotations.append(
            QrRotation(
                site=site,
                unit_id=site.unit_id,
                rotated_by=by,
                rotated_at=moment,
                reason=reason,
                kind=kind,
                batch=batch,
                old_token_fingerprint=token_fingerprint(site.qr_token),
            )
        )
        site.qr_token_previous = site.qr_token
        site.qr_token = new_qr_token()
        site.qr_token_rotated_at = moment
    db.session.add_all(rotations)
    db.session.commit()
    return rotations
