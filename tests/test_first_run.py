"""The first run of a real deployment (docs/deploy.md, "Schema and first accounts"): from
an empty database, through the commands an operator types, to an office admin who logs in
and registers a site and an inspector on the pages, and the inspector's phone that gets the
site's form."""

from __future__ import annotations

import shlex
from datetime import timedelta

import pytest

from tests.login_helpers import csrf, log_in
from webapp.days import today
from webapp.extensions import db

EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
ADMIN_PASSWORD = "first-admin-pw-2026"


@pytest.fixture
def empty(app):
    """The app on a database with no tables at all; restored for the fixture's teardown."""
    db.drop_all()
    yield app
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.create_all()


def flask(runner, command: str, stdin: str | None = None) -> str:
    """``flask --app webapp <command>``, as typed in a shell."""
    result = runner.invoke(args=shlex.split(command), input=stdin, env=EN)
    assert result.exit_code == 0, (command, result.output)
    return result.output


def test_from_an_empty_database_to_an_inspectors_form(empty, runner):
    flask(runner, "db upgrade")
    assert "59 items" in flask(runner, "seed-checklist")
    flask(runner, "create-org JL 吉林省人民防空办公室 --kind province")
    flask(runner, "create-org CC 长春市人民防空办公室 --kind city --parent JL")
    flask(runner, "create-org CC-U01 长春市人防资产经营管理有限公司 --kind unit --parent CC")
    flask(
        runner,
        "create-user jl.admin --role office_admin --org JL --password-stdin",
        stdin=ADMIN_PASSWORD + "\n",
    )

    admin = empty.test_client()
    assert log_in(admin, "jl.admin", ADMIN_PASSWORD).headers["Location"] == "/manage"
    orgs = admin.get("/manage/orgs/").get_data(as_text=True)
    assert all(f'class="code">{code}<' in orgs for code in ("JL", "CC", "CC-U01"))
    due_from = today() + timedelta(days=1)
    reply = admin.post(
        "/manage/sites/new",
        data={
            "code": "CC-0001",
            "name": "人民广场地下停车场",
            "address": "长春市南关区人民大街1号",
            "unit": "CC-U01",
            "construction_type": "basement",
            "usage": "parking",
            "status": "in_use",
            "due_from": due_from.isoformat(),
            "responsible_person": "王建国",
            "responsible_phone": "0431-8888 1234",
            "csrf_token": csrf(admin),
        },
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    reply = admin.post(
        "/manage/users/new",
        data={
            "org": "CC-U01",
            "username": "cc-u01.inspector",
            "display_name": "徐磊",
            "role": "inspector",
            "password": "inspector-pw-2026",
            "csrf_token": csrf(admin),
        },
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)

    phone = empty.test_client()
    login = phone.post(
        "/api/v1/session", json={"username": "cc-u01.inspector", "password": "inspector-pw-2026"}
    )
    assert login.status_code == 200, login.get_json()
    [site] = phone.get("/api/v1/sites").get_json()
    assert (site["code"], site["unit"]["code"], site["kind"]) == ("CC-0001", "CC-U01", "self")
    assert len(site["item_ids"]) > 10
    template = phone.get(f"/api/v1/templates/{site['template_id']}").get_json()
    assert set(site["item_ids"]) <= {item["id"] for item in template["items"]}
    assert phone.get("/s/CC-0001").status_code == 200
