"""Amounts of money: one parser, finite and bounded, wherever funds are accepted."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from tests.hazard_world import hazard_in, make_world, valid_fields
from tests.login_helpers import csrf, log_in, page_token
from tests.test_reports import IN_APRIL, MARCH
from tests.test_reports import world as report_world  # noqa: F401  (the fixture)
from webapp.amounts import MAX_YUAN, parse_yuan
from webapp.extensions import db
from webapp.models import HazardEvent
from webapp.services import reports as svc

ABSURD = ["1e400", "Infinity", "-Infinity", "NaN", "sNaN", "-0.01", "1e12", "1" * 40, "12元"]


@pytest.fixture
def world(app):
    with app.test_request_context():
        yield make_world()


@pytest.mark.parametrize("text", ABSURD)
def test_absurd_amounts_are_refused(app, text):
    with app.test_request_context(), pytest.raises(ValueError):
        parse_yuan(text)


@pytest.mark.parametrize(
    ("value", "amount"),
    [("1200.5", Decimal("1200.50")), (0, Decimal("0.00")), ("0.005", Decimal("0.01"))],
)
def test_amounts_are_yuan_and_fen(app, value, amount):
    with app.test_request_context():
        assert parse_yuan(value) == amount
        assert parse_yuan(MAX_YUAN) == MAX_YUAN


def _events(hazard) -> int:
    return db.session.scalar(
        select(func.count(HazardEvent.id)).where(HazardEvent.hazard_id == hazard.id)
    )


@pytest.mark.parametrize("text", ["1e400", "NaN", "1e12"])
def test_the_hazard_page_refuses_an_absurd_amount(client, world, text):
    with client.application.test_request_context():
        hazard = hazard_in(world, "open")
    log_in(client, world.user("mgr").username)
    token = page_token(client.get(f"/hazards/{hazard.id}").get_data(as_text=True))
    fields = valid_fields("assign")
    reply = client.post(
        f"/hazards/{hazard.id}/events",
        data={
            "csrf_token": token,
            "type": "assign",
            **fields,
            "deadline": fields["deadline"].isoformat(),
            "funds_amount": text,
        },
    )
    assert reply.status_code == 422
    assert "Infinity" not in reply.get_data(as_text=True)
    assert _events(hazard) == 1 and hazard.funds_amount is None


@pytest.mark.parametrize("amount", ["1e400", "NaN", "1e12", 1e300])
def test_the_api_refuses_an_absurd_amount(client, world, amount):
    hazard = hazard_in(world, "open")
    log_in(client, world.user("mgr").username)
    headers = {"X-CSRF-Token": csrf(client)}
    body = {"id": str(uuid.uuid4()), "type": "assign", "funds_amount": amount}
    reply = client.post(f"/api/v1/hazards/{hazard.id}/events", json=body, headers=headers)
    assert reply.status_code == 422 and "funds_amount" in reply.get_json()["fields"]
    batch = client.post(
        "/api/v1/sync/hazard-events",
        json={"events": [{**body, "hazard_id": hazard.id}]},
        headers=headers,
    )
    (result,) = batch.get_json()["results"]
    assert result["status"] == "rejected" and "funds_amount" in result["fields"]
    assert _events(hazard) == 1


@pytest.mark.parametrize(
    "values",
    [
        {"fines_amount": "1e400"},
        {"fines_amount": "inf"},
        {"direct_loss": "nan"},
        {"direct_loss": "1e12"},
        {"people_trained": str(10**30)},
    ],
)
def test_the_monthly_report_refuses_an_absurd_figure(report_world, values):  # noqa: F811
    with time_machine.travel(IN_APRIL, tick=False):
        with pytest.raises(svc.ReportRefused):
            svc.save_draft(report_world["sup_a"], report_world["city_a"], MARCH, values)
    assert svc.latest(report_world["city_a"], MARCH) is None


@pytest.mark.parametrize("amount", ["1e400", "NaN", -5, 1e300, True])
def test_a_synced_order_with_an_absurd_amount_is_rejected_alone(app, client, amount):
    import copy

    from tests.contract.world import NOW, build_world, valid_batch
    from tests.contract.world import log_in as api_log_in

    with time_machine.travel(NOW, tick=True):
        world = build_world()
        headers = api_log_in(client, "ct-inspector")
        good = valid_batch(world["template"].id)["inspections"][0]
        bad = copy.deepcopy(good)
        bad["id"] = str(uuid.uuid4())
        index, order = next(
            (i, r)
            for i, r in enumerate(bad["results"])
            if (r.get("rectification") or {}).get("funds")
        )
        order["rectification"]["funds"]["amount"] = amount
        reply = client.post(
            "/api/v1/sync/inspections",
            json={"device_id": "p", "device_time": NOW.isoformat(), "inspections": [good, bad]},
            headers=headers,
        )
    first, second = reply.get_json()["results"]
    assert first["status"] == "created"
    assert second["status"] == "rejected"
    assert f"results.{index}.rectification.funds.amount" in second["errors"]
