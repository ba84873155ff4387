"""Managers' site pages over HTTP: list, search, filters, pagination, create, edit every
field, deactivate, and every bad-input path (4xx naming the field, nothing written)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.factories import make_site, make_tree
from tests.login_helpers import account, csrf, log_in
from webapp.days import today
from webapp.extensions import db
from webapp.models import Role, Site


@pytest.fixture
def tree(app):
    tree = make_tree()
    account(tree["city_a"], Role.OFFICE_ADMIN, "admin")
    account(tree["unit_a"], Role.UNIT_MANAGER, "boss")
    db.session.commit()
    return tree


@pytest.fixture
def admin(app, tree):
    client = app.test_client()
    log_in(client, "admin")
    return client


def full_form(client, **changes) -> dict:
    form = {
        "code": "CC-0001",
        "name": "人民广场地下停车场",
        "address": "长春市南关区人民大街1号",
        "unit": "U-A1",
        "construction_type": "cut_and_cover",
        "year_built": "1978",
        "usage": "commercial",
        "status": "in_use",
        "due_from": (today() + timedelta(days=1)).isoformat(),
        "leased": "y",
        "tenant": "某商贸公司",
        "lease_expires": "2027-06-30",
        "permit_expires": "2027-12-31",
        "crowded": "y",
        "capacity": "800",
        "hillside": "y",
        "low_lying": "y",
        "floor_area": "5200.5",
        "responsible_person": "王建国",
        "responsible_phone": "0431-8888 1234",
        "csrf_token": csrf(client),
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def site(code: str) -> Site | None:
    db.session.expire_all()
    return db.session.execute(db.select(Site).where(Site.code == code)).scalar_one_or_none()


def test_create_site_with_every_field(admin, tree):
    reply = admin.post("/manage/sites/new", data=full_form(admin))
    assert reply.status_code == 302 and reply.headers["Location"] == "/manage/sites/CC-0001"
    created = site("CC-0001")
    assert (created.name, created.unit.code, created.construction_type) == (
        "人民广场地下停车场",
        "U-A1",
        "cut_and_cover",
    )
    assert created.year_built == 1978 and created.early_era
    assert created.leased and created.tenant == "某商贸公司"
    assert created.lease_expires == date(2027, 6, 30)
    assert created.permit_expires == date(2027, 12, 31)
    assert created.crowded and created.capacity == 800
    assert created.hillside and created.low_lying
    assert created.floor_area == Decimal("5200.5")
    assert created.due_from == today() + timedelta(days=1)
    assert created.responsible_phone == "0431-8888 1234"
    page = admin.get("/manage/sites/CC-0001").get_data(as_text=True)
    assert "人民广场地下停车场" in page and "掘开式" in page and "商业" in page


def test_edit_changes_every_field_but_the_code(admin, tree):
    make_site(tree["unit_a"], code="CC-0002", due_from=today() + timedelta(days=5))
    db.session.commit()
    reply = admin.post(
        "/manage/sites/CC-0002/edit",
        data=full_form(
            admin,
            code="HACKED",
            unit="U-K1",
            leased=None,
            tenant="",
            crowded=None,
            capacity="",
            usage="storage",
            status="idle",
            hillside=None,
        ),
    )
    assert reply.status_code == 302
    edited = site("CC-0002")
    assert site("HACKED") is None
    assert edited.unit.code == "U-K1" and edited.usage == "storage" and edited.status == "idle"
    assert not edited.leased and edited.tenant is None and edited.lease_expires is None
    assert not edited.crowded and edited.capacity is None and not edited.hillside
    assert edited.due_from == today() + timedelta(days=1)  # checks had not started yet


def test_edit_page_shows_the_current_values(admin, tree):
    make_site(tree["unit_a"], code="CC-0003", name="解放路地下商场", usage="commercial")
    db.session.commit()
    html = admin.get("/manage/sites/CC-0003/edit").get_data(as_text=True)
    assert 'value="解放路地下商场"' in html
    assert '<option selected value="commercial">' in html
    assert '<option selected value="U-A1">' in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"code": ""}, "code"),
        ({"code": "X" * 33}, "code"),
        ({"code": "含中文"}, "code"),
        ({"name": "长" * 121}, "name"),
        ({"address": ""}, "address"),
        ({"address": "路" * 201}, "address"),
        ({"unit": "U-B1"}, "unit"),  # outside the admin's subtree
        ({"unit": "CA"}, "unit"),  # an office, not an operating unit
        ({"construction_type": "igloo"}, "construction_type"),
        ({"usage": "casino"}, "usage"),
        ({"status": "demolished"}, "status"),
        ({"due_from": ""}, "due_from"),
        ({"due_from": "1999-12-31"}, "due_from"),
        ({"due_from": "2126-01-01"}, "due_from"),  # a mistyped year: never due
        ({"year_built": "nineteen"}, "year_built"),
        ({"year_built": "1850"}, "year_built"),
        ({"year_built": "2099"}, "year_built"),
        ({"tenant": ""}, "tenant"),  # leased without a tenant
        ({"tenant": "租" * 121}, "tenant"),
        ({"lease_expires": "30/06/2027"}, "lease_expires"),
        ({"permit_expires": "2027-02-30"}, "permit_expires"),
        ({"capacity": ""}, "capacity"),  # crowded without a capacity
        ({"capacity": "-5"}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"floor_area": "big"}, "floor_area"),
        ({"floor_area": "-1"}, "floor_area"),
        ({"floor_area": "1e12"}, "floor_area"),
        ({"responsible_person": "人" * 65}, "responsible_person"),
        ({"responsible_phone": "call me"}, "responsible_phone"),
        ({"responsible_phone": "1" * 41}, "responsible_phone"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(admin, tree, changes, field):
    reply = admin.post("/manage/sites/new", data=full_form(admin, **changes))
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert f'id="field-{field}"' in html
    assert 'class="field invalid' in html.split(f'id="field-{field}"')[0].rsplit("<div", 1)[1]
    assert site("CC-0001") is None and site(changes.get("code", "CC-0001")) is None


def test_duplicate_code_is_refused(admin, tree):
    make_site(tree["unit_b"], code="CC-0001")  # even one the admin cannot see
    db.session.commit()
    reply = admin.post("/manage/sites/new", data=full_form(admin))
    assert reply.status_code == 422
    assert "已存在相同编号的工程" in reply.get_data(as_text=True)
    assert site("CC-0001").unit.code == "U-B1"


def test_bad_edit_writes_nothing(admin, tree):
    make_site(tree["unit_a"], code="CC-0004", name="原名")
    db.session.commit()
    reply = admin.post(
        "/manage/sites/CC-0004/edit", data=full_form(admin, name="新名", capacity="x")
    )
    assert reply.status_code == 422
    assert site("CC-0004").name == "原名"


def test_form_without_csrf_token_is_refused(admin, tree):
    form = full_form(admin)
    del form["csrf_token"]
    assert admin.post("/manage/sites/new", data=form).status_code == 400
    assert site("CC-0001") is None


def test_deactivate_asks_then_suspends(admin, tree):
    make_site(tree["unit_a"], code="CC-0005")
    db.session.commit()
    confirm = admin.get("/manage/sites/CC-0005/deactivate")
    assert confirm.status_code == 200 and "确定停用" in confirm.get_data(as_text=True)
    assert site("CC-0005").status == "in_use"
    assert admin.post("/manage/sites/CC-0005/deactivate").status_code == 400  # no token
    assert site("CC-0005").status == "in_use"
    reply = admin.post("/manage/sites/CC-0005/deactivate", data={"csrf_token": csrf(admin)})
    assert reply.status_code == 302
    assert site("CC-0005").status == "suspended"


def test_unit_manager_creates_sites_only_at_its_unit(app, tree):
    client = app.test_client()
    log_in(client, "boss")
    page = client.get("/manage/sites/new").get_data(as_text=True)
    assert '<option selected value="U-A1">' in page and 'value="U-K1"' not in page
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert f'name="due_from" required type="date" value="{tomorrow}"' in page
    assert client.post("/manage/sites/new", data=full_form(client, unit="U-K1")).status_code == 422
    assert client.post("/manage/sites/new", data=full_form(client)).status_code == 302
    assert site("CC-0001").unit.code == "U-A1"


# --- the list ------------------------------------------------------------------------------


@pytest.fixture
def listed(tree):
    make_site(tree["unit_a"], code="L-PARK", name="南湖停车场", usage="parking")
    make_site(
        tree["unit_a"],
        code="L-SHOP",
        name="重庆路商场",
        usage="commercial",
        crowded=True,
        capacity=500,
        leased=True,
        tenant="某公司",
        address="长春市朝阳区重庆路5号",
    )
    make_site(
        tree["unit_county"],
        code="L-OLD",
        name="老坑道",
        year_built=1970,
        construction_type="hillside_tunnel",
        usage="idle",
        status="sealed",
    )
    make_site(tree["unit_b"], code="L-AWAY", name="乙市停车场")  # outside city A
    db.session.commit()


@pytest.mark.parametrize(
    "query, codes",
    [
        ({}, {"L-PARK", "L-SHOP", "L-OLD"}),
        ({"q": "l-park"}, {"L-PARK"}),
        ({"q": "商场"}, {"L-SHOP"}),
        ({"q": "重庆路5号"}, {"L-SHOP"}),
        ({"q": "停车场"}, {"L-PARK"}),  # 乙市停车场 is out of scope
        ({"q": "%"}, set()),  # LIKE wildcards are plain text
        ({"unit": "CA-K"}, {"L-OLD"}),
        ({"unit": "U-A1"}, {"L-PARK", "L-SHOP"}),
        ({"usage": "commercial"}, {"L-SHOP"}),
        ({"status": "sealed"}, {"L-OLD"}),
        ({"leased": "1"}, {"L-SHOP"}),
        ({"early": "1"}, {"L-OLD"}),
        ({"crowded": "1"}, {"L-SHOP"}),
        ({"usage": "parking", "unit": "U-A1"}, {"L-PARK"}),
    ],
)
def test_list_search_and_filters(admin, listed, query, codes):
    reply = admin.get("/manage/sites/", query_string=query)
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    shown = {code for code in ("L-PARK", "L-SHOP", "L-OLD", "L-AWAY") if f">{code}<" in html}
    assert shown == codes


@pytest.mark.parametrize(
    "query, status",
    [
        ({"unit": "U-B1"}, 404),  # filtering by an org outside the scope reveals nothing
        ({"unit": "NOPE"}, 404),
        ({"usage": "casino"}, 400),
        ({"status": "gone"}, 400),
        ({"page": "two"}, 400),
    ],
)
def test_list_bad_filters(admin, listed, query, status):
    assert admin.get("/manage/sites/", query_string=query).status_code == status


def test_list_paginates(admin, tree):
    for n in range(60):
        make_site(tree["unit_a"], code=f"P-{n:03d}")
    db.session.commit()
    first = admin.get("/manage/sites/").get_data(as_text=True)
    second = admin.get("/manage/sites/", query_string={"page": 2}).get_data(as_text=True)
    assert ">P-000<" in first and ">P-049<" in first and ">P-050<" not in first
    assert ">P-050<" in second and ">P-059<" in second and ">P-000<" not in second
    assert "第 1 / 2 页" in first and "page=2" in first
    beyond = admin.get("/manage/sites/", query_string={"page": 9})
    assert beyond.status_code == 200 and "没有符合条件的工程" in beyond.get_data(as_text=True)


def test_refusal_page_is_chinese_without_werkzeugs_english(app, tree):
    account(tree["city_a"], Role.OFFICE_SUPERVISOR, "watcher")
    db.session.commit()
    client = app.test_client()
    log_in(client, "watcher")
    reply = client.get("/manage/sites/new")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 403 and "无权操作" in page
    assert "permission" not in page  # werkzeug's default English description


def test_first_day_of_checks_starts_today_at_the_earliest_and_then_stays(admin, tree):
    yesterday, tomorrow = today() - timedelta(days=1), today() + timedelta(days=1)
    reply = admin.post("/manage/sites/new", data=full_form(admin, due_from=yesterday.isoformat()))
    assert reply.status_code == 422 and site("CC-0001") is None
    started = make_site(tree["unit_a"], "CC-0002", due_from=today() - timedelta(days=3))
    make_site(tree["unit_a"], "CC-0003", due_from=today() + timedelta(days=5))
    db.session.commit()

    def edit(code, day):
        form = full_form(admin, due_from=day.isoformat())
        return admin.post(f"/manage/sites/{code}/edit", data=form).status_code

    assert edit("CC-0002", tomorrow) == 422  # its misses would be rewritten
    assert edit("CC-0002", started.due_from) == 302  # other fields still editable
    assert edit("CC-0003", tomorrow) == 302
    assert (site("CC-0002").due_from, site("CC-0003").due_from) == (started.due_from, tomorrow)
