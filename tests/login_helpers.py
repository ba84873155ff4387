"""Helpers for tests that go through the login page and the managers' pages over HTTP."""

from __future__ import annotations

import re
from functools import cache

from werkzeug.security import generate_password_hash

from tests.factories import PASSWORD
from webapp.extensions import db
from webapp.models import Organisation, Role, User

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD)  # once per run: hashing is slow on purpose


def account(org: Organisation, role: Role, username: str, **fields) -> User:
    """An account whose password is PASSWORD, without paying for a fresh hash each time."""
    user = User(
        username=username,
        display_name=fields.pop("display_name", username),
        org=org,
        role=str(role),
        password_hash=_password_hash(),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def page_token(html: str) -> str:
    return TOKEN.search(html).group(1)


def log_in(client, username: str, password: str = PASSWORD, remember: bool = False):
    """Log in through the login page, as a browser would (CSRF token included)."""
    token = page_token(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def csrf(client) -> str:
    """The CSRF token of the client's session (as the PWA gets it from /api/v1/me)."""
    return client.get("/api/v1/me").get_json()["csrf_token"]
