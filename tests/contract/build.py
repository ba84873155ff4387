"""Regenerate the contract payloads: ``.venv/bin/python tests/contract/build.py``.

The JSON files here are the source of truth shared by the Python API tests and the PWA's
JavaScript tests; this script only saves typing when the valid example changes. Every bad
case is the valid inspection with one thing wrong, so the field at fault is unambiguous.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import uuid
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
NS = uuid.UUID("6f1c1c7e-3a53-4d38-9a9e-4a4f3a0c2b10")


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


PHOTOS = {
    name: png(colour)
    for name, colour in (
        ("evidence-exit", (200, 30, 30)),
        ("after-exit", (30, 200, 30)),
        ("evidence-ebike", (30, 30, 200)),
    )
}
SHA = {name: hashlib.sha256(data).hexdigest() for name, data in PHOTOS.items()}

WORLD = {
    "_comment": "The server state the payloads assume (tests/contract/world.py builds it).",
    "now": "2026-11-30T09:00:00+08:00",
    "categories": [
        {
            "code": "EVAC",
            "name_zh": "安全疏散",
            "name_en": "Evacuation routes and exits",
            "position": 3,
        },
        {"code": "FIRE", "name_zh": "消防设施", "name_en": "Fire protection", "position": 2},
        {"code": "ELEC", "name_zh": "用电安全", "name_en": "Electrical", "position": 4},
        {
            "code": "WATER",
            "name_zh": "防水排水与防汛",
            "name_en": "Water, drainage, flood",
            "position": 7,
        },
    ],
    "template": {
        "key": "daily",
        "version": 1,
        "title": "日检查表",
        "items": [
            {
                "item_id": "FIRE-01",
                "category": "FIRE",
                "label_zh": "灭火器数量、位置符合配置，压力正常，在有效期内",
                "label_en": "Extinguishers present in the right number and place, pressure OK, in date",  # noqa: E501
            },
            {
                "item_id": "EVAC-01",
                "category": "EVAC",
                "label_zh": "营业/使用期间安全出口未锁闭、未封堵",
                "label_en": "Exits unlocked and unblocked while in use",
                "photo_required_on_fail": True,
                "fix_immediately": True,
            },
            {
                "item_id": "ELEC-05",
                "category": "ELEC",
                "label_zh": "工程内无电动自行车/电池停放、充电",
                "label_en": "No e-bikes or e-bike batteries parked or charged inside",
                "photo_required_on_fail": True,
            },
            {
                "item_id": "WATER-02",
                "category": "WATER",
                "label_zh": "地面无积水、结冰",
                "label_en": "No standing water or ice on floors",
                "frequency": "seasonal",
                "seasons": ["winter"],
            },
            {
                "item_id": "ELEC-03",
                "category": "ELEC",
                "label_zh": "电线无老化破损，按要求穿管保护",
                "label_en": "Cables not aged or damaged, run in conduit where required",
                "frequency": "monthly",
            },
        ],
    },
    "site": {
        "code": "CT-001",
        "name": "人民广场地下停车场",
        "usage": "parking",
        "qr_token": "ct-token-0123456789abcdef",
    },
    "other_city_site": {"code": "CT-OTHER", "name": "乙市地下商场", "usage": "commercial"},
    "daily_item_ids": ["FIRE-01", "EVAC-01", "ELEC-05", "WATER-02"],
}

VALID = {
    "id": uid("valid"),
    "site_code": "CT-001",
    "template_id": 1,
    "kind": "self",
    "started_at": "2026-11-30T08:05:00+08:00",
    "finished_at": "2026-11-30T08:21:30+08:00",
    "scan": {"token": "ct-token-0123456789abcdef", "scanned_at": "2026-11-30T08:04:40+08:00"},
    "results": [
        {
            "item_id": "EVAC-01",
            "outcome": "fail",
            "note": "2号出口被货架堵住",
            "photos": [SHA["evidence-exit"]],
            "rectification": {
                "mode": "on_spot",
                "action": "当场移开货架，出口已畅通",
                "photos": [SHA["after-exit"]],
            },
        },
        {"item_id": "FIRE-01", "outcome": "pass"},
        {
            "item_id": "ELEC-05",
            "outcome": "fail",
            "note": "B区有3辆电动车充电",
            "photos": [SHA["evidence-ebike"]],
            "rectification": {
                "mode": "order",
                "responsible": {"name": "王建国", "phone": "13800000000"},
                "deadline": "2026-12-05",
                "measures": "清走电动车，拆除私接充电线，张贴禁止标志",
                "funds": {"amount": "500.00", "source": "单位自筹"},
            },
        },
        {"item_id": "WATER-02", "outcome": "na", "note": "今日无积水风险"},
    ],
}


def variant(name: str, change) -> dict:
    record = copy.deepcopy(VALID)
    record["id"] = uid(name)
    change(record)
    return record


def r(index: int):
    return lambda record: record["results"][index]


BAD_INSPECTIONS = [
    ("unknown_site", "site_code", lambda x: x.update(site_code="NO-SUCH-SITE")),
    ("site_outside_scope", "site_code", lambda x: x.update(site_code="CT-OTHER")),
    ("unknown_template", "template_id", lambda x: x.update(template_id=999999)),
    ("template_id_not_integer", "template_id", lambda x: x.update(template_id="1")),
    (
        "unknown_item",
        "results.4.item_id",
        lambda x: x["results"].append({"item_id": "XX-99", "outcome": "pass"}),
    ),
    (
        "item_not_on_daily_form",
        "results.4.item_id",
        lambda x: x["results"].append({"item_id": "ELEC-03", "outcome": "pass"}),
    ),
    (
        "item_answered_twice",
        "results.4.item_id",
        lambda x: x["results"].append({"item_id": "FIRE-01", "outcome": "pass"}),
    ),
    ("missing_outcome", "results", lambda x: x["results"].pop(1)),
    ("outcome_not_allowed", "results.1.outcome", lambda x: r(1)(x).update(outcome="ok")),
    ("results_not_a_list", "results", lambda x: x.update(results={"FIRE-01": "pass"})),
    (
        "failure_without_rectification",
        "results.1.rectification",
        lambda x: r(1)(x).update(outcome="fail"),
    ),
    (
        "rectification_mode_unknown",
        "results.0.rectification.mode",
        lambda x: r(0)(x)["rectification"].update(mode="later"),
    ),
    (
        "on_spot_without_action",
        "results.0.rectification.action",
        lambda x: r(0)(x)["rectification"].pop("action"),
    ),
    (
        "on_spot_without_after_photo",
        "results.0.rectification.photos",
        lambda x: r(0)(x)["rectification"].pop("photos"),
    ),
    ("failure_without_evidence_photo", "results.0.photos", lambda x: r(0)(x).pop("photos")),
    (
        "order_without_responsible",
        "results.2.rectification.responsible",
        lambda x: r(2)(x)["rectification"].pop("responsible"),
    ),
    (
        "order_without_deadline",
        "results.2.rectification.deadline",
        lambda x: r(2)(x)["rectification"].pop("deadline"),
    ),
    (
        "order_deadline_not_a_date",
        "results.2.rectification.deadline",
        lambda x: r(2)(x)["rectification"].update(deadline="next week"),
    ),
    (
        "order_deadline_before_inspection_day",
        "results.2.rectification.deadline",
        lambda x: r(2)(x)["rectification"].update(deadline="2026-11-29"),
    ),
    (
        "order_deadline_too_far",
        "results.2.rectification.deadline",
        lambda x: r(2)(x)["rectification"].update(deadline="2027-01-15"),
    ),
    (
        "order_without_measures",
        "results.2.rectification.measures",
        lambda x: r(2)(x)["rectification"].update(measures="  "),
    ),
    (
        "funds_negative",
        "results.2.rectification.funds.amount",
        lambda x: r(2)(x)["rectification"]["funds"].update(amount="-5"),
    ),
    ("started_at_not_a_date", "started_at", lambda x: x.update(started_at="yesterday 8am")),
    (
        "started_at_without_offset",
        "started_at",
        lambda x: x.update(started_at="2026-11-30T08:05:00"),
    ),
    ("started_at_missing", "started_at", lambda x: x.pop("started_at")),
    (
        "finished_before_started",
        "finished_at",
        lambda x: x.update(finished_at="2026-11-30T07:59:00+08:00"),
    ),
    (
        "started_in_the_future",
        "started_at",
        lambda x: x.update(
            started_at="2026-12-01T08:05:00+08:00", finished_at="2026-12-01T08:20:00+08:00"
        ),
    ),
    ("photo_not_a_sha256", "results.0.photos", lambda x: r(0)(x).update(photos=["ABCDEF"])),
    (
        "scanned_at_without_offset",
        "scan.scanned_at",
        lambda x: x["scan"].update(scanned_at="2026-11-30T08:04:40"),
    ),
    ("id_not_a_uuid", "id", lambda x: x.update(id="inspection-1")),
    ("kind_unknown", "kind", lambda x: x.update(kind="weekly")),
    ("covert_check_by_unit_staff", "kind", lambda x: x.update(kind="covert")),
]

BATCH = {
    "device_id": "phone-7f3a",
    "device_time": "2026-11-30T09:00:05+08:00",
    "inspections": [VALID],
}

BAD_BATCHES = [
    {
        "name": "malformed_json",
        "status": 400,
        "field": "body",
        "body_text": '{"device_id": "phone-7f3a", "inspections": [}',
    },
    {"name": "body_not_an_object", "status": 422, "field": "body", "body": [VALID]},
    {
        "name": "device_id_missing",
        "status": 422,
        "field": "device_id",
        "body": {"device_time": BATCH["device_time"], "inspections": [VALID]},
    },
    {
        "name": "device_time_without_offset",
        "status": 422,
        "field": "device_time",
        "body": {**BATCH, "device_time": "2026-11-30T09:00:05"},
    },
    {
        "name": "inspections_not_a_list",
        "status": 422,
        "field": "inspections",
        "body": {**BATCH, "inspections": VALID},
    },
    {
        "name": "too_many_inspections",
        "status": 422,
        "field": "inspections",
        "body": {**BATCH, "inspections": []},
        "repeat_valid": 201,
    },
    {
        "name": "body_too_large",
        "status": 413,
        "field": "body",
        "body": {**BATCH, "padding": ""},
        "pad_to_bytes": 5 * 1024 * 1024,
    },
]

EXPORT = {
    "format": "shelter-daily-check/unsent",
    "version": 1,
    "exported_at": "2026-11-30T18:30:00+08:00",
    "device_id": "phone-7f3a",
    "username": "ct-inspector",
    "inspections": [VALID],
    "photos": [
        {"sha256": SHA[name], "content_type": "image/png", "data": base64.b64encode(data).decode()}
        for name, data in PHOTOS.items()
    ],
}

REPLY = {
    "server_time": "2026-11-30T01:00:05.120000+00:00",
    "results": [
        {
            "id": VALID["id"],
            "status": "created",
            "missing_photos": [SHA["evidence-exit"], SHA["after-exit"], SHA["evidence-ebike"]],
        }
    ],
}


def write(name: str, data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write("world.json", WORLD)
    write("sync_batch_valid.json", BATCH)
    write("sync_reply_example.json", REPLY)
    write(
        "bad_inspections.json",
        [
            {"name": name, "field": field, "inspection": variant(name, change)}
            for name, field, change in BAD_INSPECTIONS
        ],
    )
    write("bad_batches.json", BAD_BATCHES)
    write("export_file_example.json", EXPORT)
