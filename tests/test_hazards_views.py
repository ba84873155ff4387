"""The hazard pages: list, responsibility list, a hazard page and its action forms."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.hazard_world import PHOTO, act, hazard_in, make_world, open_hazard
from tests.login_helpers import log_in, page_token
from webapp import days
from webapp.extensions import db
from webapp.models import HazardEvent, HazardPhoto


@pytest.fixture
def world(app):
    with app.test_request_context():
        yield make_world()


def tiny_png() -> bytes:
    """A valid 1×1 PNG (the photo store checks magic bytes)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_the_list_shows_scope_filters_and_badges(client, world):
    with client.application.test_request_context():
        major = hazard_in(world, "open", major=True)
        hazard_in(world, "rectified")
    log_in(client, world.user("city_sup").username)
    page = client.get("/hazards/").get_data(as_text=True)
    assert "无易燃装修材料" in page and "灭火器完好有效" in page
    assert "重大" in page and "已整改待验收" in page
    only_major = client.get("/hazards/?grade=major").get_data(as_text=True)
    assert f"/hazards/{major.id}" in only_major and "灭火器完好有效" not in only_major
    assert client.get("/hazards/?found_from=yesterday").status_code == 400


def test_the_hazard_page_shows_the_timeline_and_photos(client, world):
    with client.application.test_request_context():
        hazard = hazard_in(world, "rectified")
    log_in(client, world.user("mgr").username)
    page = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert "登记" in page and "整改通知" in page and "报告整改完成" in page
    assert f"/api/v1/photos/{PHOTO}" in page
    assert 'value="verified"' in page and 'value="rejected"' in page
    assert client.get("/hazards/999999").status_code == 404


def test_rectified_from_the_page_with_an_uploaded_photo(client, world):
    with client.application.test_request_context():
        hazard = hazard_in(world, "rectifying")
    log_in(client, world.user("insp2").username)
    token = page_token(client.get(f"/hazards/{hazard.id}").get_data(as_text=True))
    png = tiny_png()
    reply = client.post(
        f"/hazards/{hazard.id}/events",
        data={
            "csrf_token": token,
            "id": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
            "type": "rectified",
            "note": "已更换灭火器",
            "photos": (io.BytesIO(png), "after.png"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 302
    db.session.expire_all()
    assert hazard.status == "rectified"
    sha = hazard.events[-1].photos[0]
    assert (
        db.session.scalar(select(func.count(HazardPhoto.id)).where(HazardPhoto.sha256 == sha)) == 1
    )
    # The verifier (another account) can see the photo through the hazard.
    other = client.application.test_client()
    log_in(other, world.user("mgr").username)
    photo = other.get(f"/api/v1/photos/{sha}")
    try:
        assert photo.status_code == 200 and photo.data == png
    finally:
        photo.close()


def test_a_refused_action_explains_why_and_changes_nothing(client, world):
    with client.application.test_request_context():
        hazard = hazard_in(world, "rectifying")
    log_in(client, world.user("insp").username)
    token = page_token(client.get(f"/hazards/{hazard.id}").get_data(as_text=True))
    before = db.session.scalar(select(func.count(HazardEvent.id)))
    reply = client.post(
        f"/hazards/{hazard.id}/events",
        data={"csrf_token": token, "type": "rectified", "note": "好了"},
    )
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "请至少添加一张整改后的照片" in page and "没有任何改动" in page
    assert db.session.scalar(select(func.count(HazardEvent.id))) == before


def test_bulk_verification_of_fixes_on_the_spot(client, world):
    with client.application.test_request_context():
        fixes = [
            open_hazard(world, "EVAC-01", {"mode": "on_spot", "action": "开锁"}) for _ in range(3)
        ]
    log_in(client, world.user("mgr").username)
    page = client.get("/hazards/?status=rectified").get_data(as_text=True)
    assert page.count('name="hazard"') == 3
    reply = client.post(
        "/hazards/verify",
        data={
            "csrf_token": page_token(page),
            "hazard": [str(h.id) for h in fixes[:2]],
            "note": "现场复核合格",
        },
    )
    assert reply.status_code == 302
    db.session.expire_all()
    assert [h.status for h in fixes] == ["closed", "closed", "rectified"]


def test_offices_see_the_escalation_and_the_responsibility_list(client, world):
    with client.application.test_request_context():
        hazard = open_hazard(
            world,
            "FIRE-01",
            {
                "mode": "order",
                "responsible": "李四",
                "responsible_phone": "139",
                "measures": "更换灭火器",
                "deadline": days.today().isoformat(),
            },
        )
    with time_machine.travel(days.now() + timedelta(days=2)):
        log_in(client, world.user("county_sup").username)
        page = client.get("/hazards/").get_data(as_text=True)
        assert "下辖单位有 1 条逾期隐患" in page
        listed = client.get("/hazards/responsibility").get_data(as_text=True)
        assert "李四" in listed and "更换灭火器" in listed and "甲市某区人防办" in listed
        assert f"/hazards/{hazard.id}" in listed


def _queries_for(client, url: str) -> int:
    from sqlalchemy import event

    client.get(url)  # warm-up: loads the logged-in user after the test's own commits
    count = 0

    def count_query(*_args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", count_query)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count_query)
    return count


def _one_of_each(world):
    """Hazards that touch every relation a list row shows."""
    hazard_in(world, "rectifying")
    major = hazard_in(world, "open", major=True)
    act(world, "city_sup", major, "supervise", notice="督〔2026〕1号")
    assigned = hazard_in(world, "open")
    act(
        world,
        "mgr",
        assigned,
        "assign",
        responsible_username=world.user("insp2").username,
        measures="更换",
        deadline=days.today() + timedelta(days=2),
    )
    open_hazard(world, "FIRE-01", finder="prov_sup", kind="covert")


@pytest.mark.parametrize("url", ["/hazards/", "/hazards/responsibility", "/api/v1/hazards"])
def test_lists_take_the_same_number_of_queries_for_more_hazards(client, world, url):
    with client.application.test_request_context():
        _one_of_each(world)
    log_in(client, world.user("city_sup").username)
    few = _queries_for(client, url)
    with client.application.test_request_context():
        for _ in range(3):
            _one_of_each(world)
    assert _queries_for(client, url) == few
