"""webapp/qr.py and /manage/qr: the label URL, the proof-of-presence rule, rotation, pages."""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_site, make_tree, make_user
from webapp import qr
from webapp.extensions import db
from webapp.models import QrRotation, Role, Site

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
GRACE = timedelta(hours=24)


@pytest.fixture
def tree(app):
    return make_tree()


def rotated_site(unit, when=T0):
    """A site whose token was rotated at ``when``; returns (site, old_token)."""
    site = make_site(unit)
    old = site.qr_token
    manager = make_user(unit, Role.UNIT_MANAGER)
    with time_machine.travel(when, tick=False):
        qr.rotate_site_token(site, manager, "label damaged")
    return site, old


# --- the URL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base, expected",
    [
        ("https://rf.jl.gov.cn", "https://rf.jl.gov.cn/s/CC-0001?k={token}"),
        ("https://rf.jl.gov.cn/", "https://rf.jl.gov.cn/s/CC-0001?k={token}"),
        ("https://gov.cn/rf", "https://gov.cn/rf/s/CC-0001?k={token}"),
    ],
)
def test_site_url_format(app, tree, base, expected):
    app.config["SHELTER_PUBLIC_BASE_URL"] = base
    site = make_site(tree["unit_a"], code="CC-0001")
    assert qr.site_url(site) == expected.format(token=site.qr_token)


def test_public_base_url_comes_from_the_environment(monkeypatch, tmp_path):
    """Operators set SHELTER_PUBLIC_BASE_URL (docs/admin.md); the labels must carry it."""
    from webapp import create_app

    monkeypatch.setenv("SHELTER_PUBLIC_BASE_URL", "https://rf.example.gov.cn")
    monkeypatch.setenv("SHELTER_QR_ROTATION_GRACE_HOURS", "48")
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    app = create_app({"SHELTER_DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url})
    assert app.config["SHELTER_PUBLIC_BASE_URL"] == "https://rf.example.gov.cn"
    assert app.config["SHELTER_QR_ROTATION_GRACE_HOURS"] == 48
    with app.app_context():
        assert qr.site_url(Site(code="CC-1", qr_token="t" * 22)).startswith(
            "https://rf.example.gov.cn/s/CC-1?k="
        )
    with app.app_context():
        db.engine.dispose()


def test_default_token_is_128_random_bits(app, tree):
    tokens = {make_site(tree["unit_a"]).qr_token for _ in range(20)}
    assert len(tokens) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", token) for token in tokens)


LABEL_CASES = json.loads((Path(__file__).parent / "contract" / "qr_label_urls.json").read_text())


@pytest.mark.parametrize("case", LABEL_CASES["cases"], ids=lambda case: case["text"][:60])
def test_parse_label_url(app, case):
    """The same cases the in-app scanner is tested with (tests/browser/test_scanner.py)."""
    app.config["SHELTER_PUBLIC_BASE_URL"] = LABEL_CASES["base"]
    if case["verdict"] == "ours":
        assert qr.parse_label_url(case["text"]) == qr.LabelRef(case["code"], case["token"])
    else:
        with pytest.raises(qr.MalformedLabel) as err:
            qr.parse_label_url(case["text"])
        assert str(err.value) == case["verdict"]


@pytest.mark.parametrize(
    "base, text",
    [
        ("https://gov.cn/rf", "https://gov.cn/rf/s/CC-0001?k=AAAAAAAAAAAAAAAAAAAAAA"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/s/CC-0001?k=AAAAAAAAAAAAAAAAAAAAAA"),
    ],
)
def test_parse_label_url_under_other_bases(app, base, text):
    app.config["SHELTER_PUBLIC_BASE_URL"] = base
    assert qr.parse_label_url(text) == qr.LabelRef("CC-0001", "A" * 22)
    with pytest.raises(qr.MalformedLabel):
        qr.parse_label_url(text.replace("/s/", "/x/s/"))


# --- the proof-of-presence rule -----------------------------------------------------------


@pytest.mark.parametrize(
    "which, scanned_at, valid",
    [
        ("current", T0 + timedelta(days=30), True),
        ("current", None, True),
        ("previous", T0 - timedelta(hours=1), True),  # scanned before the rotation
        ("previous", T0 + GRACE - timedelta(seconds=1), True),  # within the grace period
        ("previous", T0 + GRACE, True),
        ("previous", T0 + GRACE + timedelta(seconds=1), False),  # old, after the grace period
        ("previous", None, False),
        ("wrong", T0, False),
        ("missing", T0, False),
        ("empty", T0, False),
    ],
)
def test_scan_is_valid(app, tree, which, scanned_at, valid):
    site, old = rotated_site(tree["unit_a"])
    token = {
        "current": site.qr_token,
        "previous": old,
        "wrong": "x" * 22,
        "missing": None,
        "empty": "",
    }[which]
    assert qr.scan_is_valid(site, token, scanned_at) is valid


def test_grace_period_is_configurable(app, tree):
    app.config["SHELTER_QR_ROTATION_GRACE_HOURS"] = 0
    site, old = rotated_site(tree["unit_a"])
    assert not qr.scan_is_valid(site, old, T0 + timedelta(seconds=1))
    assert qr.scan_is_valid(site, old, T0)


def test_a_second_rotation_retires_the_first_token_at_once(app, tree):
    site, first = rotated_site(tree["unit_a"], T0)
    second = site.qr_token
    manager = make_user(tree["unit_a"], Role.UNIT_MANAGER)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        qr.rotate_site_token(site, manager)
    scanned = T0 + timedelta(hours=2)
    assert not qr.scan_is_valid(site, first, scanned)
    assert qr.scan_is_valid(site, second, scanned)
    assert qr.scan_is_valid(site, site.qr_token, scanned)


# --- rotation -----------------------------------------------------------------------------


def test_rotate_site_token_logs_who_when_and_why(app, tree):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    manager = make_user(tree["unit_a"], Role.UNIT_MANAGER, display_name="李经理")
    with time_machine.travel(T0, tick=False):
        rotation = qr.rotate_site_token(site, manager, "  label damaged by water ")
    db.session.expire_all()
    site = db.session.get(Site, site.id)
    assert site.qr_token != old and len(site.qr_token) == 22
    assert site.qr_token_previous == old
    assert site.qr_token_rotated_at == T0
    logged = db.session.execute(select(QrRotation)).scalar_one()
    assert logged.id == rotation.id
    assert (logged.site_id, logged.unit_id, logged.rotated_by_id) == (
        site.id,
        site.unit_id,
        manager.id,
    )
    assert (logged.rotated_at, logged.reason, logged.kind) == (T0, "label damaged by water", "site")
    assert logged.old_token_fingerprint == qr.token_fingerprint(old)
    assert old not in logged.old_token_fingerprint


@pytest.mark.parametrize(
    "org_key, role, allowed",
    [
        ("unit_a", Role.UNIT_MANAGER, True),
        ("city_a", Role.OFFICE_ADMIN, True),
        ("province", Role.OFFICE_ADMIN, True),
        ("unit_a", Role.INSPECTOR, False),
        ("city_a", Role.OFFICE_SUPERVISOR, False),
        ("unit_b", Role.UNIT_MANAGER, False),
        ("city_b", Role.OFFICE_ADMIN, False),
    ],
)
def test_who_may_rotate(app, tree, org_key, role, allowed):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    user = make_user(tree[org_key], role)
    db.session.commit()
    if allowed:
        qr.rotate_site_token(site, user)
        assert site.qr_token != old
    else:
        with pytest.raises(qr.RotationRefused):
            qr.rotate_site_token(site, user)
        db.session.rollback()
        assert db.session.get(Site, site.id).qr_token == old
        assert db.session.scalar(select(func.count(QrRotation.id))) == 0


def test_rotate_unit_tokens_rotates_every_site_in_one_batch(app, tree):
    sites = [make_site(tree["unit_a"]) for _ in range(3)]
    other = make_site(tree["unit_b"])
    before = {site.id: site.qr_token for site in [*sites, other]}
    admin = make_user(tree["city_a"], Role.OFFICE_ADMIN)
    rotations = qr.rotate_unit_tokens(tree["unit_a"], admin, "labels copied")
    assert len(rotations) == 3
    assert {r.batch for r in rotations} == {rotations[0].batch}
    assert {r.kind for r in rotations} == {"unit"}
    for site in sites:
        assert site.qr_token != before[site.id] and site.qr_token_previous == before[site.id]
    assert other.qr_token == before[other.id] and other.qr_token_previous is None


@pytest.mark.parametrize(
    "org_key, user_org, role, message",
    [
        ("city_a", "province", Role.OFFICE_ADMIN, "not an operating unit"),
        ("unit_b", "unit_b", Role.UNIT_MANAGER, "has no sites"),
        ("unit_a", "unit_b", Role.UNIT_MANAGER, "may not manage"),
        ("unit_a", "city_b", Role.OFFICE_ADMIN, "may not manage"),
        ("unit_a", "unit_a", Role.INSPECTOR, "may not manage"),
    ],
)
def test_rotate_unit_tokens_refusals_write_nothing(app, tree, org_key, user_org, role, message):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    user = make_user(tree[user_org], role)
    db.session.commit()
    with pytest.raises(qr.RotationRefused, match=message):
        qr.rotate_unit_tokens(tree[org_key], user)
    db.session.rollback()
    assert db.session.get(Site, site.id).qr_token == old
    assert db.session.scalar(select(func.count(QrRotation.id))) == 0


def test_rotation_refuses_an_overlong_reason(app, tree):
    site = make_site(tree["unit_a"])
    manager = make_user(tree["unit_a"], Role.UNIT_MANAGER)
    with pytest.raises(qr.RotationRefused):
        qr.rotate_site_token(site, manager, "x" * 201)


@pytest.mark.parametrize(
    "which, at, state",
    [
        ("current", T0, qr.LabelState.CURRENT),
        ("previous", T0 + GRACE - timedelta(minutes=1), qr.LabelState.GRACE),
        ("previous", T0 + GRACE + timedelta(minutes=1), qr.LabelState.RETIRED),
        ("wrong", T0, qr.LabelState.WRONG),
    ],
)
def test_label_state(app, tree, which, at, state):
    site, old = rotated_site(tree["unit_a"])
    token = {"current": site.qr_token, "previous": old, "wrong": "w" * 22}[which]
    assert qr.label_state(qr.LabelRef(site.code, token), at) == (state, site)


def test_label_state_of_an_unknown_site(app, tree):
    assert qr.label_state(qr.LabelRef("NOPE", "w" * 22)) == (qr.LabelState.UNKNOWN_SITE, None)


# --- the management pages ------------------------------------------------------------------


def log_in(client, user) -> str:
    """Log in through the API (same session cookie as the pages); returns the CSRF token."""
    reply = client.post("/api/v1/session", json={"username": user.username, "password": PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()["csrf_token"]


@pytest.fixture
def manager(tree):
    user = make_user(tree["unit_a"], Role.UNIT_MANAGER)
    db.session.commit()
    return user


def test_index_lists_the_sites_in_scope(client, tree, manager):
    mine = make_site(tree["unit_a"], name="红旗街地下商业街")
    theirs = make_site(tree["unit_b"], name="乙市某工程")
    db.session.commit()
    log_in(client, manager)
    page = client.get("/manage/qr/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert mine.code in html and "红旗街地下商业街" in html
    assert theirs.code not in html
    assert f"/manage/qr/sites/{mine.code}/label.png" in html
    assert "/manage/qr/units/U-A1/rotate" in html


def listed_codes(html: str) -> list[str]:
    return re.findall(r'name="site" value="([^"]+)"', html)


def test_index_lists_50_sites_a_page_like_the_sites_list(client, tree, manager):
    codes = [make_site(tree["unit_a"], f"Q{n:04d}").code for n in range(1, 121)]
    db.session.commit()
    log_in(client, manager)
    first = client.get("/manage/qr/?org=U-A1").get_data(as_text=True)
    assert listed_codes(first) == codes[:50]
    assert "120 个工程" in first and "第 1 / 3 页" in first
    assert 'href="/manage/qr/?page=2&amp;org=U-A1"' in first
    # Printing a whole unit works whatever the page (120 labels fit in one sheet).
    assert 'href="/manage/qr/sheet.pdf?org=U-A1&amp;download=1"' in first
    assert "/manage/qr/units/U-A1/rotate" in first
    last = client.get("/manage/qr/?org=U-A1&page=3").get_data(as_text=True)
    assert listed_codes(last) == codes[100:]
    assert 'href="/manage/qr/?page=2&amp;org=U-A1"' in last and "page=4" not in last
    assert listed_codes(client.get("/manage/qr/?org=U-A1&page=9").get_data(as_text=True)) == []
    assert client.get("/manage/qr/?page=x").status_code == 400


def test_print_all_is_offered_up_to_the_sheet_limit(client, tree):
    for n in range(1, 202):
        make_site(tree["unit_a"], f"Q{n:04d}")
    make_site(tree["unit_b"], "QB001")
    admin = make_user(tree["province"], Role.OFFICE_ADMIN)
    db.session.commit()
    log_in(client, admin)
    province = client.get("/manage/qr/").get_data(as_text=True)
    assert len(listed_codes(province)) == 50 and "202 个工程" in province
    assert "sheet.pdf?org=JL&amp;download=1" not in province  # 202 > 200 labels
    city_b = client.get("/manage/qr/?org=CB").get_data(as_text=True)
    assert listed_codes(city_b) == ["QB001"] and 'class="pager"' not in city_b
    assert "sheet.pdf?org=CB&amp;download=1" in city_b


def test_after_a_rotation_the_list_opens_at_the_site(client, tree, manager):
    for n in range(1, 61):
        make_site(tree["unit_a"], f"Q{n:04d}")
    db.session.commit()
    token = log_in(client, manager)
    done = client.post("/manage/qr/sites/Q0055/rotate", data={"csrf_token": token, "confirm": "y"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/manage/qr/?org=U-A1&page=2&rotated=Q0055"
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    highlighted = re.search(r'<tr class="highlight">\s*<td class="code">.*?value="([^"]+)"', html)
    assert highlighted.group(1) == "Q0055"
    assert "rotated=" not in html.split('class="pager"')[1]


@pytest.mark.parametrize(
    "org_key, role", [("unit_a", Role.INSPECTOR), ("city_a", Role.OFFICE_SUPERVISOR)]
)
def test_only_those_who_manage_sites_open_the_label_pages(client, tree, org_key, role):
    site = make_site(tree["unit_a"])
    user = make_user(tree[org_key], role)
    db.session.commit()
    log_in(client, user)
    for path in (
        "/manage/qr/",
        f"/manage/qr/sites/{site.code}/label.png",
        "/manage/qr/sheet.pdf?org=U-A1",
        f"/manage/qr/sites/{site.code}/rotate",
    ):
        assert client.get(path).status_code == 403


def test_label_pages_need_a_login(client, tree):
    site = make_site(tree["unit_a"])
    db.session.commit()
    reply = client.get(f"/manage/qr/sites/{site.code}/label.png")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


@pytest.mark.parametrize(
    "path, status",
    [
        ("/manage/qr/sites/{mine}/label.png", 200),
        ("/manage/qr/sites/{mine}/label.svg", 200),
        ("/manage/qr/sites/{theirs}/label.png", 404),  # out of scope: not revealed
        ("/manage/qr/sites/NOPE/label.svg", 404),
        ("/manage/qr/sheet.pdf?org=U-A1", 200),
        ("/manage/qr/sheet.pdf?org=U-A1&site={mine}", 200),
        ("/manage/qr/sheet.pdf?org=U-B1", 404),
        ("/manage/qr/sheet.pdf?org=U-A1&site={theirs}", 404),
        ("/manage/qr/sheet.pdf?org=U-A1&site=NOPE", 404),
        ("/manage/qr/sheet.pdf", 400),
        ("/manage/qr/sheet.pdf?org=U-A1&selection=1", 400),  # "print the ticked", none ticked
        ("/manage/qr/sheet.pdf?org=U-A1&selection=1&site={mine}", 200),
        ("/manage/qr/sheet.pdf?org=NOPE", 404),
        ("/manage/qr/sites/{theirs}/rotate", 404),
        ("/manage/qr/units/U-B1/rotate", 404),
    ],
)
def test_label_requests(client, tree, manager, path, status):
    mine = make_site(tree["unit_a"])
    theirs = make_site(tree["unit_b"])
    db.session.commit()
    log_in(client, manager)
    reply = client.get(path.format(mine=mine.code, theirs=theirs.code))
    assert reply.status_code == status
    if status == 200:
        assert reply.headers["Cache-Control"] == "no-store"


def test_sheet_of_sites_outside_the_chosen_org_is_refused(client, tree):
    a = make_site(tree["unit_a"])
    k = make_site(tree["unit_county"])
    admin = make_user(tree["city_a"], Role.OFFICE_ADMIN)
    db.session.commit()
    log_in(client, admin)
    reply = client.get(f"/manage/qr/sheet.pdf?org=U-A1&site={a.code},{k.code}")
    assert reply.status_code == 400
    assert k.code in reply.get_data(as_text=True)
    both = client.get(f"/manage/qr/sheet.pdf?org=CA&site={a.code}&site={k.code}&download=1")
    assert both.status_code == 200 and both.mimetype == "application/pdf"
    assert both.headers["Content-Disposition"].startswith('attachment; filename="qr-labels-CA-')


def test_sheet_of_an_empty_set_is_refused(client, tree, manager):
    log_in(client, manager)
    reply = client.get("/manage/qr/sheet.pdf?org=U-A1")
    assert reply.status_code == 400
    assert "没有可打印标签的工程" in reply.get_data(as_text=True)


def test_rotate_site_page_asks_for_confirmation(client, tree, manager):
    site = make_site(tree["unit_a"])
    old = site.qr_token
    db.session.commit()
    token = log_in(client, manager)
    path = f"/manage/qr/sites/{site.code}/rotate"
    page = client.get(path)
    assert page.status_code == 200 and site.name in page.get_data(as_text=True)

    unconfirmed = client.post(path, data={"csrf_token": token, "reason": "damaged"})
    assert unconfirmed.status_code == 422
    no_csrf = client.post(path, data={"reason": "damaged", "confirm": "y"})
    assert no_csrf.status_code == 400
    too_long = client.post(path, data={"csrf_token": token, "reason": "x" * 201, "confirm": "y"})
    assert too_long.status_code == 422
    db.session.expire_all()
    assert db.session.get(Site, site.id).qr_token == old
    assert db.session.scalar(select(func.count(QrRotation.id))) == 0

    done = client.post(path, data={"csrf_token": token, "reason": "damaged", "confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    site = db.session.get(Site, site.id)
    assert site.qr_token != old and site.qr_token_previous == old
    logged = db.session.execute(select(QrRotation)).scalar_one()
    assert (logged.rotated_by_id, logged.reason) == (manager.id, "damaged")
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "damaged" in listing  # the log on the page


def test_rotate_unit_page(client, tree, manager):
    sites = [make_site(tree["unit_a"]) for _ in range(2)]
    before = [site.qr_token for site in sites]
    db.session.commit()
    token = log_in(client, manager)
    assert client.get("/manage/qr/units/U-A1/rotate").status_code == 200
    reply = client.post("/manage/qr/units/U-A1/rotate", data={"csrf_token": token, "confirm": "y"})
    assert reply.status_code == 302
    db.session.expire_all()
    after = [db.session.get(Site, site.id).qr_token for site in sites]
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert db.session.scalar(select(func.count(QrRotation.id))) == 2


def test_rotate_unit_page_refuses_offices_and_empty_units(client, tree):
    admin = make_user(tree["city_a"], Role.OFFICE_ADMIN)
    db.session.commit()
    log_in(client, admin)
    assert client.get("/manage/qr/units/CA-K/rotate").status_code == 400  # not a unit
    assert client.get("/manage/qr/units/U-A1/rotate").status_code == 400  # no sites


@pytest.mark.parametrize(
    "which, status, text",
    [
        ("current", 200, "当前有效标签"),
        ("previous", 200, "已更换的标签，仍然有效"),
        ("old", 410, "旧标签"),
        ("wrong", 409, "不是本工程的标签"),
        ("unknown", 404, "未知工程"),
        ("theirs", 404, "未知工程"),
        ("other_host", 400, "不是本系统的标签"),
        ("garbage", 400, "不是标签网址"),
    ],
)
def test_check_a_label(app, client, tree, manager, which, status, text):
    app.config["SHELTER_PUBLIC_BASE_URL"] = "https://rf.jl.gov.cn"
    site, old = rotated_site(tree["unit_a"], datetime.now(UTC) - timedelta(hours=1))
    ancient = "a" * 22  # a token this site had before an earlier rotation
    db.session.add(
        QrRotation(
            site=site,
            unit_id=site.unit_id,
            rotated_by=manager,
            batch="b",
            old_token_fingerprint=qr.token_fingerprint(ancient),
            rotated_at=T0 - timedelta(days=90),
        )
    )
    theirs = make_site(tree["unit_b"])
    db.session.commit()
    url = {
        "current": qr.site_url(site),
        "previous": f"https://rf.jl.gov.cn/s/{site.code}?k={old}",
        "old": f"https://rf.jl.gov.cn/s/{site.code}?k={ancient}",
        "wrong": f"https://rf.jl.gov.cn/s/{site.code}?k={'w' * 22}",
        "unknown": f"https://rf.jl.gov.cn/s/NOPE?k={'w' * 22}",
        "theirs": qr.site_url(theirs),
        "other_host": f"https://example.com/s/{site.code}?k={site.qr_token}",
        "garbage": "hello",
    }[which]
    log_in(client, manager)
    reply = client.get("/manage/qr/check", query_string={"url": url})
    assert reply.status_code == status
    html = reply.get_data(as_text=True)
    assert text in html
    if which == "theirs":
        assert theirs.name not in html


# --- the verdict at sync, through the real endpoint ---------------------------------------

SCANNED_AT = datetime.fromisoformat("2026-11-30T08:04:40+08:00")  # as in sync_batch_valid.json


@pytest.fixture
def world(app):
    from tests.contract.world import NOW, build_world

    with time_machine.travel(NOW, tick=True):
        yield build_world()


@pytest.mark.parametrize(
    "token, rotated_before_scan, scanned_at, scanned",
    [
        ("current", timedelta(hours=2), SCANNED_AT, True),
        ("current", None, SCANNED_AT, True),
        ("current", None, None, True),  # no scan time: the start of the check counts
        ("old", timedelta(hours=23), SCANNED_AT, True),  # old label, within the grace period
        ("old", timedelta(hours=25), SCANNED_AT, False),  # old label, after the grace period
        ("old", timedelta(hours=23), SCANNED_AT + timedelta(hours=2), False),
        # A retired label with a scan time backdated into the grace period proves nothing.
        ("old", timedelta(hours=72), SCANNED_AT - timedelta(days=10), False),
        ("current", None, SCANNED_AT + timedelta(days=1), False),  # scanned outside the check
        ("wrong", None, SCANNED_AT, False),
        ("wrong", timedelta(hours=1), SCANNED_AT, False),
        ("missing", None, None, False),
    ],
)
def test_sync_records_the_scan_verdict(
    client, world, token, rotated_before_scan, scanned_at, scanned
):
    """POST /api/v1/sync/inspections with scan {token, scanned_at}, then Inspection.scanned:
    accepted and counted either way, scanned only with proof."""
    from tests.contract.world import log_in as log_in_api
    from tests.contract.world import valid_batch
    from webapp.models import Inspection

    site = world["site"]
    old = site.qr_token
    if rotated_before_scan is not None:
        with time_machine.travel(SCANNED_AT - rotated_before_scan, tick=False):
            qr.rotate_site_token(world["site"], world["manager"], "label copied")
    record = valid_batch(world["template"].id)["inspections"][0]
    value = {"current": site.qr_token, "old": old, "wrong": "w" * 22}.get(token)
    if value is None:
        record.pop("scan")
    else:
        record["scan"] = {"token": value, "scanned_at": scanned_at and scanned_at.isoformat()}
    headers = log_in_api(client, "ct-inspector")
    batch = {
        "device_id": "phone-1",
        "device_time": datetime.now(UTC).isoformat(),
        "inspections": [record],
    }
    reply = client.post("/api/v1/sync/inspections", json=batch, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["results"][0]["status"] == "created"
    db.session.expire_all()
    stored = db.session.get(Inspection, record["id"])
    assert stored.scanned is scanned
    assert stored.site_id == site.id  # counted for the site whether or not it was scanned


def test_rotation_through_the_page_invalidates_the_old_label_at_sync(client, world):
    """A manager replaces the label; a day and more later the old label proves nothing."""
    from tests.contract.world import NOW, valid_batch
    from tests.contract.world import log_in as log_in_api
    from webapp.models import Inspection

    site = world["site"]
    old = site.qr_token
    headers = log_in_api(client, "ct-manager")
    page = f"/manage/qr/sites/{site.code}/rotate"
    reply = client.post(page, data={"csrf_token": headers["X-CSRF-Token"], "confirm": "y"})
    assert reply.status_code == 302
    db.session.expire_all()
    new = db.session.get(Site, site.id).qr_token
    assert new != old

    later = NOW + timedelta(hours=25)  # past the 24 h grace period
    batch = valid_batch(world["template"].id)
    records = []
    for token in (old, new):
        record = copy.deepcopy(batch["inspections"][0])
        record["id"] = str(uuid.uuid4())
        record["started_at"] = later.isoformat()
        record["finished_at"] = (later + timedelta(minutes=15)).isoformat()
        record["scan"] = {"token": token, "scanned_at": later.isoformat()}
        records.append(record)
    with time_machine.travel(later + timedelta(minutes=20), tick=False):
        inspector = log_in_api(client, "ct-inspector")
        body = {
            "device_id": "phone-1",
            "device_time": datetime.now(UTC).isoformat(),
            "inspections": records,
        }
        reply = client.post("/api/v1/sync/inspections", json=body, headers=inspector)
    assert [r["status"] for r in reply.get_json()["results"]] == ["created", "created"]
    assert db.session.get(Inspection, records[0]["id"]).scanned is False
    assert db.session.get(Inspection, records[1]["id"]).scanned is True
