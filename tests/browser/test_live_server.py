"""The browser-test fixtures themselves: a real server on the live database, a real Chromium."""

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in_api
from webapp.extensions import db
from webapp.models import Site


@pytest.mark.browser
def test_server_sees_what_the_test_process_seeded(field_kit, live_db, context):
    reply = log_in_api(context, field_kit.username)

    assert reply["user"]["username"] == field_kit.username
    assert reply["csrf_token"]
    with live_db():
        site = db.session.execute(select(Site).where(Site.code == field_kit.site_code)).scalar_one()
        assert site.unit.code == field_kit.unit_code


@pytest.mark.browser
def test_persistent_profile_keeps_cookies_across_restarts(field_kit, open_profile, tmp_path):
    profile = tmp_path / "profile"
    first = open_profile(profile)
    log_in_api(first, field_kit.username)
    first.close()

    second = open_profile(profile)
    me = second.request.get("/api/v1/me")

    assert me.status == 200
    assert me.json()["user"]["username"] == field_kit.username
