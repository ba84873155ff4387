"""Managers' account pages over HTTP: list and search, create with a role the creator may
grant, edit, deactivate and reactivate, reset a password, and every bad-input path."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_org, make_tree
from tests.login_helpers import account, csrf, log_in
from webapp.extensions import db
from webapp.models import OrgKind, Role, User
from webapp.services.accounts import FieldError, create_user


@pytest.fixture
def tree(app):
    tree = make_tree()
    account(tree["city_a"], Role.OFFICE_ADMIN, "admin")
    account(tree["unit_a"], Role.UNIT_MANAGER, "boss")
    account(tree["unit_a"], Role.INSPECTOR, "li.ming", display_name="李明", phone="13800000001")
    account(tree["unit_county"], Role.INSPECTOR, "zhang.wei", display_name="张伟")
    db.session.commit()
    return tree


def client_for(app, username):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()


def new_user_form(client, **changes):
    form = {
        "org": "U-A1",
        "username": "wang.fang",
        "display_name": "王芳",
        "phone": "13900000002",
        "role": "inspector",
        "password": "a-long-secret",
        "csrf_token": csrf(client),
    }
    form.update(changes)
    return form


def test_admin_creates_an_account_that_can_log_in(app, tree):
    admin = client_for(app, "admin")
    reply = admin.post("/manage/users/new", data=new_user_form(admin))
    assert reply.status_code == 302 and reply.headers["Location"] == "/manage/users/wang.fang"
    created = user("wang.fang")
    assert (created.display_name, created.phone, created.role, created.org.code) == (
        "王芳",
        "13900000002",
        "inspector",
        "U-A1",
    )
    assert log_in(app.test_client(), "wang.fang", "a-long-secret").status_code == 302


def test_admin_creates_an_office_account(app, tree):
    admin = client_for(app, "admin")
    form = new_user_form(admin, org="CA-K", role="office_supervisor")
    assert admin.post("/manage/users/new", data=form).status_code == 302
    assert user("wang.fang").role == "office_supervisor"


@pytest.mark.parametrize(
    "actor, changes, field",
    [
        ("admin", {"username": ""}, "username"),
        ("admin", {"username": "ab"}, "username"),
        ("admin", {"username": "u" * 65}, "username"),
        ("admin", {"username": "王芳"}, "username"),
        ("admin", {"username": "li.ming"}, "username"),  # taken
        ("admin", {"display_name": ""}, "display_name"),
        ("admin", {"display_name": "名" * 65}, "display_name"),
        ("admin", {"phone": "call me"}, "phone"),
        ("admin", {"phone": "1" * 41}, "phone"),
        ("admin", {"password": "short"}, "password"),
        ("admin", {"password": "p" * 201}, "password"),
        ("admin", {"role": "office_admin"}, "role"),  # an office role at a unit
        ("admin", {"org": "CA", "role": "inspector"}, "role"),  # a unit role at an office
        ("admin", {"role": "superuser"}, "role"),
        ("admin", {"org": "U-B1"}, "org"),  # outside the subtree
        ("admin", {"org": "JL"}, "org"),  # above the admin
        ("boss", {"role": "unit_manager"}, "role"),  # more than an inspector
        ("boss", {"org": "U-K1"}, "org"),  # another unit
    ],
)
def test_bad_new_account_names_the_field(app, tree, actor, changes, field):
    client = client_for(app, actor)
    before = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    reply = client.post("/manage/users/new", data=new_user_form(client, **changes))
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert f'class="field invalid" id="field-{field}"' in html
    after = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    assert after == before


def test_unit_manager_creates_inspectors_at_its_unit(app, tree):
    boss = client_for(app, "boss")
    page = boss.get("/manage/users/new").get_data(as_text=True)
    assert 'value="inspector"' in page and 'value="unit_manager"' not in page
    assert boss.post("/manage/users/new", data=new_user_form(boss)).status_code == 302
    assert user("wang.fang").org.code == "U-A1"


def test_edit_name_phone_and_role(app, tree):
    admin = client_for(app, "admin")
    reply = admin.post(
        "/manage/users/li.ming/edit",
        data={
            "display_name": "李明明",
            "phone": "",
            "role": "unit_manager",
            "csrf_token": csrf(admin),
        },
    )
    assert reply.status_code == 302
    edited = user("li.ming")
    assert (edited.display_name, edited.phone, edited.role) == ("李明明", None, "unit_manager")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": "名" * 65}, "display_name"),
        ({"phone": "abc"}, "phone"),
        ({"role": "office_admin"}, "role"),
        ({"role": ""}, "role"),
    ],
)
def test_bad_edit_names_the_field_and_writes_nothing(app, tree, changes, field):
    admin = client_for(app, "admin")
    form = {"display_name": "新名字", "phone": "", "role": "inspector", "csrf_token": csrf(admin)}
    form.update(changes)
    reply = admin.post("/manage/users/li.ming/edit", data=form)
    assert reply.status_code == 422
    assert f'class="field invalid" id="field-{field}"' in reply.get_data(as_text=True)
    unchanged = user("li.ming")
    assert (unchanged.display_name, unchanged.role) == ("李明", "inspector")


def test_unit_manager_cannot_promote(app, tree):
    boss = client_for(app, "boss")
    reply = boss.post(
        "/manage/users/li.ming/edit",
        data={"display_name": "李明", "role": "unit_manager", "csrf_token": csrf(boss)},
    )
    assert reply.status_code == 422
    assert user("li.ming").role == "inspector"


def test_nobody_manages_their_own_account_here(app, tree):
    admin = client_for(app, "admin")
    assert admin.get("/manage/users/admin").status_code == 200
    assert admin.get("/manage/users/admin/edit").status_code == 403
    assert (
        admin.post("/manage/users/admin/deactivate", data={"csrf_token": csrf(admin)}).status_code
        == 403
    )
    assert user("admin").active


def test_deactivate_and_reactivate(app, tree):
    admin = client_for(app, "admin")
    victim = client_for(app, "li.ming")
    assert admin.post("/manage/users/li.ming/deactivate").status_code == 400  # no token
    assert (
        admin.post("/manage/users/li.ming/deactivate", data={"csrf_token": csrf(admin)}).status_code
        == 302
    )
    assert not user("li.ming").active
    assert victim.get("/api/v1/me").status_code == 401  # the open session ends too
    assert log_in(app.test_client(), "li.ming").status_code == 401
    page = admin.get("/manage/users/li.ming").get_data(as_text=True)
    assert "已停用" in page and "重新启用账号" in page
    assert (
        admin.post("/manage/users/li.ming/reactivate", data={"csrf_token": csrf(admin)}).status_code
        == 302
    )
    assert user("li.ming").active
    assert log_in(app.test_client(), "li.ming").status_code == 302


def test_reset_password(app, tree):
    admin = client_for(app, "admin")
    short = admin.post(
        "/manage/users/li.ming/password", data={"password": "short", "csrf_token": csrf(admin)}
    )
    assert short.status_code == 422
    assert user("li.ming").check_password(PASSWORD)
    reply = admin.post(
        "/manage/users/li.ming/password",
        data={"password": "new secret 42", "csrf_token": csrf(admin)},
    )
    assert reply.status_code == 302
    assert log_in(app.test_client(), "li.ming", PASSWORD).status_code == 401
    assert log_in(app.test_client(), "li.ming", "new secret 42").status_code == 302


@pytest.mark.parametrize(
    "query, shown",
    [
        ({}, {"admin", "boss", "li.ming", "zhang.wei"}),
        ({"q": "李"}, {"li.ming"}),
        ({"q": "ZHANG"}, {"zhang.wei"}),
        ({"q": "13800000001"}, {"li.ming"}),
        ({"org": "CA-K"}, {"zhang.wei"}),
        ({"org": "U-A1"}, {"boss", "li.ming"}),
    ],
)
def test_list_search(app, tree, query, shown):
    account(tree["unit_b"], Role.INSPECTOR, "far.away")
    db.session.commit()
    admin = client_for(app, "admin")
    page = admin.get("/manage/users/", query_string=query).get_data(as_text=True)
    html = page.split("<main", 1)[1]  # the top bar links to one's own account
    names = {
        n
        for n in ("admin", "boss", "li.ming", "zhang.wei", "far.away")
        if f'href="/manage/users/{n}"' in html
    }
    assert names == shown


@pytest.mark.parametrize("query, status", [({"org": "U-B1"}, 404), ({"page": "x"}, 400)])
def test_list_bad_filters(app, tree, query, status):
    admin = client_for(app, "admin")
    assert admin.get("/manage/users/", query_string=query).status_code == status


def deactivated_unit_with_an_account(tree):
    """U-D1 below the county, deactivated, with the deactivated inspector "gone.away"."""
    with db.session.no_autoflush:  # the committed parent reloads its children
        unit = make_org("U-D1", OrgKind.UNIT, tree["county"], active=False)
    account(unit, Role.INSPECTOR, "gone.away", active=False)
    db.session.commit()
    return unit


def test_reactivating_an_account_of_a_deactivated_org_is_refused(app, tree):
    deactivated_unit_with_an_account(tree)
    admin = client_for(app, "admin")
    page = admin.get("/manage/users/gone.away").get_data(as_text=True)
    assert "/manage/users/gone.away/reactivate" not in page
    assert "请先重新启用该组织机构" in page
    reply = admin.post("/manage/users/gone.away/reactivate", data={"csrf_token": csrf(admin)})
    assert reply.status_code == 409
    assert "已停用，请先重新启用该组织机构" in reply.get_data(as_text=True)
    assert not user("gone.away").active
    assert log_in(app.test_client(), "gone.away").status_code == 401


def test_no_account_is_created_in_a_deactivated_org(app, tree):
    unit = deactivated_unit_with_an_account(tree)
    admin = client_for(app, "admin")
    reply = admin.post("/manage/users/new", data=new_user_form(admin, org="U-D1"))
    assert reply.status_code == 422
    assert 'class="field invalid" id="field-org"' in reply.get_data(as_text=True)
    with pytest.raises(FieldError) as refused:
        create_user(
            username="wang.fang",
            display_name="王芳",
            phone=None,
            org=unit,
            role=Role.INSPECTOR,
            password="a-long-secret",
        )
    assert refused.value.field == "org"
    assert user("wang.fang") is None
