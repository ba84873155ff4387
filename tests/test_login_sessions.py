"""Logins the server can end: a row per login, its key in the cookies, at most 30 days."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from tests.factories import make_tree
from tests.login_helpers import account, log_in
from webapp import days
from webapp.extensions import db
from webapp.models import LoginSession, Role


def test_a_login_lasts_at_most_the_remember_period_and_is_then_forgotten(app):
    tree = make_tree()
    account(tree["unit_a"], Role.INSPECTOR, "insp")
    db.session.commit()
    start = days.now()
    phone = app.test_client()
    with time_machine.travel(start, tick=False):
        log_in(phone, "insp", remember=True)
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert phone.get("/api/v1/me").status_code == 200
    with time_machine.travel(start + timedelta(days=30, seconds=1), tick=False):
        assert phone.get("/api/v1/me").status_code == 401
        log_in(app.test_client(), "insp")  # a new login forgets the expired one
    assert db.session.scalar(select(func.count(LoginSession.id))) == 1


def test_the_cookies_hold_a_login_key_never_the_account_id(app, client):
    tree = make_tree()
    user = account(tree["unit_a"], Role.INSPECTOR, "insp")
    db.session.commit()
    log_in(client, "insp", remember=True)
    remembered = client.get_cookie("remember_token").value
    key = remembered.split("|")[0]
    assert key != str(user.id) and len(key) >= 40
    stored = db.session.scalars(select(LoginSession.key_hash)).all()
    assert key not in stored and len(stored) == 1  # only its hash is kept
