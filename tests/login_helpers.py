"""Helpers for tests that go through the login page and the managers' pages over HTTP."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, make_user
from webapp.models import Organisation, Role, User

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def account(org: Organisation, role: Role, username: str, **fields) -> User:
    """An account whose password is PASSWORD."""
    return make_user(org, role, username, **fields)


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
