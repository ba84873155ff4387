"""The one clock: ``days.now`` and the replay used by the demo seed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import make_org, make_site
from webapp import days
from webapp.extensions import db
from webapp.models import OrgKind


def test_replaying_sets_the_clock_for_services_and_model_defaults(app):
    moment = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)  # 00:30 on 10 March in Shanghai
    with days.replaying(moment):
        assert days.now() == moment and days.today() == date(2026, 3, 10)
        site = make_site(make_org("U-R1", OrgKind.UNIT), "R1", due_from=date(2026, 3, 10))
        db.session.commit()
        assert site.created_at == moment
    assert datetime.now(UTC) - days.now() < timedelta(seconds=5)


def test_replaying_refuses_the_future_and_naive_moments(app):
    with pytest.raises(ValueError), days.replaying(datetime.now(UTC) + timedelta(hours=1)):
        pass
    with pytest.raises(ValueError), days.replaying(datetime(2026, 3, 9, 16, 30)):
        pass
