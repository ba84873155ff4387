"""Organisation pages over HTTP: the tree, creating child organisations, renaming
(人防办 → 国动办), deactivating and reactivating, and every bad-input path."""

from __future__ import annotations

import pytest

from tests.factories import make_org, make_site, make_tree
from tests.login_helpers import account, csrf, log_in
from webapp.extensions import db
from webapp.models import Organisation, OrgKind, Role


@pytest.fixture
def tree(app):
    tree = make_tree()
    account(tree["city_a"], Role.OFFICE_ADMIN, "admin")
    account(tree["province"], Role.OFFICE_ADMIN, "padmin")
    db.session.commit()
    return tree


def client_for(app, username):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def org(code: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.execute(
        db.select(Organisation).where(Organisation.code == code)
    ).scalar_one_or_none()


def test_tree_lists_the_subtree_in_order_with_counts(app, tree):
    make_site(tree["unit_a"])
    db.session.commit()
    html = client_for(app, "admin").get("/manage/orgs/").get_data(as_text=True)
    order = [html.index(f'class="code">{code}<') for code in ("CA", "CA-K", "U-K1", "U-A1")]
    assert order == sorted(order)
    assert 'class="code">CB<' not in html and 'class="code">JL<' not in html
    assert "1 个工程" in html and "1 个账号" in html and 'class="depth-2' in html


@pytest.mark.parametrize(
    "parent, kind, code",
    [("CA", "county", "CA-LY"), ("CA", "unit", "U-A2"), ("CA-K", "unit", "U-K2")],
)
def test_create_child_org(app, tree, parent, kind, code):
    admin = client_for(app, "admin")
    reply = admin.post(
        "/manage/orgs/new",
        data={
            "parent": parent,
            "kind": kind,
            "code": code.lower(),
            "name": "新机构",
            "phone": "0431-1234567",
            "csrf_token": csrf(admin),
        },
    )
    assert reply.status_code == 302
    created = org(code)  # codes are kept in capitals
    assert created.kind == kind and created.parent.code == parent
    assert created.path == f"{org(parent).path}{code}/"
    assert created.phone == "0431-1234567"


def test_province_admin_adds_a_city_level_office(app, tree):
    padmin = client_for(app, "padmin")
    reply = padmin.post(
        "/manage/orgs/new",
        data={
            "parent": "JL",
            "kind": "city",
            "code": "MHK",
            "name": "梅河口市人防办",
            "csrf_token": csrf(padmin),
        },
    )
    assert reply.status_code == 302 and org("MHK").kind == "city"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"code": ""}, "code"),
        ({"code": "C" * 33}, "code"),
        ({"code": "有中文"}, "code"),
        ({"code": "u-a1"}, "code"),  # taken (codes compare in capitals)
        ({"code": "CB"}, "code"),  # taken outside the subtree: still refused, nothing revealed
        ({"name": ""}, "name"),
        ({"name": "名" * 121}, "name"),
        ({"phone": "abc"}, "phone"),
        ({"kind": "province"}, "kind"),
        ({"kind": "planet"}, "kind"),
        ({"parent": "CA-K", "kind": "county"}, "kind"),  # a county below a county
        ({"parent": "CA-K", "kind": "city"}, "kind"),
        ({"parent": "U-A1", "kind": "unit"}, "parent"),  # nothing hangs below a unit
        ({"parent": "CB"}, "parent"),  # outside the subtree
        ({"parent": "JL"}, "parent"),  # above the admin
    ],
)
def test_bad_new_org_names_the_field_and_writes_nothing(app, tree, changes, field):
    admin = client_for(app, "admin")
    form = {
        "parent": "CA",
        "kind": "unit",
        "code": "U-NEW",
        "name": "新单位",
        "csrf_token": csrf(admin),
    }
    form.update(changes)
    before = db.session.execute(db.select(db.func.count()).select_from(Organisation)).scalar_one()
    reply = admin.post("/manage/orgs/new", data=form)
    assert reply.status_code == 422
    assert f'class="field invalid" id="field-{field}"' in reply.get_data(as_text=True)
    after = db.session.execute(db.select(db.func.count()).select_from(Organisation)).scalar_one()
    assert after == before


def test_rename_keeps_code_and_path(app, tree):
    padmin = client_for(app, "padmin")
    reply = padmin.post(
        "/manage/orgs/CA/edit",
        data={
            "name": "甲市国防动员办公室",
            "phone": "",
            "code": "HACK",
            "csrf_token": csrf(padmin),
        },
    )
    assert reply.status_code == 302
    renamed = org("CA")
    assert renamed.name == "甲市国防动员办公室" and renamed.path == "/JL/CA/"


@pytest.mark.parametrize(
    "form, field",
    [({"name": ""}, "name"), ({"name": "名" * 121}, "name"), ({"phone": "x"}, "phone")],
)
def test_bad_rename_writes_nothing(app, tree, form, field):
    padmin = client_for(app, "padmin")
    reply = padmin.post(
        "/manage/orgs/CA/edit", data={"name": "新名", **form, "csrf_token": csrf(padmin)}
    )
    assert reply.status_code == 422
    assert f'class="field invalid" id="field-{field}"' in reply.get_data(as_text=True)
    assert org("CA").name == "甲市人防办"


def test_deactivate_is_refused_while_something_is_active_below(app, tree):
    make_site(tree["unit_a"])
    account(tree["unit_a"], Role.INSPECTOR, "insp")
    db.session.commit()
    admin = client_for(app, "admin")
    page = admin.get("/manage/orgs/U-A1/edit").get_data(as_text=True)
    assert "1 个在用账号" in page and "1 个未停用的工程" in page
    reply = admin.post("/manage/orgs/U-A1/deactivate", data={"csrf_token": csrf(admin)})
    assert reply.status_code == 409
    assert "仍在使用" in reply.get_data(as_text=True)
    assert org("U-A1").active


def test_deactivate_and_reactivate_an_empty_org(app, tree):
    with db.session.no_autoflush:  # the committed parent reloads its children
        make_org("U-EMPTY", OrgKind.UNIT, tree["county"])
    db.session.commit()
    admin = client_for(app, "admin")
    assert admin.post("/manage/orgs/U-EMPTY/deactivate").status_code == 400  # no token
    assert org("U-EMPTY").active
    assert (
        admin.post("/manage/orgs/U-EMPTY/deactivate", data={"csrf_token": csrf(admin)}).status_code
        == 302
    )
    assert not org("U-EMPTY").active
    # A deactivated org takes no new children, and its parent waits for it no longer.
    refused = admin.post(
        "/manage/orgs/new",
        data={
            "parent": "U-EMPTY",
            "kind": "unit",
            "code": "X1",
            "name": "x",
            "csrf_token": csrf(admin),
        },
    )
    assert refused.status_code == 422
    assert (
        admin.post("/manage/orgs/U-EMPTY/reactivate", data={"csrf_token": csrf(admin)}).status_code
        == 302
    )
    assert org("U-EMPTY").active


def test_reactivation_needs_an_active_parent(app, tree):
    with db.session.no_autoflush:  # the committed parent reloads its children
        county = make_org("CA-Z", OrgKind.COUNTY, tree["city_a"])
        make_org("U-Z", OrgKind.UNIT, county, active=False)
        county.active = False
    db.session.commit()
    admin = client_for(app, "admin")
    reply = admin.post("/manage/orgs/U-Z/reactivate", data={"csrf_token": csrf(admin)})
    assert reply.status_code == 409
    assert not org("U-Z").active


def test_province_admin_sets_and_clears_the_nominal_parent(app, tree):
    with db.session.no_autoflush:  # the committed parent reloads its children
        make_org("CM", OrgKind.CITY, tree["province"], name="梅市人防办")
    db.session.commit()
    padmin = client_for(app, "padmin")
    page = padmin.get("/manage/orgs/CM/edit").get_data(as_text=True)
    assert 'id="field-nominal_parent"' in page and 'value="CA"' in page
    assert 'value="CM"' not in page  # not its own nominal parent
    form = {"name": "梅市人防办", "phone": "", "csrf_token": csrf(padmin)}
    reply = padmin.post("/manage/orgs/CM/edit", data={**form, "nominal_parent": "CA"})
    assert reply.status_code == 302
    assert org("CM").nominal_parent.code == "CA" and org("CM").path == "/JL/CM/"
    tree_page = padmin.get("/manage/orgs/").get_data(as_text=True)
    assert "名义上隶属 甲市人防办" in tree_page
    # Renaming without the field (an older page) keeps it; choosing "none" clears it.
    assert padmin.post("/manage/orgs/CM/edit", data=form).status_code == 302
    assert org("CM").nominal_parent.code == "CA"
    assert (
        padmin.post("/manage/orgs/CM/edit", data={**form, "nominal_parent": ""}).status_code == 302
    )
    assert org("CM").nominal_parent is None


def test_a_new_city_level_office_under_the_province_gets_a_nominal_parent(app, tree):
    padmin = client_for(app, "padmin")
    reply = padmin.post(
        "/manage/orgs/new",
        data={
            "parent": "JL",
            "kind": "city",
            "code": "GZL",
            "name": "公主岭市人防办",
            "nominal_parent": "CA",
            "csrf_token": csrf(padmin),
        },
    )
    assert reply.status_code == 302
    assert org("GZL").nominal_parent.code == "CA" and org("GZL").parent.code == "JL"


@pytest.mark.parametrize(
    "path, form",
    [
        # Only a city-level office directly under the province has one:
        ("/manage/orgs/CA-K/edit", {"name": "甲市某区人防办"}),
        ("/manage/orgs/U-P1/edit", {"name": "省直属单位"}),
        ("/manage/orgs/new", {"parent": "JL", "kind": "unit", "code": "U-P2", "name": "x"}),
        ("/manage/orgs/new", {"parent": "CA", "kind": "county", "code": "CA-X", "name": "x"}),
        # ... and it is another city-level office, never itself:
        ("/manage/orgs/CB/edit", {"name": "乙市人防办", "nominal_parent": "CB"}),
        ("/manage/orgs/CB/edit", {"name": "乙市人防办", "nominal_parent": "CA-K"}),
        ("/manage/orgs/CB/edit", {"name": "乙市人防办", "nominal_parent": "JL"}),
        ("/manage/orgs/CB/edit", {"name": "乙市人防办", "nominal_parent": "NOPE"}),
    ],
)
def test_a_nominal_parent_where_none_is_allowed_is_a_field_error(app, tree, path, form):
    padmin = client_for(app, "padmin")
    before = {o.code: (o.name, o.nominal_parent_id) for o in db.session.query(Organisation)}
    reply = padmin.post(path, data={"nominal_parent": "CA", **form, "csrf_token": csrf(padmin)})
    assert reply.status_code == 422
    assert 'class="field invalid" id="field-nominal_parent"' in reply.get_data(as_text=True)
    db.session.expire_all()
    after = {o.code: (o.name, o.nominal_parent_id) for o in db.session.query(Organisation)}
    assert after == before


def test_a_city_admin_sees_no_nominal_parent_field(app, tree):
    admin = client_for(app, "admin")
    assert 'id="field-nominal_parent"' not in admin.get("/manage/orgs/new").get_data(as_text=True)
    reply = admin.post(
        "/manage/orgs/CA-K/edit",
        data={"name": "甲市某区人防办", "nominal_parent": "CA", "csrf_token": csrf(admin)},
    )
    assert reply.status_code == 422
    assert org("CA-K").nominal_parent is None
