"""The record of one inspection, /inspections/<id>: who may open it, what it shows
(items, photos, rectifications and hazards, scan proof, conflicts, flags) and the
annotation form."""

from __future__ import annotations

import copy
import hashlib
import io
import re
from datetime import timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import select

from tests.contract.world import NOW, valid_batch
from tests.credibility_world import at, build_credibility_world, check, sync
from tests.factories import make_user
from tests.login_helpers import log_in, page_token
from webapp.extensions import db
from webapp.models import FlagAnnotation, Hazard, Role
from webapp.services.photos import store_photo


def jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def world(app):
    """The contract record (an exit fixed on the spot, e-bikes under an order, a pass, an
    n/a), with its first photo uploaded and the other two not yet; and a check with no
    scan, so that it carries a flag."""
    with time_machine.travel(NOW, tick=True):
        world = build_credibility_world()
        record = valid_batch(world["template"].id)["inspections"][0]
        photo = jpeg((200, 30, 30))
        record["results"][0]["photos"] = [hashlib.sha256(photo).hexdigest()]
        with app.test_request_context():
            store_photo(world["inspector"], hashlib.sha256(photo).hexdigest(), photo)
        sync(world["inspector"], [record])
        unscanned = check(world, at("11-30 08:40"), site="CT-002", token=None)
        sync(world["inspector"], [unscanned])
        world.update(record=record, photo=hashlib.sha256(photo).hexdigest(), unscanned=unscanned)
        yield world


def page(client, world, key="record", **params):
    return client.get(f"/inspections/{world[key]['id']}", query_string=params)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("ct-inspector", 200),  # filed it
        ("ct-manager", 200),  # a manager of its unit
        ("ct-city-a", 200),  # the city office above the site
        ("ct-province", 200),
        ("ct-city-b", 404),  # another city's office
        ("ct-inspector-b", 404),  # an inspector of another unit
        ("colleague", 404),  # an inspector of the same unit who did not file it
    ],
)
def test_who_may_open_a_record(client, world, who, status):
    make_user(world["unit_a"], Role.INSPECTOR, username="colleague")
    db.session.commit()
    log_in(client, who)
    assert page(client, world).status_code == status


def test_not_logged_in_goes_to_the_login_page_and_unknown_ids_are_404(client, world):
    assert page(client, world).status_code == 302
    log_in(client, "ct-manager")
    assert client.get("/inspections/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/inspections/not-a-uuid").status_code == 404
    assert client.get("/inspections/" + "9" * 5000).status_code == 404


def test_the_record_shows_the_check_items_photos_and_rectifications(client, world):
    log_in(client, "ct-manager")
    html = page(client, world).get_data(as_text=True)
    for text in (
        "人民广场地下停车场",  # the site
        "CT-001",
        "甲市经营单位",  # its unit
        "ct-inspector",  # who
        "检查员",
        "phone-1",  # the device
        "2026-11-30",  # the day it counts for
        "11-30 08:05",  # started
        "16 分 30 秒",  # took
        "有效",  # scan proof
        "2号出口被货架堵住",  # a failed item's note
        "当场移开货架，出口已畅通",  # fixed on the spot
        "清走电动车，拆除私接充电线，张贴禁止标志",  # the order's measures
        "王建国",
        "2026-12-05",
        "今日无积水风险",  # the n/a item's note
    ):
        assert text in html, text
    photo = world["photo"]
    assert f'<a href="/api/v1/photos/{photo}" data-photo><img src="/api/v1/photos/{photo}"' in html
    assert html.count(">照片尚未上传<") == 2  # the after-photo and the e-bike photo
    assert 'src="/static/js/photo-viewer.js"' in html and "<script>" not in html
    hazard = db.session.scalars(select(Hazard).where(Hazard.item_id == "ELEC-05")).one()
    assert f'<a href="/hazards/{hazard.id}">#{hazard.id}</a>' in html


def test_items_are_grouped_by_category_in_the_checklists_order(client, world):
    log_in(client, "ct-manager")
    html = page(client, world, lang="en").get_data(as_text=True)
    headings = re.findall(r'<h3 class="rec-cat">([^<]+)</h3>', html)
    assert headings and len(headings) == len(set(headings))
    assert "Fixed on the spot" in html and "Photo not yet uploaded" in html


def test_flags_show_their_reason_and_the_manager_can_annotate_them(client, world):
    log_in(client, "ct-manager")
    html = page(client, world, key="unscanned").get_data(as_text=True)
    assert "本次检查没有扫描二维码。" in html and 'id="flag-not_scanned"' in html
    url = f"/inspections/{world['unscanned']['id']}/flags/not_scanned/annotations"
    remark = "标签被撕毁，已重新张贴"
    data = {"verdict": "explained", "remark": remark, "csrf_token": page_token(html)}
    reply = client.post(url, data=data)
    assert reply.status_code == 302 and reply.headers["Location"].endswith("#flag-not_scanned")
    html = page(client, world, key="unscanned").get_data(as_text=True)
    assert "标签被撕毁，已重新张贴" in html and "已说明" in html
    assert db.session.scalar(select(FlagAnnotation.verdict)) == "explained"


def test_a_bad_annotation_is_shown_again_with_its_error(client, world):
    log_in(client, "ct-manager")
    token = page_token(page(client, world, key="unscanned").get_data(as_text=True))
    url = f"/inspections/{world['unscanned']['id']}/flags/not_scanned/annotations"
    reply = client.post(url, data={"verdict": "explained", "remark": " ", "csrf_token": token})
    assert reply.status_code == 422
    assert "请填写理由" in reply.get_data(as_text=True)
    assert db.session.scalar(select(FlagAnnotation.id)) is None


def test_the_inspector_sees_the_flags_but_no_form_and_may_not_post(client, world):
    log_in(client, "ct-inspector")
    html = page(client, world, key="unscanned").get_data(as_text=True)
    assert "本次检查没有扫描二维码。" in html and "Annotate" not in html and "添加批注" not in html
    url = f"/inspections/{world['unscanned']['id']}/flags/not_scanned/annotations"
    data = {"verdict": "explained", "remark": "我去过", "csrf_token": page_token(html)}
    assert client.post(url, data=data).status_code == 403
    assert client.post(url, data={**data, "csrf_token": "forged"}).status_code == 400


def test_another_citys_office_cannot_annotate_either(client, world):
    log_in(client, "ct-city-b")
    token = page_token(client.get("/dashboard/").get_data(as_text=True))
    url = f"/inspections/{world['unscanned']['id']}/flags/not_scanned/annotations"
    reply = client.post(url, data={"verdict": "confirmed", "remark": "x", "csrf_token": token})
    assert reply.status_code == 404


def test_a_conflicting_copy_is_shown_with_what_differs(client, world):
    other = copy.deepcopy(world["record"])
    other["results"][1]["outcome"] = "fail"
    other["results"][1]["note"] = "灭火器过期"
    other["results"][1]["rectification"] = {"mode": "on_spot", "action": "更换灭火器"}
    sync(world["inspector"], [other], expect=("conflict",))
    log_in(client, "ct-manager")
    html = page(client, world).get_data(as_text=True)
    assert "冲突" in html or "Conflicting" in html
    assert "FIRE-01" in html and "fail: 灭火器过期" in html


def test_records_are_linked_from_the_dashboard_the_site_page_and_the_hazard(client, world):
    record_link = f'href="/inspections/{world["record"]["id"]}'
    log_in(client, "ct-manager")
    dashboard = client.get("/dashboard/?date=2026-11-30&org=U-A1").get_data(as_text=True)
    assert record_link in dashboard
    site = client.get("/manage/sites/CT-001").get_data(as_text=True)  # its month
    assert record_link in site
    hazard = db.session.scalars(select(Hazard).where(Hazard.item_id == "ELEC-05")).one()
    hazard_page = client.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert f'{record_link}#item-ELEC-05"' in hazard_page


def test_the_hazard_page_links_its_origin_only_for_those_who_may_open_it(client, world):
    make_user(world["unit_a"], Role.INSPECTOR, username="colleague")
    db.session.commit()
    hazard = db.session.scalars(select(Hazard).where(Hazard.item_id == "ELEC-05")).one()
    log_in(client, "colleague")  # sees the unit's hazards, not a colleague's record
    hazard_page = client.get(f"/hazards/{hazard.id}")
    assert hazard_page.status_code == 200
    assert "/inspections/" not in hazard_page.get_data(as_text=True)


def test_the_record_shows_the_hazards_current_state_the_phone_clock_and_the_delay(client, world):
    late = check(world, at("11-30 08:05"), seconds=600, site="CT-001", fail=("ELEC-05",))
    sync(world["inspector"], [late], at("11-30 19:00"), phone_ahead=-timedelta(minutes=7))
    hazard = db.session.scalars(select(Hazard).where(Hazard.inspection_id == late["id"])).one()
    log_in(client, "ct-manager")
    html = page(client, {"late": late}, key="late").get_data(as_text=True)
    assert "比服务器慢 7 分 00 秒" in html  # the phone's clock
    assert "检查结束后 10 小时 45 分" in html  # finished 08:15, reached the server 19:00
    assert f">#{hazard.id}</a> · 整改中</p>" in html  # an order: being rectified


def _stale_label_check(world):
    site = world["site"]
    site.qr_token_previous = "ct-old-label-aaaaaaaaaaaa"
    site.qr_token_rotated_at = at("11-28 09:00")  # past its 24 hours' grace by the 30th
    db.session.commit()
    return check(world, at("11-30 08:05"), token="ct-old-label-aaaaaaaaaaaa")


@pytest.mark.parametrize(
    ("make_record", "shown"),
    [
        (lambda w: check(w, at("11-30 08:05"), token=None), "缺失：未扫描二维码"),
        (
            lambda w: check(w, at("11-30 08:05"), scanned_at=at("11-29 18:00")),
            "本工程的二维码，但扫描时间不在检查期间",
        ),
        (lambda w: check(w, at("11-30 08:05"), site="CT-002"), "另一个工程的二维码"),
        (_stale_label_check, "过期：本工程已更换的旧二维码，已超过宽限期"),
        (
            lambda w: check(w, at("11-30 08:05"), token="ct-made-up-token-zzzzzzz"),
            "不是本工程的标签",
        ),
    ],
    ids=["absent", "outside_time", "other_site", "stale", "unknown"],
)
def test_the_scan_proof_says_why_a_scan_did_not_count(client, world, make_record, shown):
    record = make_record(world)
    sync(world["inspector"], [record], at("11-30 19:00"))
    log_in(client, "ct-manager")
    html = page(client, {"r": record}, key="r").get_data(as_text=True)
    assert re.search(r'class="rec-scan scan-\w+">' + shown + "<", html), shown
