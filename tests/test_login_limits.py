"""Failed-login limits: per address and account, per address, and per account for
devices the account never logged in on; counters shared by every server process."""

from __future__ import annotations

import logging
import uuid

import pytest

from tests.factories import PASSWORD, make_tree
from tests.login_helpers import account, log_in
from webapp.extensions import db
from webapp.models import Role


@pytest.fixture
def tree(app):
    tree = make_tree()
    account(tree["unit_a"], Role.INSPECTOR, "insp")
    account(tree["unit_a"], Role.UNIT_MANAGER, "boss")
    db.session.commit()
    return tree


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def api_log_in(client, username: str, password: str = PASSWORD):
    return client.post("/api/v1/session", json={"username": username, "password": password})


def test_a_stranger_cannot_lock_a_user_out(app, tree):
    """Wrong passwords from elsewhere, however many, never refuse the user's own phone."""
    stranger = client_at(app, "10.9.9.9")
    replies = [log_in(stranger, "insp", "guess").status_code for _ in range(12)]
    assert replies[:10] == [401] * 10 and replies[10:] == [429, 429]
    assert log_in(client_at(app, "10.1.1.1"), "insp").status_code == 302


def test_failures_from_one_address_for_one_account(app, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT"] = "3 per 15 minutes"
    client = client_at(app, "10.0.0.5")
    for _attempt in range(3):
        assert log_in(client, "insp", "wrong").status_code == 401
    blocked = log_in(client, "insp")  # the right password waits too, from this address
    assert blocked.status_code == 429 and "登录尝试过多" in blocked.get_data(as_text=True)
    api = api_log_in(client, "INSP")  # the same account whatever the case
    assert api.status_code == 429 and api.get_json()["error"] == "too_many_requests"
    assert log_in(client, "boss").status_code == 302  # another account from there
    assert log_in(client_at(app, "10.0.0.6"), "insp").status_code == 302  # elsewhere


def test_failures_from_one_address_for_many_accounts(app, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    client = client_at(app, "10.0.0.7")
    for n in range(4):
        assert log_in(client, f"guess{n}", "wrong").status_code == 401
    blocked = api_log_in(client, "boss")
    assert blocked.status_code == 429 and "登录尝试过多" in blocked.get_json()["message"]
    assert api_log_in(client_at(app, "10.1.2.3"), "boss").status_code == 200


def test_guessing_from_many_addresses_spares_devices_that_logged_in_before(app, tree, caplog):
    app.config["SHELTER_LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    phone = client_at(app, "10.2.0.1")
    assert log_in(phone, "insp").status_code == 302  # the inspector's own phone, yesterday
    for n in range(3):
        assert log_in(client_at(app, f"10.3.0.{n}"), "insp", "guess").status_code == 401
    with caplog.at_level(logging.WARNING, logger="webapp.login_limits"):
        blocked = api_log_in(client_at(app, "10.3.0.9"), "insp")  # a new device: waits
    assert blocked.status_code == 429
    assert "insp" in caplog.text and "10.3.0.9" in caplog.text
    assert api_log_in(phone, "insp").status_code == 200  # its own phone still logs in


def test_a_stranger_at_the_same_address_cannot_lock_out_a_known_device(app, tree):
    """A whole unit's phones share one address (carrier NAT, the unit's Wi-Fi): a stranger
    failing there fills the address's counters, never those of a phone the account knows."""
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT"] = "3 per 15 minutes"
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    phone = client_at(app, "10.5.0.1")
    assert api_log_in(phone, "insp").status_code == 200  # the inspector's own phone, yesterday
    stranger = client_at(app, "10.5.0.1")
    guesses = [log_in(stranger, "insp", "guess").status_code for _ in range(4)]
    assert guesses == [401, 401, 401, 429]  # address and account
    assert log_in(stranger, "guess", "wrong").status_code == 401
    assert log_in(stranger, "boss").status_code == 429  # address (refusals count too)
    assert api_log_in(phone, "insp").status_code == 200
    assert api_log_in(client_at(app, "10.5.0.1"), "insp").status_code == 429  # a new device


def test_a_known_device_is_still_limited_by_its_own_failures(app, tree):
    """Whoever holds the phone, however it was got, guesses no faster than anyone else."""
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT"] = "3 per 15 minutes"
    phone = client_at(app, "10.6.0.1")
    assert api_log_in(phone, "insp").status_code == 200
    guesses = [api_log_in(phone, "insp", "guess").status_code for _ in range(4)]
    assert guesses == [401, 401, 401, 429]
    assert api_log_in(phone, "insp").status_code == 429
    assert api_log_in(client_at(app, "10.6.0.2"), "insp").status_code == 200  # elsewhere


def test_successful_logins_do_not_count(app, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT"] = "2 per 15 minutes"
    for _attempt in range(4):
        assert log_in(app.test_client(), "insp").status_code == 302


def test_a_forged_device_cookie_is_no_device(app, tree):
    app.config["SHELTER_LOGIN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    assert log_in(client_at(app, "10.4.0.1"), "insp", "guess").status_code == 401
    forger = client_at(app, "10.4.0.2")
    forger.set_cookie("login_device", "insp")
    assert log_in(forger, "insp").status_code == 429


# --- shared by every server process -------------------------------------------------------


def test_the_counters_are_shared_by_every_server_process(tmp_path):
    """Two server processes (as gunicorn's workers are) on one Redis count together."""
    from flask_migrate import upgrade
    from redis import Redis

    from tests.browser.conftest import serve
    from webapp import create_app

    url = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    config = {
        "SHELTER_DATABASE_URL": url,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "limits-test",
        "SHELTER_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "SHELTER_RATELIMIT_KEY_PREFIX": f"shelter-test-{uuid.uuid4().hex}",
        "SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT": "4 per 15 minutes",
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        account(make_tree()["unit_a"], Role.INSPECTOR, "insp")
        db.session.commit()
        db.engine.dispose()
    spec = f"webapp:create_app({config!r})"
    try:
        with (
            serve(spec, tmp_path / "one.log") as one,
            serve(spec, tmp_path / "two.log") as two,
        ):
            statuses = [_api_status(s.url, "wrong") for s in (one, two, one, two, one)]
            assert statuses == [401, 401, 401, 401, 429]
            assert _api_status(two.url, PASSWORD) == 429
    finally:
        redis = Redis.from_url(config["SHELTER_RATELIMIT_STORAGE_URI"])
        for key in redis.scan_iter(f"*{config['SHELTER_RATELIMIT_KEY_PREFIX']}*"):
            redis.delete(key)


def _api_status(base_url: str, password: str) -> int:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        base_url + "/api/v1/session",
        data=json.dumps({"username": "insp", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.parametrize(
    ("env", "workers", "warned"),
    [
        ({}, "2", True),
        ({}, "1", False),
        ({"SHELTER_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}, "4", False),
    ],
)
def test_make_run_warns_when_several_workers_count_in_memory(env, workers, warned):
    import os
    import subprocess
    from pathlib import Path

    environment = {k: v for k, v in os.environ.items() if k != "SHELTER_RATELIMIT_STORAGE_URI"}
    done = subprocess.run(
        ["make", "-s", "limits-warning", f"WORKERS={workers}"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert ("SHELTER_RATELIMIT_STORAGE_URI" in done.stderr) is warned


def test_behind_a_proxy_the_limits_count_the_phones_address(app_configured, tree):
    behind_nginx = app_configured(
        SHELTER_PROXY_COUNT=1, SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT="2 per 15 minutes"
    )
    proxy = client_at(behind_nginx, "127.0.0.1")

    def attempt(phone_address: str, password: str) -> int:
        return proxy.post(
            "/api/v1/session",
            json={"username": "insp", "password": password},
            headers={"X-Forwarded-For": phone_address},
        ).status_code

    assert [attempt("10.7.0.1", "guess") for _ in range(3)] == [401, 401, 429]
    assert attempt("10.7.0.2", PASSWORD) == 200  # not the proxy's address
