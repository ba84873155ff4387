"""Load the contract payloads and build the server state they assume (world.json)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

from tests.factories import PASSWORD, make_site, make_template, make_tree, make_user
from webapp.extensions import db
from webapp.models import ChecklistCategory, Role

HERE = Path(__file__).resolve().parent


def load(name: str):
    return json.loads((HERE / name).read_text(encoding="utf-8"))


WORLD = load("world.json")
NOW = datetime.fromisoformat(WORLD["now"])


def build_world() -> dict:
    """The orgs, users, template and sites of world.json; commits. Returns them by name."""
    tree = make_tree()
    for spec in WORLD["categories"]:
        db.session.merge(ChecklistCategory(**spec))
    spec = WORLD["template"]
    template = make_template(
        items=copy.deepcopy(spec["items"]), key=spec["key"], version=spec["version"]
    )
    site = make_site(tree["unit_a"], **WORLD["site"])
    other = make_site(tree["unit_b"], **WORLD["other_city_site"])
    world = {
        **tree,
        "template": template,
        "site": site,
        "other_site": other,
        "inspector": make_user(tree["unit_a"], Role.INSPECTOR, username="ct-inspector"),
        "manager": make_user(tree["unit_a"], Role.UNIT_MANAGER, username="ct-manager"),
        "colleague_b": make_user(tree["unit_b"], Role.INSPECTOR, username="ct-inspector-b"),
        "city_a_office": make_user(tree["city_a"], Role.OFFICE_SUPERVISOR, username="ct-city-a"),
        "city_b_office": make_user(tree["city_b"], Role.OFFICE_SUPERVISOR, username="ct-city-b"),
        "province_office": make_user(tree["province"], Role.OFFICE_ADMIN, username="ct-province"),
    }
    db.session.commit()
    return world


def with_template(record: dict, template_id: int) -> dict:
    """The record with the world's real template id (ids are given by the database)."""
    record = copy.deepcopy(record)
    if record.get("template_id") == 1:
        record["template_id"] = template_id
    return record


def valid_batch(template_id: int) -> dict:
    batch = load("sync_batch_valid.json")
    batch["inspections"] = [with_template(r, template_id) for r in batch["inspections"]]
    return batch


def log_in(client, username: str) -> dict:
    """Log ``client`` in through the API; returns the headers a state-changing call needs."""
    reply = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    return {"X-CSRF-Token": reply.get_json()["csrf_token"]}
