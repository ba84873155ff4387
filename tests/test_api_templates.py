"""GET /api/v1/templates/<id>: items with Chinese and English labels."""

from __future__ import annotations

import pytest
import time_machine

from tests.contract.world import NOW, WORLD, build_world, log_in


@pytest.fixture
def world(app):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


@pytest.mark.parametrize(
    ("headers", "query", "english"),
    [
        ({}, "", False),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", True),
        ({}, "?lang=en", True),
        ({"Accept-Language": "en"}, "?lang=zh", False),
    ],
)
def test_template_items_in_both_languages(client, world, headers, query, english):
    log_in(client, "ct-inspector")
    reply = client.get(f"/api/v1/templates/{world['template'].id}{query}", headers=headers)
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["id"] == world["template"].id and body["version"] == 1
    spec = WORLD["template"]["items"]
    assert [item["id"] for item in body["items"]] == [item["item_id"] for item in spec]
    exit_item = body["items"][1]
    assert (
        exit_item["label_zh"] == spec[1]["label_zh"]
        and exit_item["label_en"] == spec[1]["label_en"]
    )
    assert exit_item["label"] == (spec[1]["label_en"] if english else spec[1]["label_zh"])
    assert exit_item["category"] == "EVAC"
    assert exit_item["category_name"] == ("Evacuation routes and exits" if english else "安全疏散")
    assert exit_item["photo_required_on_fail"] is True and exit_item["fix_immediately"] is True
    assert exit_item["default_grade"] == "general"
    assert [c["code"] for c in body["categories"]] == ["FIRE", "EVAC", "ELEC", "WATER"]


def test_unknown_template_is_404(client, world):
    log_in(client, "ct-inspector")
    reply = client.get("/api/v1/templates/999999")
    assert reply.status_code == 404 and reply.get_json()["error"] == "not_found"


def test_templates_need_a_session(client, world):
    assert client.get(f"/api/v1/templates/{world['template'].id}").status_code == 401
