"""Logins the server can end.

Every login on a browser or phone is a ``LoginSession`` row with a random key. Flask-Login
keeps that key, instead of the user's id, in the session cookie and the 30-day remember
cookie (``User.login_key``), and every request loads the user through ``user_for_key``. So
ending a login is deleting its row: copies of its cookies are worthless from then on.

- logging out ends this login only (a manager logging out at the office keeps his phone);
- "log out everywhere", a password reset and deactivation end every login of the account;
- a login lasts at most ``REMEMBER_COOKIE_DURATION`` (SHELTER_REMEMBER_COOKIE_DAYS).
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, func, select

from webapp import days
from webapp.extensions import db
from webapp.models import LoginSession, User


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_login(user: User, user_agent: str | None) -> None:
    """Record a new login of ``user`` and give it its key (``user.login_key()``); also
    forgets logins that have expired. Commits."""
    now = days.now()
    key = secrets.token_urlsafe(32)
    db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    db.session.add(
        LoginSession(
            key_hash=_hash(key),
            user_id=user.id,
            created_at=now,
            expires_at=now + current_app.config["REMEMBER_COOKIE_DURATION"],
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    db.session.commit()
    user._login_key = key


def user_for_key(key: str) -> User | None:
    """The active account whose live login has ``key`` (None once it has ended)."""
    user = db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.key_hash == _hash(key),
            LoginSession.expires_at > days.now(),
            User.active.is_(True),
        )
    ).scalar_one_or_none()
    if user is not None:
        user._login_key = key
    return user


def end_login(user: User) -> None:
    """End the login ``user`` was loaded for (logging out). Commits."""
    if user._login_key:
        key_hash = _hash(user._login_key)
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == key_hash))
        db.session.commit()


def end_every_login(user: User) -> None:
    """End every login of ``user``, in the caller's transaction (the caller commits):
    a password reset and a deactivation call this with their own change."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def log_out_everywhere(user: User) -> None:
    """End every login of ``user`` on every browser and phone. Commits."""
    end_every_login(user)
    db.session.commit()


def live_logins(user: User) -> int:
    """How many browsers and phones ``user`` is logged in on."""
    return db.session.execute(
        select(func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.expires_at > days.now())
    ).scalar_one()
