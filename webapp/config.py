"""Configuration: defaults here, then environment variables prefixed ``SHELTER_``.

Every setting is documented in docs/admin.md ("Settings").
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS: dict[str, object] = {
    # Every "day" in this system is a calendar day in this zone (see webapp/days.py).
    "TZ": "Asia/Shanghai",
    # Absolute URL the QR labels carry, e.g. https://rf.example.gov.cn (no trailing slash).
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Season windows as MM-DD ranges; a range may wrap the year end.
    "SEASONS": {
        "flood": [["06-01", "09-30"]],
        "winter": [["11-01", "03-31"]],
        "forest_fire": [["03-15", "06-15"], ["09-15", "11-15"]],
    },
    # Idle and sealed sites are due every N days (in-use sites daily, suspended never).
    "IDLE_CHECK_INTERVAL_DAYS": 7,
    # Heat maps, rankings and monthly compliance read the per-day summaries (site_day_rollups,
    # unit_day_rollups); false counts the inspections instead: the same figures, slower.
    "READ_ROLLUPS": True,
    # Hazard deadline defaults (days) and cap.
    "DEADLINE_DEFAULT_DAYS": 7,
    "DEADLINE_MAX_DAYS": 30,
    # Hazard reminders (and the "due soon" filter): deadline within this many days.
    "DEADLINE_REMINDER_DAYS": 2,
    # Longest deadline of a major hazard's remediation plan (days after it was found).
    "DEADLINE_MAJOR_MAX_DAYS": 180,
    # Grace period after a QR token rotation during which the previous token still counts.
    "QR_ROTATION_GRACE_HOURS": 24,
    # A phone clock further off than this at sync time is flagged (clock_skew).
    "CLOCK_SKEW_FLAG_SECONDS": 600,
    # Credibility flags (webapp/services/credibility/): a check shorter than this many
    # seconds per applicable item is too_fast; one that reaches the server more than this
    # many hours after the end of its day is late_sync.
    "MIN_SECONDS_PER_ITEM": 3,
    "LATE_SYNC_HOURS": 24,
    # Day of the month by which last month's report is due.
    "REPORT_DUE_DAY": 8,
    # Failed-login limits (Flask-Limiter syntax); see webapp/login_limits.py.
    "LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "50 per 15 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT": "100 per hour",  # from devices it never logged in on
    # Where Flask-Limiter keeps its counters ("memory://" or e.g. "redis://127.0.0.1:6379"),
    # and the prefix of its keys (several deployments can share one Redis).
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "shelter",
    # Reverse proxies in front of the app (nginx: 1): their X-Forwarded-For / -Proto are
    # trusted that many hops deep, so login limits see the phone's address and HTTPS.
    "PROXY_COUNT": 0,
    # Where photo bytes live: "" for the directory SHELTER_PHOTO_DIR, or s3://bucket/prefix
    # (endpoint, region and credentials from the AWS_* environment; webapp/photo_store/).
    "PHOTO_STORE": "",
    # Largest request body accepted (photos are at most 10 MB).
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    "REMEMBER_COOKIE_DAYS": 30,
    # Notifications (webapp/services/notify/): deployment defaults, SHELTER_TZ wall-clock
    # times; an organisation may set its own times and switch rules off on its channel page.
    "NOTIFY_CUTOFF_TIME": "16:00",  # today's unchecked sites → the unit
    "NOTIFY_DIGEST_TIME": "08:30",  # yesterday's misses, hazards, reports → next morning
    "NOTIFY_VERIFY_WAIT_DAYS": 3,  # rectified, still not verified after this many days
    "NOTIFY_REPORT_REMINDER_DAY": 5,  # day of the month: last month's report not submitted
    "NOTIFY_MAX_ATTEMPTS": 6,  # sends of one notice to one channel before it shows as failed
    "NOTIFY_RETRY_SECONDS": 60,  # first back-off, doubled after each failed attempt
    "NOTIFY_SEND_TIMEOUT": 10,  # seconds per send in `flask notify run`
    "NOTIFY_TEST_TIMEOUT": 5,  # seconds for the "send a test message" button
}


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config``: defaults, then ``SHELTER_*`` from the environment, then overrides."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(f"SHELTER_{key}", value)
    # Under their full names: Flask's from_prefixed_env would drop the SHELTER_ prefix, so
    # SHELTER_DATABASE_URL would land in config["DATABASE_URL"] and never be read.
    for key in sorted(os.environ):
        if key.startswith("SHELTER_"):
            app.config[key] = _loads_keep_strings(os.environ[key])
    if overrides:
        app.config.update(overrides)
    _derive(app)


def _loads_keep_strings(value: str):
    """Parse JSON-looking env values (numbers, lists), keep anything else as a string."""
    import json

    try:
        return json.loads(value)
    except ValueError:
        return value


def _derive(app: Flask) -> None:
    """Settings that Flask and its extensions read under their own names."""
    cfg = app.config
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    cfg.setdefault("SHELTER_DATABASE_URL", f"sqlite:///{instance / 'shelter.sqlite3'}")
    cfg.setdefault("SHELTER_PHOTO_DIR", str(instance / "photos"))
    if cfg["SHELTER_PHOTO_STORE"] and not str(cfg["SHELTER_PHOTO_STORE"]).startswith("s3://"):
        raise ValueError("SHELTER_PHOTO_STORE must be empty or s3://bucket/prefix")
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["SHELTER_DATABASE_URL"]
    # Test each pooled connection before use: after a database restart the pool's old
    # connections are dead, and without this the first request on each would fail.
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    cfg["SECRET_KEY"] = cfg.get("SHELTER_SECRET_KEY") or _instance_secret(instance)
    cfg["MAX_CONTENT_LENGTH"] = cfg["SHELTER_MAX_CONTENT_LENGTH"]
    cfg["RATELIMIT_STORAGE_URI"] = cfg["SHELTER_RATELIMIT_STORAGE_URI"]
    cfg["RATELIMIT_KEY_PREFIX"] = cfg["SHELTER_RATELIMIT_KEY_PREFIX"]
    # Redis unreachable: each process counts in memory meanwhile, and logins still work.
    cfg["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    cfg["RATELIMIT_SWALLOW_ERRORS"] = True
    https = str(cfg["SHELTER_PUBLIC_BASE_URL"]).startswith("https://")
    cfg.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRF-Token"],
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE=cfg["SHELTER_TZ"],
        API_TITLE="人防日检 Shelter Daily Check API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    from datetime import timedelta

    cfg["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(cfg["SHELTER_REMEMBER_COOKIE_DAYS"]))


def _instance_secret(instance: Path) -> str:
    """A secret key generated once and kept in the instance folder (never in code)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
