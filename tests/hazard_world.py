"""A small world for the hazard tests: one site under a county under a city under the
province, users of every role around it, and helpers that put a hazard in any state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from tests.factories import (
    make_failed_inspection,
    make_site,
    make_template,
    make_tree,
    make_user,
)
from webapp import days
from webapp.extensions import db
from webapp.models import Hazard, Role, User
from webapp.services.hazards import EventRequest, open_hazards_from_inspection, record_event

PHOTO = "a" * 64
PHOTO2 = "b" * 64

FULL_PLAN = dict(
    plan_objectives="消除重大火灾隐患",
    measures="拆除易燃装修材料，更换为A级材料",
    funds_amount=Decimal("12000.00"),
    funds_source="单位自筹",
    plan_materials="A级防火板 200㎡",
    plan_responsible_body="区属经营单位",
    responsible_name="王五",
    responsible_phone="13800000000",
    plan_interim_measures="停止营业，设置警示标志",
    plan_contingency="火灾应急预案（2026版）",
)


@dataclass
class World:
    tree: dict
    site: object
    template: object
    users: dict

    def user(self, key):
        return self.users[key]


def _user(org, role, display_name=None) -> User:
    username = f"hz{uuid.uuid4().hex[:10]}"
    return make_user(org, role, username, display_name=display_name or username)


def make_world() -> World:
    tree = make_tree()
    unit = tree["unit_county"]
    site = make_site(unit, name="人民广场地下商场")
    template = make_template(
        [
            {"item_id": "EVAC-01", "fix_immediately": True, "label_zh": "安全出口未锁闭"},
            {"item_id": "FIRE-01", "label_zh": "灭火器完好有效"},
            {"item_id": "FIRE-08", "default_grade": "major", "label_zh": "无易燃装修材料"},
        ]
    )
    users = {
        "insp": _user(unit, Role.INSPECTOR, display_name="检查员甲"),
        "insp2": _user(unit, Role.INSPECTOR, display_name="检查员乙"),
        "mgr": _user(unit, Role.UNIT_MANAGER, display_name="单位负责人"),
        "other_mgr": _user(tree["unit_a"], Role.UNIT_MANAGER),
        "county_sup": _user(tree["county"], Role.OFFICE_SUPERVISOR, display_name="区督查员"),
        "city_sup": _user(tree["city_a"], Role.OFFICE_SUPERVISOR, display_name="市督查员"),
        "prov_sup": _user(tree["province"], Role.OFFICE_SUPERVISOR, display_name="省督查员"),
        "cityb_sup": _user(tree["city_b"], Role.OFFICE_SUPERVISOR),
        "city_admin": _user(tree["city_a"], Role.OFFICE_ADMIN),
    }
    db.session.commit()
    return World(tree, site, template, users)


def open_hazard(
    world: World,
    item_id="FIRE-01",
    rectification=None,
    finder="insp",
    kind="self",
    finished_at=None,
    photos=None,
) -> Hazard:
    inspection = make_failed_inspection(
        world.site,
        world.user(finder),
        world.template,
        {item_id: rectification},
        kind=kind,
        finished_at=finished_at,
        photos=photos,
    )
    (hazard,) = open_hazards_from_inspection(inspection)
    db.session.commit()
    return hazard


def act(world: World, who: str, hazard: Hazard, type: str, **fields):
    request = EventRequest(id=str(uuid.uuid4()), type=type, **fields)
    return record_event(world.user(who), hazard.id, request)


def valid_fields(type: str) -> dict:
    """A valid payload for each action (on a general hazard)."""
    deadline = days.today() + timedelta(days=3)
    return {
        "assign": dict(
            responsible_name="张三",
            responsible_phone="13900000000",
            measures="清理通道",
            deadline=deadline,
        ),
        "plan": {**FULL_PLAN, "deadline": deadline},
        "progress": dict(note="已联系施工队"),
        "rectified": dict(note="已整改完毕", photos=[PHOTO]),
        "verified": {},
        "rejected": dict(note="整改不到位"),
        "regrade": dict(grade="major", note="位于人员密集场所"),
        "supervise": dict(notice="吉人防督〔2026〕1号"),
    }[type]


def hazard_in(world: World, status: str, major=False) -> Hazard:
    """A fresh hazard brought to ``status`` through the normal transitions."""
    item = "FIRE-08" if major else "FIRE-01"
    hazard = open_hazard(world, item)
    deadline = days.today() + timedelta(days=3)
    if status == "open":
        return hazard
    if major:
        act(world, "mgr", hazard, "plan", **{**FULL_PLAN, "deadline": deadline})
    else:
        act(world, "mgr", hazard, "assign", **valid_fields("assign"))
    if status == "rectifying":
        return hazard
    act(world, "insp", hazard, "rectified", note="已整改", photos=[PHOTO])
    if status == "rectified":
        return hazard
    act(world, "mgr" if not major else "county_sup", hazard, "verified")
    assert hazard.status == "closed"
    return hazard
